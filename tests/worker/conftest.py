from pathlib import Path

import pytest

from worker.engines.piper import PiperEngine

SAMPLE_STORY = Path(__file__).resolve().parents[2] / "samples" / "story.txt"


@pytest.fixture(scope="session")
def sample_story() -> str:
    return SAMPLE_STORY.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def piper_engine() -> PiperEngine:
    return PiperEngine()
