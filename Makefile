# thaimt — one Makefile for people and CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 0

MODEL ?= $(or $(THAIMT_MODEL),Helsinki-NLP/opus-mt-th-en)
HOST  ?= 127.0.0.1
PORT  ?= 8000

.PHONY: install lint typecheck test serve model bench clean system-deps

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) system-deps

# The tests start a real redis-server (shared cache and budgets across replicas). Installed
# from the OS packages when missing: as root directly, otherwise through sudo if there is one;
# a user who already has it (or runs no tests) is not asked for anything.
system-deps:
	@command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "warning: redis-server is missing and cannot be installed without root;" \
	    "the Redis tests need it (Debian/Ubuntu: apt-get install redis-server)" >&2; exit 0; fi; \
	  if command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq redis-server >/dev/null; \
	  else echo "warning: install redis-server with your package manager (the Redis tests" \
	    "need it)" >&2; fi; }

lint: install
	$(BIN)/ruff check service models eval tests
	$(BIN)/ruff format --check service models eval tests
	$(BIN)/mypy

test: install lint
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q

# Fetch the model once (needs a network, or a model already in the HF cache / a local dir).
model: install
	$(BIN)/thaimt download $(MODEL)

serve: install model
	$(BIN)/thaimt serve --model $(MODEL) --host $(HOST) --port $(PORT)

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/thaimt bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
