"""The quality check against the real Piper voice: a repeated sentence or a dropped half is
caught by the story's own pace, and ordinary narration is not."""

from __future__ import annotations

import numpy as np
import pytest

from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, SynthesisParams
from worker.synthesis.quality import StoryPace, check_chunk
from worker.synthesis.synthesizer import StorySynthesizer

pytestmark = pytest.mark.slow

PACE_SETTERS = (
    "Every morning the clocks in the little shop began to chime, one after another.",
    "Rosa could hear them through her bedroom window while she brushed her teeth.",
    "She liked to count them, and most mornings she reached the very last one.",
    "The baker across the road waved at her and set a warm loaf on the counter.",
)
SENTENCE = (
    "The old clockmaker lifted the brass pendulum, wiped it with his sleeve, and listened "
    "for the tick that had gone missing."
)  # 115 characters, as in the issue


@pytest.fixture(scope="module")
def paced(piper_engine) -> tuple[StoryPace, EngineAudio, SynthesisSettings]:
    settings = SynthesisSettings()
    voice = piper_engine.prepare_voice(None)
    pace = StoryPace(settings.qa_pace_min_chunks)
    for text in PACE_SETTERS:
        report = check_chunk(
            text, piper_engine.synthesize(text, voice, SynthesisParams()), settings
        )
        assert report.passed, report.problems
        pace.add(report)
    return pace, piper_engine.synthesize(SENTENCE, voice, SynthesisParams()), settings


def repeated(audio: EngineAudio, times: int) -> EngineAudio:
    gap = np.zeros(int(audio.sample_rate * 0.3), dtype=audio.samples.dtype)
    return EngineAudio(np.concatenate([audio.samples, gap] * times), audio.sample_rate)


def test_the_sentence_said_once_keeps_the_storys_pace(paced) -> None:
    pace, audio, settings = paced
    report = check_chunk(SENTENCE, audio, settings, pace.expected)
    assert report.passed, report.problems
    assert report.pace_ratio is not None
    assert 0.75 <= report.pace_ratio <= 1.25


@pytest.mark.parametrize("times", [2, 4])
def test_a_sentence_said_again_is_caught(paced, times: int) -> None:
    pace, audio, settings = paced
    twice = check_chunk(SENTENCE, repeated(audio, times), settings)
    assert twice.passed  # the fixed bounds alone let it through
    report = check_chunk(SENTENCE, repeated(audio, times), settings, pace.expected)
    assert report.only_off_pace
    assert "repeated?" in report.problems[0]


def test_a_dropped_half_is_caught(paced) -> None:
    pace, audio, settings = paced
    half = EngineAudio(audio.samples[: len(audio.samples) // 2], audio.sample_rate)
    report = check_chunk(SENTENCE, half, settings, pace.expected)
    assert not report.passed
    assert any("words missing?" in problem for problem in report.problems)


def test_the_sample_storys_numbers_cost_no_regeneration(piper_engine, sample_story, tmp_path):
    """Rates are judged on the spoken text: "7:45" is "seven forty-five", not four characters."""
    with_numbers = [p for p in sample_story.split("\n\n") if any(c.isdigit() for c in p)]
    assert len(with_numbers) >= 3
    synthesizer = StorySynthesizer(piper_engine, SynthesisSettings())
    result = synthesizer.synthesize(
        "\n\n".join(with_numbers), tmp_path, voice=piper_engine.prepare_voice(None), fmt="wav"
    )
    assert result.retries == 0
    assert result.chunk_count >= 3
