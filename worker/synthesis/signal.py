"""Pure signal helpers on mono float32 samples: levels, loudness, trimming, limiting, fades.

No state and no settings: assembly and the quality checks both build on these.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from worker.engines.base import Samples

LOUDNESS_BLOCK_S = 0.4
LIMITER_WINDOW_S = 0.005


def rms(samples: Samples) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))


def dbfs(value: float) -> float:
    return float(20 * np.log10(max(value, 1e-10)))


def frame_rms(samples: Samples, frame: int) -> npt.NDArray[np.float64]:
    """RMS of each whole `frame`-sample frame (of the whole clip when it is shorter)."""
    usable = len(samples) // frame * frame
    levels: npt.NDArray[np.float64]  # numpy's stubs type a mean over an axis as Any
    if usable == 0:
        levels = np.sqrt(np.mean(np.square(samples, dtype=np.float64), keepdims=True))
    else:
        frames = samples[:usable].reshape(-1, frame).astype(np.float64)
        levels = np.sqrt(np.mean(np.square(frames), axis=1))
    return levels


@lru_cache(maxsize=8)
def _meter(sample_rate: int) -> pyloudnorm.Meter:
    return pyloudnorm.Meter(sample_rate, block_size=LOUDNESS_BLOCK_S)


def loudness_lufs(samples: Samples, sample_rate: int) -> float:
    """Integrated loudness (ITU-R BS.1770-4); clips shorter than one block are tiled."""
    block = int(LOUDNESS_BLOCK_S * sample_rate) + 1
    if len(samples) == 0 or not np.any(samples):
        return float("-inf")
    if len(samples) < block:
        samples = np.tile(samples, block // len(samples) + 1)
    return float(_meter(sample_rate).integrated_loudness(samples.astype(np.float64)))


def remove_dc(samples: Samples) -> Samples:
    return (samples - np.mean(samples, dtype=np.float64)).astype(np.float32)


def trim_silence(samples: Samples, sample_rate: int, threshold_dbfs: float, margin: int) -> Samples:
    """Cut leading and trailing silence, keeping `margin` samples around the speech."""
    frame = max(1, sample_rate // 100)
    loud = np.flatnonzero(frame_rms(samples, frame) >= 10 ** (threshold_dbfs / 20))
    if len(loud) == 0:
        return samples[:0]
    start = max(0, loud[0] * frame - margin)
    end = min(len(samples), (loud[-1] + 1) * frame + margin)
    return samples[start:end]


def normalize_loudness(samples: Samples, sample_rate: int, target_lufs: float) -> Samples:
    measured = loudness_lufs(samples, sample_rate)
    if not np.isfinite(measured):
        return samples
    return (samples * 10 ** ((target_lufs - measured) / 20)).astype(np.float32)


def limit_peaks(samples: Samples, sample_rate: int, ceiling: float) -> Samples:
    """Look-ahead peak limiter: a smooth gain curve that keeps every sample under `ceiling`.

    The needed gain is min-filtered over twice the smoothing window before being averaged,
    so the averaged gain never exceeds what any sample in reach needs.
    """
    peaks = np.abs(samples)
    if len(samples) == 0 or peaks.max() <= ceiling:
        return samples
    window = max(1, int(LIMITER_WINDOW_S * sample_rate))
    needed = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    gain: npt.NDArray[np.float64] = uniform_filter1d(
        minimum_filter1d(needed, 2 * window + 1, mode="nearest"), window
    )
    return np.clip(samples * gain, -ceiling, ceiling).astype(np.float32)


def equal_power_curves(length: int) -> tuple[Samples, Samples]:
    """(fade_in, fade_out) with fade_in² + fade_out² = 1 at every sample."""
    t = (np.arange(length, dtype=np.float64) + 0.5) / length * (np.pi / 2)
    return np.sin(t).astype(np.float32), np.cos(t).astype(np.float32)
