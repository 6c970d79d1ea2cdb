"""The checkpoint format: 16-bit FLAC, lossless on what the story is assembled from.

Every chunk, generated or reused, is put on the 16-bit grid (`on_pcm16_grid`) before it is
checked and assembled, so that a reused chunk is the very samples a fresh one was: a resumed
story is the same audio as an uninterrupted one. FLAC keeps that grid exactly (about 80 MB per
audio-hour at 22.05 kHz, half of WAV; docs/checkpoints.md has the measurements), and its STREAMINFO
carries the sample count and an MD5 of the samples, which `decode` checks: a truncated or
corrupted object is refused, never assembled.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import soundfile as sf

from worker.engines.base import Samples

PCM16_SCALE = 32767.0
CONTENT_TYPE = "audio/flac"
Pcm16 = npt.NDArray[np.int16]
_MD5_AT = slice(26, 42)  # "fLaC", the block header, then STREAMINFO's MD5 at byte 18
_ENGINE_SECONDS = re.compile(r"^engine_s=(\d+(?:\.\d+)?)$")


class CorruptCheckpointError(ValueError):
    """The object is not a whole, intact checkpoint of the expected kind."""


@dataclass(frozen=True)
class Checkpoint:
    samples: Samples
    engine_s: float
    """What generating the chunk cost (all its attempts): the GPU time reusing it saves."""


def to_pcm16(samples: Samples) -> Pcm16:
    return (np.clip(samples, -1.0, 1.0) * PCM16_SCALE).round().astype("<i2")


def from_pcm16(pcm: Pcm16) -> Samples:
    return (pcm.astype(np.float32) / np.float32(PCM16_SCALE)).astype(np.float32)


def on_pcm16_grid(samples: Samples) -> Samples:
    """`samples` as a checkpoint will give them back; non-finite ones are left as they are,
    for the chunk checks to refuse."""
    if not np.all(np.isfinite(samples)):
        return samples
    return from_pcm16(to_pcm16(samples))


def encode(samples: Samples, sample_rate: int, engine_s: float) -> bytes:
    buffer = io.BytesIO()
    with sf.SoundFile(buffer, "w", sample_rate, 1, "PCM_16", format="FLAC") as flac:
        flac.comment = f"engine_s={engine_s:.3f}"
        flac.write(to_pcm16(samples))
    return buffer.getvalue()


def decode(data: bytes, sample_rate: int) -> Checkpoint:
    """The checkpoint in `data`; `CorruptCheckpointError` unless it is whole and intact."""
    try:
        with sf.SoundFile(io.BytesIO(data)) as flac:
            shape = (flac.format, flac.subtype, flac.channels, flac.samplerate)
            if shape != ("FLAC", "PCM_16", 1, sample_rate):
                raise CorruptCheckpointError(f"not a mono 16-bit {sample_rate} Hz FLAC: {shape}")
            expected, comment = flac.frames, flac.comment
            pcm = flac.read(dtype="int16")
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise CorruptCheckpointError(f"undecodable: {exc}") from None
    if len(pcm) != expected or expected == 0:
        raise CorruptCheckpointError(f"{len(pcm)} of {expected} samples")
    if hashlib.md5(pcm.astype("<i2").tobytes()).digest() != data[_MD5_AT]:  # noqa: S324
        raise CorruptCheckpointError("the samples do not match their MD5")
    cost = _ENGINE_SECONDS.match(comment or "")
    return Checkpoint(from_pcm16(pcm), float(cost.group(1)) if cost else 0.0)
