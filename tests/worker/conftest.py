from pathlib import Path

import pytest

from worker.engines.chatterbox.config import PKUSEG_MODEL, PKUSEG_MODEL_MARKER
from worker.engines.piper import PiperEngine

SAMPLE_STORY = Path(__file__).resolve().parents[2] / "samples" / "story.txt"


@pytest.fixture(autouse=True)
def pkuseg_model(tmp_path_factory, monkeypatch) -> Path:
    """Where the multilingual engine finds spacy-pkuseg's model, as the image bakes it."""
    home = tmp_path_factory.mktemp("pkuseg")
    (home / PKUSEG_MODEL_MARKER).write_bytes(b"")
    (home / PKUSEG_MODEL).mkdir()
    monkeypatch.setenv("PKUSEG_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sample_story() -> str:
    return SAMPLE_STORY.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def piper_engine() -> PiperEngine:
    return PiperEngine()
