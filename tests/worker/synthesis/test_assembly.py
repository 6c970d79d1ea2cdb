import numpy as np

from tests.helpers.fakes import RATE, speech_like
from worker.synthesis.assembly import Assembler
from worker.synthesis.signal import equal_power_curves, loudness_lufs

TARGET = -16.0


def make_assembler(crossfade_ms: int = 15) -> Assembler:
    return Assembler(
        RATE,
        target_lufs=TARGET,
        peak_ceiling_dbfs=-1.0,
        crossfade_ms=crossfade_ms,
        silence_threshold_dbfs=-50.0,
    )


def assemble(chunks, pauses) -> tuple[np.ndarray, list[int]]:
    """Join `chunks`; returns the output and each cleaned chunk's length."""
    assembler = make_assembler()
    lengths = [len(assembler.clean(c)) for c in chunks]
    blocks = [b for c, p in zip(chunks, pauses, strict=True) for b in assembler.add(c, p)]
    blocks += list(assembler.finish())
    return np.concatenate(blocks), lengths


def test_pauses_insert_exact_silence_between_chunks() -> None:
    chunks = [speech_like(1.0, seed=1), speech_like(1.5, seed=2), speech_like(0.8, seed=3)]
    out, lengths = assemble(chunks, [0.25, 0.6, 0.0])
    pauses = [int(0.25 * RATE), int(0.6 * RATE)]
    assert len(out) == sum(lengths) + sum(pauses)
    first_gap = out[lengths[0] : lengths[0] + pauses[0]]
    second_start = lengths[0] + pauses[0] + lengths[1]
    second_gap = out[second_start : second_start + pauses[1]]
    assert not first_gap.any()
    assert not second_gap.any()
    assert np.abs(out[lengths[0] - 200 : lengths[0]]).max() < 0.01  # faded out, no click


def test_no_pause_means_an_equal_power_overlap() -> None:
    chunks = [speech_like(1.0, seed=1), speech_like(1.0, seed=2)]
    out, lengths = assemble(chunks, [0.0, 0.0])
    fade = RATE * 15 // 1000
    assert len(out) == sum(lengths) - fade
    fade_in, fade_out = equal_power_curves(fade)
    np.testing.assert_allclose(fade_in**2 + fade_out**2, 1.0, atol=1e-6)


def test_each_chunk_is_normalized_to_the_target_loudness() -> None:
    levels = [0.02, 0.3, 0.9, 0.1]
    chunks = [speech_like(2.0, level=lv, seed=i) for i, lv in enumerate(levels)]
    out, lengths = assemble(chunks, [0.25] * 4)
    start = 0
    for length in lengths:
        segment = out[start : start + length]
        assert abs(loudness_lufs(segment, RATE) - TARGET) <= 1.0
        start += length + int(0.25 * RATE)


def test_no_sample_reaches_full_scale_even_after_gain() -> None:
    loud = speech_like(1.0, level=0.9)
    loud[RATE // 2] = 4.0  # a spike far above full scale
    quiet = speech_like(1.0, level=0.01)  # needs a big boost
    out, _ = assemble([loud, quiet], [0.25, 0.0])
    assert np.abs(out).max() <= 10 ** (-1 / 20) + 1e-6


def test_all_silent_chunk_becomes_a_short_gap() -> None:
    out, lengths = assemble([speech_like(1.0), np.zeros(RATE, np.float32)], [0.25, 0.0])
    assert lengths[1] == 2 * (RATE * 15 // 1000)
    assert np.isfinite(out).all()
