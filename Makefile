# thaimt — one Makefile for people and CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 0

MODEL ?= $(or $(THAIMT_MODEL),Helsinki-NLP/opus-mt-th-en)
HOST  ?= 127.0.0.1
PORT  ?= 8000
# Where torch comes from. Empty (the default): PyPI alone; its Linux wheel brings CUDA (GBs).
# The CPU-only build (a few hundred MB) from PyTorch's own index:
#   make install TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_INDEX ?=

.PHONY: install system-deps node-clients lint typecheck check-pins test serve model test-model bench clean

# Debian packages the tests need: redis-server (replicas sharing cache and budgets), chromium and
# chromium-driver (the page's browser tests) and a Thai font (their screenshots). Installed when
# missing: as root directly, otherwise through sudo if there is one; a user who already has them
# is not asked for anything.
SYSTEM_PACKAGES := redis-server chromium chromium-driver fonts-tlwg-loma-otf

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) system-deps node-clients

# The official DeepL Node client (deepl-node, pinned in tests/clients/node/package-lock.json)
# for the DeepL-compatible API's tests, from the npm registry.
NODE_DIR   := tests/clients/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed

node-clients: $(NODE_STAMP)

$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "warning: npm is missing; the deepl-node test needs Node.js 18+ and npm" >&2; fi

system-deps:
	@missing=""; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	fc-list :lang=th 2>/dev/null | grep -q . || missing="$$missing fonts-tlwg-loma-otf"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	else echo "warning: missing$$missing; the Redis and browser tests need them" \
	  "(Debian/Ubuntu: apt-get install$$missing)" >&2; exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1; then \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "warning: install$$missing with your package manager" >&2; fi

lint: install
	$(BIN)/ruff check service models eval bench tests
	$(BIN)/ruff format --check service models eval bench tests
	$(BIN)/mypy

# The pins resolve on a machine that reaches only PyPI (no pip.conf, no find-links, no local
# wheels): a dry-run resolution from scratch, then every resolved file must come from PyPI.
check-pins: install
	$(BIN)/python .ci/check_pins.py

test: install lint check-pins
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/pytest -q

# Fetch the model once (needs a network, or a model already in the HF cache / a local dir).
# Offline: `make serve MODEL=DIR` with a DIR from `thaimt download MODEL --dir DIR` (run on a
# connected machine), or from `thaimt make-test-model DIR` for a smoke test (gibberish output).
# Serving needs the Python environment only (not the test suite's Debian packages).
model: $(STAMP)
	$(BIN)/thaimt download $(MODEL)

# A random-weight model in ./tiny for a smoke test with no download (gibberish output):
#   make test-model && make serve MODEL=tiny
test-model: $(STAMP)
	$(BIN)/thaimt make-test-model $(or $(DIR),tiny)

serve: $(STAMP) model
	$(BIN)/thaimt serve --model $(MODEL) --host $(HOST) --port $(PORT)

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/thaimt bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
