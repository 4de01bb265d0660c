# Xueliang: two commands.
#   make demo   set up and serve the embedded demo on http://127.0.0.1:8000
#   make test   set up and run every check (lint, types, unit, API, browser)
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt
DEMO_DIR ?= ./data
export XUELIANG_DATA_DIR ?= $(DEMO_DIR)

.PHONY: demo test serve init venv venv-dev web system-deps system-deps-demo lint typecheck check-tests pytest clean

demo: system-deps-demo venv web init serve

test: system-deps venv-dev web lint typecheck check-tests pytest

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip

$(VENV)/.runtime: $(BIN)/python pyproject.toml constraints.txt requirements-nodeps.txt
	$(PIP_INSTALL) -e .
	$(PIP_INSTALL) --no-deps -r requirements-nodeps.txt
	@touch $@

$(VENV)/.dev: $(VENV)/.runtime
	$(PIP_INSTALL) -e ".[dev]"
	@touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

web: venv
	bash scripts/build-web.sh

system-deps:
	bash scripts/install-system-deps.sh test

system-deps-demo:
	bash scripts/install-system-deps.sh demo

init: venv
	$(BIN)/xueliang init

serve: venv
	$(BIN)/xueliang serve

lint: venv-dev
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: venv-dev
	$(BIN)/mypy

check-tests: venv-dev
	$(BIN)/python scripts/check_test_functions.py tests

pytest: venv-dev
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) web/node_modules src/xueliang/web/static .pytest_cache .mypy_cache .ruff_cache
