# OpenCustoms — what the README tells a newcomer: make run, make test (also lint, bench).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
WORKERS ?= 1

.PHONY: run test lint bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: set up the SQLite database and demo jurisdiction under ./var and serve the API; the
## first run also seeds a year of simulated history, trains the risk model, creates profiles
run: install
	@test -f "$${OPENCUSTOMS_DATA_DIR:-var}/models/CURRENT" || $(BIN)/opencustoms demo seed
	$(BIN)/opencustoms serve --port $(PORT) --workers $(WORKERS)

## test: static checks (ruff, mypy strict, import-linter layers), then the whole test suite
test: lint
	$(BIN)/pytest -q

lint: install-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

## bench: measure lodgement throughput against a baseline in the same run
bench: install-dev
	$(BIN)/python bench/lodge.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
