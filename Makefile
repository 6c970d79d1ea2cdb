# Two entry points: `make demo` and `make test`. Both build .venv from the pinned requirements;
# `make test` also builds .venv-chatterbox, the worker's GPU requirements, for the real-Chatterbox tier.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CHATTERBOX_VENV := .venv-chatterbox
CHATTERBOX_REQS := requirements-worker.txt requirements-worker-core.txt requirements-test.txt
RUNTIME_REQS := requirements-worker-core.txt requirements-api.txt
DEV_REQS := requirements-dev.txt $(RUNTIME_REQS)
CHATTERBOX_WHEEL := .cache/wheels/chatterbox_tts-0.1.7-py3-none-any.whl
PLAYER_JS := player/dist/player.js
EMULATOR_TOOLS := emulators/node_modules/.installed
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo dev test test-fast test-chatterbox lint bench bench-engine player emulators clean

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

# Rebuilt from nothing whenever a pin changes: torch, CUDA wheels and chatterbox-tts as the image has them.
$(CHATTERBOX_VENV)/.installed: $(CHATTERBOX_REQS)
	rm -rf $(CHATTERBOX_VENV)
	$(PYTHON) -m venv $(CHATTERBOX_VENV)
	$(CHATTERBOX_VENV)/bin/python -m pip install -q --upgrade pip
	$(CHATTERBOX_VENV)/bin/python -m pip install -q -r requirements-worker.txt -r requirements-test.txt
	touch $@

# The reference app (index.html) and player (player.html), bundled from npm's hls.js and Firebase
# (no CDN at run time).
player: $(PLAYER_JS)
$(PLAYER_JS): player/package.json player/package-lock.json $(wildcard player/src/*.js)
	cd player && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build
	test -f $@
	test -f player/dist/app.js

# firebase-tools (the Auth emulator) and @firebase/rules-unit-testing (tests/rules), from npm.
emulators: $(EMULATOR_TOOLS)
$(EMULATOR_TOOLS): emulators/package.json emulators/package-lock.json
	cd emulators && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests; Playwright never downloads a browser.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium
	test -x $@

demo: $(VENV)/.runtime $(PLAYER_JS) $(EMULATOR_TOOLS)
	$(BIN)/python -m tools.demo $(ARGS)

# The whole local stack until Ctrl-C: the Firestore and Auth emulators, the API, the worker behind
# RunPod's API, the bucket and the app; out/dev.env says where each one is.
dev: $(VENV)/.runtime $(PLAYER_JS) $(EMULATOR_TOOLS)
	$(BIN)/python -m tools.dev $(ARGS)

test: test-fast test-chatterbox

# The inner loop: lint, type-check and every test but the real-Chatterbox tier.
test-fast: $(VENV)/.dev $(PLAYER_JS) $(EMULATOR_TOOLS) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir out/site  # not -q: it hides the warnings --strict counts
	$(BIN)/python -m pytest

# chatterbox-tts's own code with random weights on the CPU (tests/chatterbox_release).
test-chatterbox: $(CHATTERBOX_VENV)/.installed
	$(CHATTERBOX_VENV)/bin/python -m pytest tests/chatterbox_release

lint: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(VENV)/.dev
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.callbacks
	$(BIN)/python -m bench.faults
	$(BIN)/python -m bench.checkpoints
	$(BIN)/python -m bench.streaming
	$(BIN)/python -m bench.narration
	$(BIN)/python -m bench.speech
	$(BIN)/python -m bench.timings

# Chatterbox's per-token costs and real-time factor without weights; meant for a GPU machine.
bench-engine: $(CHATTERBOX_VENV)/.installed
	$(CHATTERBOX_VENV)/bin/python -m bench.engine $(ARGS)

clean:
	rm -rf $(VENV) $(CHATTERBOX_VENV) .pytest_cache .ruff_cache .cache out player/node_modules player/dist \
		emulators/node_modules
