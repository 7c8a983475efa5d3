# Two commands on a fresh machine: `make run` and `make test`.
# Everything is installed into a local virtual environment, .venv.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: test run docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever the project's metadata changes.
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

$(VENV)/.bench-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	touch $@

test: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict framework contrib tests/type_check
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q
	$(BIN)/python -m sphinx -q -W --keep-going -b html docs docs/_build/html

run: $(VENV)/.dev-installed
	$(BIN)/python -m examples.blog --host $(HOST) --port $(PORT)

docs: $(VENV)/.dev-installed
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

bench: $(VENV)/.bench-installed
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) docs/_build .mypy_cache .pytest_cache .ruff_cache
