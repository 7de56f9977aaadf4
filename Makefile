# keikaku — two commands do everything on a fresh machine:
#   make run    set up, create the default database with the Kansai data, run the main job
#   make test   set up with test dependencies and run every check and test
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
SYSTEM_STAMP := $(VENV)/.system-deps
AXE := tests/browser/axe/node_modules/axe-core/axe.min.js

.PHONY: run test setup setup-test system-deps lint typecheck imports pytest bench clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml requirements.lock | $(VENV)/bin/python
	$(BIN)/pip install --quiet -c requirements.lock -e .
	touch $@

$(TEST_STAMP): $(STAMP) pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

$(SYSTEM_STAMP): scripts/system-deps.sh | $(VENV)/bin/python
	bash scripts/system-deps.sh
	touch $@

setup: $(STAMP)

$(AXE): tests/browser/axe/package.json tests/browser/axe/package-lock.json
	npm ci --prefix tests/browser/axe --no-audit --no-fund --silent
	touch $@

setup-test: $(TEST_STAMP) $(SYSTEM_STAMP) $(AXE)

system-deps: $(SYSTEM_STAMP)

run: setup
	$(BIN)/keikaku init
	bash scripts/main-job.sh

lint: setup-test
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

typecheck: setup-test
	$(BIN)/mypy

imports: setup-test
	$(BIN)/python scripts/check_imports.py

pytest: setup-test
	bash scripts/pytest.sh

test: lint typecheck imports pytest

bench: setup-test
	bash scripts/bench.sh

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts tests/browser/axe/node_modules
