"""Reference recordings decoded for an engine that clones voices, and checked as it reads them.

A recording arrives as the bytes a listener uploaded: libsndfile reads WAV, FLAC and OGG, and
ffmpeg (when installed) the formats phones record (AAC/M4A). The samples are mixed to mono,
cut to the longest reference the engine uses, and refused when too short or silent, in the
listener's words (the API checks the same from the headers, in `shared/recordings.py`).
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import soundfile as sf

from shared.errors import VoiceProfileInvalidError
from worker.engines.base import Samples

logger = logging.getLogger(__name__)

FFMPEG_RATE = 24_000
_SILENT_DBFS = -50.0
_FFMPEG_TIMEOUT_S = 60


@dataclass(frozen=True)
class VoiceLimits:
    """What an engine accepts of a voice: payload sizes and the reference recording's length."""

    max_profile_bytes: int
    max_reference_bytes: int
    min_reference_seconds: float
    max_reference_seconds: float


def decode_reference_audio(data: bytes, limits: VoiceLimits) -> tuple[Samples, int]:
    """Mono float32 samples of a reference recording, cut to `max_reference_seconds`."""
    samples, rate = _decode(data)
    if samples.size == 0 or not np.all(np.isfinite(samples)):
        raise VoiceProfileInvalidError(details="the reference recording has no usable samples")
    seconds = samples.size / rate
    if seconds <= limits.min_reference_seconds:
        raise VoiceProfileInvalidError(
            "The voice recording is too short. Please record at least "
            f"{limits.min_reference_seconds:g} seconds of speech.",
            details=f"reference recording is {seconds:.1f} s",
        )
    samples = samples[: int(limits.max_reference_seconds * rate)]
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    if 20 * np.log10(max(rms, 1e-10)) < _SILENT_DBFS:
        raise VoiceProfileInvalidError(
            "The voice recording is silent. Please record it again.",
            details="reference recording is below -50 dBFS",
        )
    return samples, rate


def _decode(data: bytes) -> tuple[Samples, int]:
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
        return samples.mean(axis=1).astype(np.float32), int(rate)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        pass
    decoded = _decode_with_ffmpeg(data)
    if decoded is None:
        raise VoiceProfileInvalidError(
            "The voice recording could not be read. Please upload WAV, FLAC, OGG or MP3 audio.",
            details="reference audio is in a format this worker cannot decode",
        )
    return decoded


def ffmpeg_binary() -> str | None:
    return shutil.which("ffmpeg")


def _decode_with_ffmpeg(data: bytes) -> tuple[Samples, int] | None:
    """Formats libsndfile lacks (AAC/M4A from phones) go through ffmpeg when it is installed."""
    binary = ffmpeg_binary()
    if binary is None:
        return None
    command = [binary, "-v", "error", "-i", "pipe:0", "-f", "f32le", "-ac", "1"]
    command += ["-ar", str(FFMPEG_RATE), "pipe:1"]
    try:
        done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            command, input=data, capture_output=True, timeout=_FFMPEG_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        logger.warning("ffmpeg could not decode a reference recording")
        return None
    if done.returncode != 0 or not done.stdout:
        return None
    return np.frombuffer(done.stdout, dtype="<f4").astype(np.float32), FFMPEG_RATE
