# The two commands of the README. Both create .venv with Python 3.11+ and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,postgres,serve]'
	touch $@

install: $(VENV)/.installed

## run: install, create the database, load the demo consortium and serve the hub
run: $(VENV)/.installed
	$(BIN)/hub db upgrade
	$(BIN)/hub demo
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

# axe-core (accessibility checks in the browser tests) comes from the npm registry.
tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

## test: install and run the whole test suite (HUB_TEST_DATABASE_URL selects PostgreSQL)
test: $(VENV)/.installed tests/browser/node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check hub content_store search_index tests migrations benchmarks
	$(BIN)/mypy
