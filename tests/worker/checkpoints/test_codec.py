"""The checkpoint format: lossless on the 16-bit grid, and nothing damaged gets through."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers.fakes import speech_like
from worker.checkpoints.codec import CorruptCheckpointError, decode, encode, on_pcm16_grid

RATE = 24_000


def test_a_chunk_on_the_grid_comes_back_sample_for_sample() -> None:
    samples = on_pcm16_grid(speech_like(2.0, RATE))
    checkpoint = decode(encode(samples, RATE, engine_s=1.25), RATE)
    assert checkpoint.samples.dtype == np.float32
    assert np.array_equal(checkpoint.samples, samples)
    assert checkpoint.engine_s == 1.25


def test_the_grid_is_a_fixed_point_and_close_to_the_original() -> None:
    raw = speech_like(1.0, RATE) * 6  # peaks past full scale are clipped
    once = on_pcm16_grid(raw)
    assert np.array_equal(on_pcm16_grid(once), once)
    inside = np.abs(raw) <= 1
    assert np.max(np.abs(once[inside] - raw[inside])) <= 0.5 / 32767 + 1e-7
    assert np.max(np.abs(once)) == 1.0


def test_non_finite_samples_are_left_for_the_checks_to_refuse() -> None:
    raw = speech_like(0.5, RATE)
    raw[100] = np.nan
    assert np.isnan(on_pcm16_grid(raw)[100])


@pytest.fixture
def whole() -> bytes:
    return encode(on_pcm16_grid(speech_like(3.0, RATE)), RATE, engine_s=0.5)


@pytest.mark.parametrize("keep", [0.9, 0.5, 0.1])
def test_a_truncated_checkpoint_is_refused(whole: bytes, keep: float) -> None:
    with pytest.raises(CorruptCheckpointError):
        decode(whole[: int(len(whole) * keep)], RATE)


@pytest.mark.parametrize("where", [0.3, 0.6, 0.95])
def test_a_corrupted_byte_is_refused(whole: bytes, where: float) -> None:
    damaged = bytearray(whole)
    damaged[int(len(damaged) * where)] ^= 0x5A
    with pytest.raises(CorruptCheckpointError):
        decode(bytes(damaged), RATE)


def test_a_checkpoint_of_another_rate_or_not_flac_at_all_is_refused(whole: bytes) -> None:
    with pytest.raises(CorruptCheckpointError, match="22050"):
        decode(whole, 22_050)
    for junk in (b"", b"fLaC", b"<Error>NoSuchKey</Error>", whole[:40]):
        with pytest.raises(CorruptCheckpointError):
            decode(junk, RATE)
