from contextlib import closing

import numpy as np
import pytest
import soundfile as sf

from shared.errors import AudioProcessingError
from shared.types import AUDIO_FORMATS
from tests.helpers.fakes import speech_like
from worker.config import SynthesisSettings
from worker.synthesis.encoding import FORMATS, StreamEncoder, output_rate


def encoder_for(path, fmt: str, rate: int, **settings: int) -> StreamEncoder:
    return StreamEncoder.from_settings(path, fmt, rate, SynthesisSettings(**settings))


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("rate", [22_050, 24_000])
def test_incremental_encoding_decodes_to_the_same_duration(tmp_path, fmt: str, rate: int) -> None:
    blocks = [speech_like(s, rate, seed=i) for i, s in enumerate([0.7, 1.3, 0.01, 2.2])]
    path = tmp_path / f"story{FORMATS[fmt].extension}"
    with closing(encoder_for(path, fmt, rate)) as encoder:
        for block in blocks:
            encoder.write(block)
    expected = sum(len(b) for b in blocks) / rate
    decoded, decoded_rate = sf.read(path, dtype="float32")
    assert decoded_rate == output_rate(fmt, rate)
    assert abs(len(decoded) / decoded_rate - expected) <= 0.05
    assert abs(encoder.duration_s - expected) < 1e-9
    assert np.sqrt(np.mean(decoded**2)) > 0.01  # real audio, not silence


@pytest.mark.parametrize("rate", [22_050, 24_000])
@pytest.mark.parametrize("kbps", [96, 112, 128])
def test_mp3_is_mono_constant_bitrate_in_range(tmp_path, rate: int, kbps: int) -> None:
    path = tmp_path / "a.mp3"
    with closing(encoder_for(path, "mp3", rate, mp3_bitrate_kbps=kbps)) as encoder:
        encoder.write(speech_like(10.0, rate))
    info = sf.info(path)
    assert info.channels == 1
    measured = path.stat().st_size * 8 / info.duration / 1000
    assert 96 * 0.95 <= measured <= 128 * 1.05
    assert abs(measured - kbps) <= 10


def test_opus_gets_a_rate_opus_supports() -> None:
    assert output_rate("opus", 22_050) == 24_000
    assert output_rate("opus", 24_000) == 24_000
    assert output_rate("mp3", 22_050) == 22_050


def test_unknown_format_is_a_typed_error(tmp_path) -> None:
    with pytest.raises(AudioProcessingError):
        encoder_for(tmp_path / "x.flac", "flac", 24_000)


@pytest.mark.parametrize("rate", [16_000, 22_050, 24_000, 44_100, 48_000])
def test_mp3_decodes_sample_exact_and_aligned(tmp_path, rate: int) -> None:
    signal = speech_like(1.7, rate, level=0.5)
    path = tmp_path / "gapless.mp3"
    with closing(encoder_for(path, "mp3", rate)) as encoder:
        for start in range(0, len(signal), 777):  # odd block sizes split MP3 frames
            encoder.write(signal[start : start + 777])
    decoded, decoded_rate = sf.read(path, dtype="float32")
    assert decoded_rate == rate
    assert len(decoded) == len(signal)
    onset = int(np.argmax(np.abs(signal) > 0.05))
    assert abs(int(np.argmax(np.abs(decoded) > 0.05)) - onset) <= 2
    mpeg_version = b"\xff\xf3" if rate < 32_000 else b"\xff\xfb"  # MPEG-2 or MPEG-1, layer III
    assert path.read_bytes()[:2] == mpeg_version


def test_closing_an_encoder_that_got_no_audio_is_clean(tmp_path) -> None:
    encoder_for(tmp_path / "empty.mp3", "mp3", 24_000).close()


def test_every_format_the_contract_names_has_an_encoder() -> None:
    assert set(FORMATS) == set(AUDIO_FORMATS)
