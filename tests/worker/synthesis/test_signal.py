import numpy as np
import pytest

from tests.helpers.fakes import RATE, speech_like
from worker.synthesis.signal import limit_peaks, loudness_lufs, remove_dc, trim_silence


def test_limiter_leaves_quiet_audio_untouched_and_tames_peaks() -> None:
    quiet = speech_like(0.5, level=0.2)
    assert limit_peaks(quiet, RATE, 0.9) is quiet
    peaky = quiet.copy()
    peaky[1000] = 3.0
    limited = limit_peaks(peaky, RATE, 0.9)
    assert np.abs(limited).max() <= 0.9
    far_away = slice(5000, 8000)
    np.testing.assert_allclose(limited[far_away], peaky[far_away])


def test_dc_offset_is_removed() -> None:
    shifted = speech_like(1.0) + 0.2
    assert abs(float(np.mean(remove_dc(shifted)))) < 1e-4


def test_silence_is_trimmed_with_a_margin() -> None:
    speech = speech_like(1.0)
    padded = np.concatenate([np.zeros(RATE), speech, np.zeros(2 * RATE)]).astype(np.float32)
    trimmed = trim_silence(padded, RATE, -50.0, margin=360)
    assert len(speech) - 0.2 * RATE < len(trimmed) < len(speech) + 0.05 * RATE


@pytest.mark.parametrize("seconds", [0.05, 0.2])
def test_loudness_of_clips_shorter_than_a_block_is_measured(seconds: float) -> None:
    assert np.isfinite(loudness_lufs(speech_like(seconds)[: int(seconds * RATE)] + 0.1, RATE))
