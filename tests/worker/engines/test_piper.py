"""The real Piper engine, end to end through the pipeline."""

import numpy as np
import pytest
import soundfile as sf

from shared.errors import ErrorType, VoiceProfileMissingError, VoiceUnsupportedError
from worker.config import SynthesisSettings
from worker.engines import VoiceSource
from worker.engines.base import SynthesisParams
from worker.synthesis.synthesizer import StorySynthesizer
from worker.synthesis.text import normalize_text

pytestmark = pytest.mark.slow


def paragraph_of(story: str, chars: int) -> str:
    paragraphs = normalize_text(story).split("\n\n")
    picked: list[str] = []
    while sum(len(p) + 2 for p in picked) < chars:
        picked.append(paragraphs[len(picked)])
    return "\n\n".join(picked)


def test_piper_narrates_a_paragraph_with_plausible_duration(piper_engine, sample_story, tmp_path):
    text = paragraph_of(sample_story, 1500)
    assert 1400 <= len(text) <= 2200
    synthesizer = StorySynthesizer(piper_engine, SynthesisSettings())
    voice = piper_engine.prepare_voice(None)
    result = synthesizer.synthesize(text, tmp_path, voice=voice, fmt="mp3")

    decoded, rate = sf.read(result.path, dtype="float32")
    seconds = len(decoded) / rate
    assert abs(seconds - result.duration_seconds) <= 0.05
    # Narration runs at roughly 10-20 characters a second, pauses included.
    assert len(text) / 22 <= seconds <= len(text) / 8
    assert np.abs(decoded).max() <= 1.0
    assert result.engine == "piper"
    assert result.sample_rate == 22_050
    assert result.chunk_count >= 6


def test_piper_gives_mono_float32_on_every_retry_setting(piper_engine):
    voice = piper_engine.prepare_voice(None)
    first = piper_engine.synthesize("Hello there.", voice, SynthesisParams(attempt=0))
    calm = piper_engine.synthesize("Hello there.", voice, SynthesisParams(attempt=2))
    assert first.sample_rate == calm.sample_rate == 22_050
    assert first.samples.dtype == np.float32
    assert first.samples.ndim == 1


def test_piper_refuses_voices_it_does_not_have(piper_engine):
    with pytest.raises(VoiceProfileMissingError) as info:
        piper_engine.prepare_voice(VoiceSource(voice_id="someone-else"))
    assert "someone-else" not in info.value.message
    assert "someone-else" in (info.value.details or "")
    assert piper_engine.prepare_voice(VoiceSource(voice_id="joe")).name == "joe"


@pytest.mark.parametrize(
    ("source", "field"),
    [
        (VoiceSource(voice_id="v1", user_id="u1", profile_bytes=b"PK\x03\x04"), "profile_base64"),
        (VoiceSource(user_id="u1", reference_audio=b"RIFF"), "reference_audio_base64"),
        (VoiceSource(user_id="u1", storage_key="voices/u1/v1.pt"), "voice_storage_key"),
    ],
)
def test_piper_refuses_a_recorded_voice_instead_of_narrating_in_its_own(
    piper_engine, source: VoiceSource, field: str
):
    with pytest.raises(VoiceUnsupportedError) as info:
        piper_engine.prepare_voice(source)
    error = info.value
    assert error.error_type is ErrorType.VOICE_UNSUPPORTED
    assert not error.retryable
    assert error.message == VoiceUnsupportedError.default_message
    assert "recorded voice" in error.message
    assert error.context == {"voice_source": field}
