# Two entry points: `make demo` and `make test`. Both build .venv from the pinned requirements.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_REQS := requirements-worker-core.txt requirements-api.txt
DEV_REQS := requirements-dev.txt $(RUNTIME_REQS)
CHATTERBOX_WHEEL := .cache/wheels/chatterbox_tts-0.1.7-py3-none-any.whl

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python $(RUNTIME_REQS)
	$(BIN)/python -m pip install -q $(addprefix -r ,$(RUNTIME_REQS))
	touch $@

$(VENV)/.dev: $(BIN)/python $(DEV_REQS) $(CHATTERBOX_WHEEL)
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# The real chatterbox-tts release, downloaded (never installed) so tests can read its source.
$(CHATTERBOX_WHEEL): requirements-worker.txt | $(BIN)/python
	$(BIN)/python -m pip download -q --no-deps --dest $(dir $@) \
		"chatterbox-tts==$$(sed -n 's/^chatterbox-tts==//p' requirements-worker.txt)"
	test -f $@

demo: $(VENV)/.runtime
	$(BIN)/python -m tools.demo

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
	$(BIN)/python -m bench.faults

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .cache out
