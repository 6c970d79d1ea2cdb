# Two entry points: `make demo` and `make test`. Both build .venv from the pinned requirements.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_REQS := requirements-worker-core.txt requirements-api.txt
DEV_REQS := requirements-dev.txt $(RUNTIME_REQS)

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python $(RUNTIME_REQS)
	$(BIN)/python -m pip install -q $(addprefix -r ,$(RUNTIME_REQS))
	touch $@

$(VENV)/.dev: $(BIN)/python $(DEV_REQS)
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

demo: $(VENV)/.runtime
	$(BIN)/python -m worker demo

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.callbacks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache out
