"""Assembly: per-chunk clean-up and an O(total samples) streaming join.

Each chunk has its DC offset removed, its silent ends trimmed, its loudness set to one target
and its peaks limited. Chunks are then joined with equal-power fades and pauses:

* a pause of `p` samples after chunk A: A's last `x` samples fade out (cos), exactly `p`
  samples of silence follow, and B's first `x` samples fade in (sin); the output grows by
  len(A) + p + len(B);
* no pause: A's tail and B's head overlap by `x` samples in an equal-power crossfade.

Only the current chunk and `x` held samples live in memory; finished blocks go straight to
the encoder.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d

from worker.config import SynthesisSettings
from worker.engines.base import Samples
from worker.synthesis.quality import frame_rms

LOUDNESS_BLOCK_S = 0.4
LIMITER_WINDOW_S = 0.005


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
    gain = uniform_filter1d(minimum_filter1d(needed, 2 * window + 1, mode="nearest"), window)
    return np.clip(samples * gain, -ceiling, ceiling).astype(np.float32)


def equal_power_curves(length: int) -> tuple[Samples, Samples]:
    """(fade_in, fade_out) with fade_in² + fade_out² = 1 at every sample."""
    t = (np.arange(length, dtype=np.float64) + 0.5) / length * (np.pi / 2)
    return np.sin(t).astype(np.float32), np.cos(t).astype(np.float32)


class Assembler:
    """Streaming join of cleaned chunks; `add` and `finish` yield blocks ready to encode."""

    def __init__(
        self,
        sample_rate: int,
        *,
        target_lufs: float,
        peak_ceiling_dbfs: float,
        crossfade_ms: int,
        silence_threshold_dbfs: float,
    ) -> None:
        self.sample_rate = sample_rate
        self.target_lufs = target_lufs
        self.ceiling = 10 ** (peak_ceiling_dbfs / 20)
        self.silence_threshold_dbfs = silence_threshold_dbfs
        self.fade = max(1, sample_rate * crossfade_ms // 1000)
        self.fade_in, self.fade_out = equal_power_curves(self.fade)
        self._held: Samples | None = None
        self._pause = 0

    @classmethod
    def from_settings(cls, sample_rate: int, settings: SynthesisSettings) -> Assembler:
        return cls(
            sample_rate,
            target_lufs=settings.target_lufs,
            peak_ceiling_dbfs=settings.peak_ceiling_dbfs,
            crossfade_ms=settings.crossfade_ms,
            silence_threshold_dbfs=settings.silence_threshold_dbfs,
        )

    def clean(self, samples: Samples) -> Samples:
        """DC removal, silence trim, loudness to target, peak limit; at least 2 fades long."""
        samples = remove_dc(samples)
        samples = trim_silence(samples, self.sample_rate, self.silence_threshold_dbfs, self.fade)
        samples = normalize_loudness(samples, self.sample_rate, self.target_lufs)
        samples = limit_peaks(samples, self.sample_rate, self.ceiling)
        if len(samples) < 2 * self.fade:
            samples = np.pad(samples, (0, 2 * self.fade - len(samples)))
        return samples

    def add(self, samples: Samples, pause_after_s: float) -> Iterator[Samples]:
        chunk = self.clean(samples)
        head, body, tail = chunk[: self.fade], chunk[self.fade : -self.fade], chunk[-self.fade :]
        if self._held is None:
            yield head * self.fade_in
        elif self._pause:
            yield self._held * self.fade_out
            yield np.zeros(self._pause, dtype=np.float32)
            yield head * self.fade_in
        else:
            yield self._held * self.fade_out + head * self.fade_in
        yield body
        self._held = tail
        self._pause = round(pause_after_s * self.sample_rate)

    def finish(self) -> Iterator[Samples]:
        if self._held is not None:
            yield self._held * self.fade_out
            self._held = None
