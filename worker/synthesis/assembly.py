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

import numpy as np

from worker.config import SynthesisSettings
from worker.engines.base import Samples
from worker.synthesis.signal import (
    equal_power_curves,
    limit_peaks,
    normalize_loudness,
    remove_dc,
    trim_silence,
)
from worker.synthesis.timings import Landing, envelope


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
        end_pause_ms: int = 0,
    ) -> None:
        """`end_pause_ms`: the silence that ends the story, after the last fade-out."""
        self.sample_rate = sample_rate
        self.end_pause = sample_rate * end_pause_ms // 1000
        self.target_lufs = target_lufs
        self.ceiling = 10 ** (peak_ceiling_dbfs / 20)
        self.silence_threshold_dbfs = silence_threshold_dbfs
        self.fade = max(1, sample_rate * crossfade_ms // 1000)
        self.fade_in, self.fade_out = equal_power_curves(self.fade)
        self._held: Samples | None = None
        self._pause = 0
        self._written = 0
        """Samples of the story before the held tail: where the next chunk lands but for the
        pause and the tail before it."""
        self.landings: list[Landing] = []
        """Where each chunk added lands in the story, for the read-along track (`timings`)."""

    @classmethod
    def from_settings(cls, sample_rate: int, settings: SynthesisSettings) -> Assembler:
        return cls(
            sample_rate,
            target_lufs=settings.target_lufs,
            peak_ceiling_dbfs=settings.peak_ceiling_dbfs,
            crossfade_ms=settings.crossfade_ms,
            silence_threshold_dbfs=settings.silence_threshold_dbfs,
            end_pause_ms=settings.pause_ms,
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
        start = self._written
        if self._held is not None and self._pause:  # else the head overlaps the held tail
            start += len(self._held) + self._pause
        self.landings.append(Landing(start, len(chunk), envelope(chunk, self.sample_rate)))
        self._written = start + len(chunk) - len(tail)
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
            if self.end_pause:  # a story ends as a sentence does, not cut at its last fade
                yield np.zeros(self.end_pause, dtype=np.float32)
