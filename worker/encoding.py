"""Incremental encoding to MP3, Opus/OGG or WAV with libsndfile (shipped in the soundfile
wheel, so no ffmpeg binary is needed). Blocks are encoded as they arrive."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile as sf
import soxr

from shared.errors import AudioProcessingError
from worker.engines.base import Samples

OPUS_RATES = (8_000, 12_000, 16_000, 24_000, 48_000)
# MPEG-2 layer III (16-24 kHz) tops out at 160 kbit/s, MPEG-1 (32-48 kHz) at 320.
_MP3_MAX_KBPS = {16_000: 160, 22_050: 160, 24_000: 160, 32_000: 320, 44_100: 320, 48_000: 320}


@dataclass(frozen=True)
class FormatSpec:
    name: str
    content_type: str
    extension: str
    container: str
    subtype: str


FORMATS: dict[str, FormatSpec] = {
    "mp3": FormatSpec("mp3", "audio/mpeg", ".mp3", "MP3", "MPEG_LAYER_III"),
    "opus": FormatSpec("opus", "audio/ogg", ".ogg", "OGG", "OPUS"),
    "wav": FormatSpec("wav", "audio/wav", ".wav", "WAV", "PCM_16"),
}


def output_rate(fmt: str, input_rate: int) -> int:
    """Opus only takes a few rates; other formats keep the engine's."""
    if fmt != "opus" or input_rate in OPUS_RATES:
        return input_rate
    return next((r for r in OPUS_RATES if r >= input_rate), OPUS_RATES[-1])


def mp3_compression_level(sample_rate: int, kbps: int) -> float:
    """libsndfile picks the constant bitrate from a 0..1 compression level."""
    top = _MP3_MAX_KBPS.get(sample_rate, 160)
    return min(1.0, max(0.0, (top - kbps) / (top - 8)))


class StreamEncoder:
    """Writes mono float32 blocks to `path` as they arrive; use as a context manager."""

    def __init__(self, path: Path, fmt: str, sample_rate: int, mp3_kbps: int = 112) -> None:
        if fmt not in FORMATS:
            raise AudioProcessingError(details=f"unknown output format {fmt!r}")
        self.spec = FORMATS[fmt]
        self.input_rate = sample_rate
        self.sample_rate = output_rate(fmt, sample_rate)
        self.samples_in = 0
        self._resampler = (
            soxr.ResampleStream(sample_rate, self.sample_rate, 1, dtype="float32")
            if self.sample_rate != sample_rate
            else None
        )
        extra: dict[str, object] = {}
        if fmt == "mp3":
            extra = {
                "bitrate_mode": "CONSTANT",
                "compression_level": mp3_compression_level(self.sample_rate, mp3_kbps),
            }
        try:
            self._file = sf.SoundFile(
                path,
                "w",
                samplerate=self.sample_rate,
                channels=1,
                format=self.spec.container,
                subtype=self.spec.subtype,
                **extra,
            )
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioProcessingError(details=f"cannot open {fmt} encoder: {exc}") from exc

    @property
    def duration_s(self) -> float:
        return self.samples_in / self.input_rate

    def write(self, block: Samples) -> None:
        if len(block) == 0:
            return
        self.samples_in += len(block)
        if self._resampler is not None:
            block = self._resampler.resample_chunk(block)
        self._write(block)

    def close(self) -> None:
        if self._resampler is not None:
            self._write(self._resampler.resample_chunk(np.zeros(0, np.float32), last=True))
        self._file.close()

    def _write(self, block: Samples) -> None:
        try:
            self._file.write(np.clip(block, -1.0, 1.0))
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioProcessingError(details=f"{self.spec.name} encoding failed: {exc}") from exc

    def __enter__(self) -> StreamEncoder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
