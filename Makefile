# thaimt — one Makefile for people and CI.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export HF_HUB_OFFLINE ?= 0

MODEL ?= $(or $(THAIMT_MODEL),Helsinki-NLP/opus-mt-th-en)
HOST  ?= 127.0.0.1
PORT  ?= 8000

.PHONY: install browser lint typecheck test serve model bench clean

# The browser tests (tests/integration/web) drive the system's Chromium through its ChromeDriver,
# and the page's screenshots need a Thai system font: Debian packages, installed when missing.
BROWSER_PACKAGES := chromium chromium-driver fonts-tlwg-loma-otf
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) browser

browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	    && fc-list :lang=th 2>/dev/null | grep -q .; then :; \
	elif command -v apt-get >/dev/null; then \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(BROWSER_PACKAGES); \
	else \
	  echo "warning: no apt-get: install Chromium, its ChromeDriver and a Thai font yourself" \
	       "(the browser tests in tests/integration/web need them)" >&2; \
	fi

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
