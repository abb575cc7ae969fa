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

.PHONY: install lint typecheck check-pins test serve model bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check service models eval tests
	$(BIN)/ruff format --check service models eval tests
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
model: install
	$(BIN)/thaimt download $(MODEL)

serve: install model
	$(BIN)/thaimt serve --model $(MODEL) --host $(HOST) --port $(PORT)

bench: install
	HF_HUB_OFFLINE=1 $(BIN)/thaimt bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
