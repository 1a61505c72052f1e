# The two commands of the README. Both create .venv with Python 3.11+ and install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint install translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,postgres,serve]'
	touch $@

# Interface translations: .po files are the source, compiled to .mo at install.
CATALOGUES := $(wildcard hub/translations/*/LC_MESSAGES/messages.po)
COMPILED   := $(CATALOGUES:.po=.mo)

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel -q compile --statistics -i $< -o $@

install: $(VENV)/.installed $(COMPILED)

## translations: extract the hub's words into messages.pot and merge them into every .po file
translations: $(VENV)/.installed
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k N_ --no-wrap --sort-by-file \
		--project "Consortium Hub" -o hub/translations/messages.pot .
	$(BIN)/pybabel -q update --no-wrap -i hub/translations/messages.pot -d hub/translations

## run: install, create the database, load the demo consortium and serve the hub
run: install
	$(BIN)/hub db upgrade
	$(BIN)/hub demo
	$(BIN)/hub serve --host $(HOST) --port $(PORT)

# axe-core (accessibility checks in the browser tests) comes from the npm registry.
tests/browser/node_modules/.installed: tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Tests run in one process per core (pytest-xdist); TEST_WORKERS=0 runs them in this process.
TEST_WORKERS ?= auto

## test: install and run the whole test suite (HUB_TEST_DATABASE_URL selects PostgreSQL)
# Bytecode is written even where the environment says not to: without it every worker and every
# hub process a test starts compiles the hub and rewrites the tests' asserts again (collection
# took 8.8 s instead of 4.4 s here; the suite 5:55 instead of 5:31).
test: install tests/browser/node_modules/.installed
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check hub content_store search_index tests migrations benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
