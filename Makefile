# Krisenradar: `make run` starts the local stack, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test lint typecheck audit fuzz unit integration e2e infra-test bench clean synth train cdk-tools cdk bootstrap deploy destroy

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

# Known vulnerabilities in the installed dependencies (pip-audit); skipped, and says so, only where
# PyPI's vulnerability data cannot be reached.
audit: $(STAMP)
	$(BIN)/python .ci/audit.py

# Schemathesis over /openapi.json with every check (part of `make test`; FUZZ_EXAMPLES=25 for more).
fuzz: $(STAMP)
	$(BIN)/pytest -q -s tests/integration/test_fuzz_api.py

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

infra-test: $(STAMP)
	$(BIN)/pytest -q tests/infra

test: lint typecheck audit $(CHROMIUM)
	$(BIN)/pytest -q -n 2 --dist loadfile tests

bench: $(STAMP)
	$(BIN)/python -m tests.bench

# Rebuilds chalicelib/analysis/model/ from ../shared/data (deterministic; a few minutes).
train: $(STAMP)
	$(BIN)/pip install --quiet -r requirements-train.txt
	$(BIN)/pip install --quiet --no-deps textblob-de==0.4.3
	$(BIN)/python -m chalicelib.analysis.training

synth: $(STAMP)
	cd infra && ../$(BIN)/python app.py

# The CDK CLI on a supported Node LTS, both from the npm registry, kept in infra/.tools (git-ignored);
# the machine's own Node is not used.
NODE_ARCH := $(shell uname -m | sed 's/x86_64/x64/;s/aarch64/arm64/')
NODE_VERSION := 24.22.1
CDK_VERSION := 2.1148.1
TOOLS := $(CURDIR)/infra/.tools
TOOLS_STAMP := $(TOOLS)/.installed-$(NODE_VERSION)-$(CDK_VERSION)
NODE_BIN := $(TOOLS)/node_modules/node-linux-$(NODE_ARCH)/bin
CDK := PATH=$(NODE_BIN):$$PATH $(NODE_BIN)/node $(TOOLS)/node_modules/aws-cdk/bin/cdk
STAGE ?= dev

$(TOOLS_STAMP):
	npm install --prefix $(TOOLS) --no-save --no-audit --no-fund --loglevel=error \
		node-linux-$(NODE_ARCH)@$(NODE_VERSION) aws-cdk@$(CDK_VERSION)
	touch $@

cdk-tools: $(TOOLS_STAMP)

# Any CDK command, e.g. make cdk ARGS="diff -c stage=prod"
cdk: $(STAMP) $(TOOLS_STAMP)
	cd infra && $(CDK) $(ARGS)

# Once per account and region: the CDK's staging bucket and roles (needs AWS credentials).
bootstrap: $(STAMP) $(TOOLS_STAMP)
	cd infra && $(CDK) bootstrap -c stage=$(STAGE)

# make deploy STAGE=prod CONTEXT="-c public_url=https://krisenradar.example.de -c hubspot=true"
deploy: $(STAMP) $(TOOLS_STAMP)
	cd infra && $(CDK) deploy -c stage=$(STAGE) $(CONTEXT) --require-approval broadening

# Removes the functions, API, topic and alarms; tables, secrets and prod log groups are retained.
destroy: $(STAMP) $(TOOLS_STAMP)
	cd infra && $(CDK) destroy -c stage=$(STAGE) $(CONTEXT) --force

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache infra/cdk.out infra/.tools out
