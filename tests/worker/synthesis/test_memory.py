"""A 60-minute story must not need the whole track in memory."""

import tracemalloc

import pytest

from tests.helpers.fakes import RATE, PreparedAudioEngine, speech_like
from worker.config import SynthesisSettings
from worker.engines.base import Voice
from worker.synthesis.synthesizer import StorySynthesizer

pytestmark = pytest.mark.slow


def test_an_hour_of_audio_stays_far_below_300_mb(tmp_path) -> None:
    chunk_audio = [speech_like(10.0, RATE, seed=i) for i in range(4)]
    engine = PreparedAudioEngine(chunk_audio, RATE, speedup=1e9)
    sentence = "This sentence is one chunk of a very long bedtime story, read slowly."
    text = "\n\n".join([sentence] * 364)  # 364 chunks of ~10 s: just over an hour
    synthesizer = StorySynthesizer(engine, SynthesisSettings(output_format="wav"))
    tracemalloc.start()
    try:
        result = synthesizer.synthesize(text, tmp_path, voice=Voice("v"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.duration_seconds > 3600
    # float32 for the whole hour alone would be 345 MB at 24 kHz.
    assert peak < 100e6, f"peak traced memory {peak / 1e6:.0f} MB"
