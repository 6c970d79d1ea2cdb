"""The real-Chatterbox tier: chatterbox-tts 0.1.7's own code, random weights, on the CPU.

Runs in `.venv-chatterbox` (the worker's GPU requirements; `make test` builds it), never in
the fast suite's `.venv`. Model directories come from `tools.random_chatterbox`: built from the
release's classes once per machine and cached under `.cache/`; nothing is downloaded. Each test
class loads one variant through the worker's own path (`load_engine` reading `CHATTERBOX_*`
from the environment, the Hub switched off) and drops it before the next class loads another,
so one model is in memory at a time.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.random_chatterbox import ensure, offline_env, reference_wav
from worker.engines import load_engine
from worker.engines.chatterbox import ChatterboxEngine
from worker.storage import LocalObjectStore

SPEECH_TOKEN_CAP = 8
"""`CHATTERBOX_MAX_SPEECH_TOKENS` in the tier: random weights never stop, so every generation
runs to the cap; 8 tokens keep each call to a few seconds on two cores."""
STOP_AFTER = 3
"""Steps after which `forced_length` ends a generation, well inside the cap (multilingual
stops two tokens later, through its analyzer's repetition guard)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.timeout(900))


@pytest.fixture(scope="session")
def reference() -> bytes:
    """Six seconds of a real voice (Piper): long enough for every variant's voice cloning."""
    return reference_wav(6.0)


@pytest.fixture(scope="class")
def store(tmp_path_factory: pytest.TempPathFactory) -> LocalObjectStore:
    return LocalObjectStore(tmp_path_factory.mktemp("store"), "http://127.0.0.1:9/files")


@pytest.fixture(scope="class")
def engine(request: pytest.FixtureRequest, store: LocalObjectStore) -> Iterator[ChatterboxEngine]:
    variant: str = request.cls.variant
    model_dir = ensure(variant)
    with pytest.MonkeyPatch.context() as env:
        for key, value in engine_env(variant, model_dir).items():
            env.setenv(key, value)
        loaded = load_engine("chatterbox", voice_store=store)
        assert isinstance(loaded, ChatterboxEngine)
        yield loaded
    loaded._model = None  # pytest keeps the fixture's value a while: free the model now
    gc.collect()


def engine_env(variant: str, model_dir: Path) -> dict[str, str]:
    return {
        "CHATTERBOX_VARIANT": variant,
        "CHATTERBOX_MODEL_DIR": str(model_dir),
        "CHATTERBOX_DEVICE": "cpu",
        "CHATTERBOX_WARMUP": "true",
        "CHATTERBOX_MAX_SPEECH_TOKENS": str(SPEECH_TOKEN_CAP),
        **offline_env(model_dir),
    }
