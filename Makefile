# Krisenradar: `make run` starts the local stack, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test lint typecheck unit integration e2e infra-test bench clean synth train

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Browser tests use Debian's Chromium (never a browser download). Needs root, as on CI and dev machines.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m chalicelib.local.stack

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

infra-test: $(STAMP)
	$(BIN)/pytest -q tests/infra

test: lint typecheck $(CHROMIUM)
	$(BIN)/pytest -q -n 2 --dist loadfile tests

bench: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-train.txt  # the LOCO sentiment table retrains
	$(BIN)/python -m tests.bench

# Rebuilds chalicelib/analysis/model/ from ../shared/data (deterministic; a few minutes).
train: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-train.txt
	$(BIN)/pip install --quiet --no-deps textblob-de==0.4.3
	$(BIN)/python -m chalicelib.analysis.training

synth: $(STAMP)
	cd infra && ../$(BIN)/python app.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache infra/cdk.out out
