# thaimt — one Makefile for people and CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 0

MODEL ?= $(or $(THAIMT_MODEL),Helsinki-NLP/opus-mt-th-en)
HOST  ?= 127.0.0.1
PORT  ?= 8000

.PHONY: install lint typecheck test serve model bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check service models eval bench tests
	$(BIN)/ruff format --check service models eval bench tests
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
