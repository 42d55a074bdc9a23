# FlexMarket — two commands do everything on a fresh machine:
#   make run    install what is missing, then run the whole market on embedded defaults
#   make test   install what is missing, then run the full test suite
# Installing is idempotent and quick when nothing is missing: a .venv with the package and
# its test extras (pinned by constraints.txt), the npm packages (npm ci, from
# package-lock.json) and, for the tests, the Debian packages they need.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.flexmarket-deps
NPM_STAMP := node_modules/.flexmarket-deps
PYTEST_ARGS ?=
# The web UI's bundles (esbuild, offline from node_modules): rebuilt when a source under
# marketplace/web/src, the build script or the npm lock changes.
WEB_DIST := marketplace/web/static/dist
WEB_STAMP := $(WEB_DIST)/.flexmarket-built
WEB_SOURCES := $(shell find marketplace/web/src -type f 2>/dev/null) marketplace/web/build.mjs package-lock.json

.PHONY: help run test deps tools test-system-deps compile lock ui

help:
	@echo "make run    install what is missing, then run FlexMarket (local chain, SQLite, API + UI on http://127.0.0.1:5000)"
	@echo "make test   install what is missing, then run the full test suite"
	@echo "make ui       rebuild the web UI bundles (make run and make test do it when sources change)"
	@echo "make compile  rebuild the contract artifacts after changing contracts/ (needs npm ci)"
	@echo "make lock     re-pin constraints.txt after changing dependencies in pyproject.toml"

tools:
	@scripts/check-tools.sh

$(PY_STAMP): pyproject.toml constraints.txt | tools
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing the Python package and its test extras into $(VENV) ..."
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

$(NPM_STAMP): package.json package-lock.json | tools
	@echo "installing npm packages (npm ci) ..."
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

deps: tools $(PY_STAMP) $(NPM_STAMP)

$(WEB_STAMP): $(WEB_SOURCES) | $(NPM_STAMP)
	@echo "building the web UI bundles (esbuild) ..."
	@node marketplace/web/build.mjs
	@touch $@

ui: $(WEB_STAMP)

test-system-deps:
	@scripts/install-system-deps.sh test

run: deps $(WEB_STAMP)
	$(BIN)/flexmarket run

test: deps test-system-deps $(WEB_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

compile: deps
	$(BIN)/flexmarket compile

lock: tools
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)==' > constraints.txt
	@touch $(PY_STAMP)
