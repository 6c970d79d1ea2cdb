"""Voice sources: where a job's voice comes from, read and checked before any synthesis.

A job names its voice in one of four ways (`VoiceSource`): an inline profile, reference audio
(inline or a storage key), a stored profile (`voice_id` and `user_id`, at
`voices/{user_id}/{voice_id}.pt`), or nothing (the model's built-in voice). The bytes are read
through the engine's `VoiceStore` and size-checked, reference recordings are decoded (through
ffmpeg when libsndfile cannot), and the engine, as a `VoiceBackend`, turns them into its own
conditionals, kept in an LRU keyed by content hash. A missing or damaged voice fails the job at
once with `voice_profile_missing` or `voice_profile_invalid`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import logging
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import soundfile as sf
from pydantic import TypeAdapter, ValidationError

from shared.errors import (
    InvalidInputError,
    VoiceProfileInvalidError,
    VoiceProfileMissingError,
)
from shared.job_input import field_label
from shared.types import SafeId
from worker.engines.base import Voice, VoiceSource, VoiceStore

logger = logging.getLogger(__name__)

PROFILE_KEY = "voices/{user_id}/{voice_id}.pt"
SUBMISSION_PROFILE_KEY = "voices/{user_id}/{voice_id}/{submission}.pt"
"""Where the voice-profile job stores a numbered submission's profile: its own key, so a
superseded job that finishes late cannot overwrite the profile a newer submission stored."""
DEFAULT_VOICE = "default"
BUILTIN_IDENTITY = "builtin"
"""The identity of the voice baked into the weights (the engine's fingerprint tells them apart)."""
_SAFE_ID: TypeAdapter[str] = TypeAdapter(SafeId)
_SILENT_DBFS = -50.0
_FFMPEG_TIMEOUT_S = 60

PayloadKind = Literal["profile", "audio"]


@dataclass(frozen=True)
class VoiceLimits:
    max_profile_bytes: int
    max_reference_bytes: int
    min_reference_seconds: float
    max_reference_seconds: float


@dataclass(frozen=True)
class VoicePayload:
    kind: PayloadKind
    data: bytes
    name: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.kind.encode() + b"\0" + self.data).hexdigest()


class VoiceBackend(Protocol):
    """What an engine provides to turn payloads into conditionals."""

    def load_profile(self, data: bytes) -> Any: ...

    def conditionals_from_reference(self, data: bytes) -> Any: ...

    def builtin_conditionals(self) -> Any | None: ...


def profile_key(user_id: str, voice_id: str, submission: int | None = None) -> str:
    """The profile's key: `SUBMISSION_PROFILE_KEY` for a numbered submission, else `PROFILE_KEY`
    (where a job naming only `voice_id` and `user_id` looks for it)."""
    user_id, voice_id = check_id(user_id, "user_id"), check_id(voice_id, "voice_id")
    if submission is None:
        return PROFILE_KEY.format(user_id=user_id, voice_id=voice_id)
    return SUBMISSION_PROFILE_KEY.format(user_id=user_id, voice_id=voice_id, submission=submission)


def check_id(value: str, field: str) -> str:
    try:
        return _SAFE_ID.validate_python(value)
    except ValidationError:
        raise InvalidInputError(
            f"The {field_label(field)} is not valid. Please choose the voice again, and contact "
            "support if it happens again.",
            details=f"{field} must be 1-128 letters, digits, '_' or '-'",
        ) from None


def decode_base64(value: str, what: str) -> bytes:
    """Decode a base64 field of a job; a data: URL prefix is accepted."""
    _, _, payload = value.rpartition(",") if value.startswith("data:") else ("", "", value)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise VoiceProfileInvalidError(details=f"the {what} is not valid base64") from exc


def fetch_payload(
    source: VoiceSource, store: VoiceStore | None, limits: VoiceLimits
) -> VoicePayload | None:
    """The bytes a source names, or None for the built-in voice."""
    if source.profile_bytes is not None:
        return _checked(VoicePayload("profile", source.profile_bytes, "inline-profile"), limits)
    if source.reference_audio is not None:
        return _checked(VoicePayload("audio", source.reference_audio, "reference-audio"), limits)
    if source.storage_key:  # a profile (`.pt`, as the voice-profile job stores them) or a recording
        if source.storage_key.endswith(".pt"):
            data = _get(store, source.storage_key, "voice profile")
            return _checked(VoicePayload("profile", data, "stored-profile"), limits)
        data = _get(store, source.storage_key, "reference recording")
        return _checked(VoicePayload("audio", data, "reference-audio"), limits)
    if source.voice_id and source.voice_id != DEFAULT_VOICE:
        if not source.user_id:
            raise VoiceProfileMissingError(
                details="a stored voice needs both voice_id and user_id",
                context={"voice_id": source.voice_id},
            )
        key = profile_key(source.user_id, source.voice_id)
        data = _get(store, key, "voice profile")
        return _checked(VoicePayload("profile", data, source.voice_id), limits)
    return None


def _get(store: VoiceStore | None, key: str, what: str) -> bytes:
    if store is None:
        raise VoiceProfileMissingError(details=f"no object store is configured to read the {what}")
    data = store.get_bytes(key)
    if data is None:
        raise VoiceProfileMissingError(details=f"no {what} at {key}", context={"voice_key": key})
    return data


def _checked(payload: VoicePayload, limits: VoiceLimits) -> VoicePayload:
    limit = limits.max_profile_bytes if payload.kind == "profile" else limits.max_reference_bytes
    if not payload.data:
        raise VoiceProfileInvalidError(details=f"the {payload.kind} payload is empty")
    if len(payload.data) > limit:
        raise VoiceProfileInvalidError(
            details=f"the {payload.kind} payload is {len(payload.data)} bytes (limit {limit})"
        )
    return payload


class ConditionalsCache:
    """A thread-safe LRU of loaded conditionals keyed by payload digest."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_load(self, key: str, load: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = load()  # outside the lock: loading may take a while
        with self._lock:
            self.misses += 1
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)


def resolve_voice(
    source: VoiceSource | None,
    *,
    backend: VoiceBackend,
    store: VoiceStore | None,
    cache: ConditionalsCache,
    limits: VoiceLimits,
) -> Voice:
    """Turn a job's voice source into a ready voice, or raise before any synthesis."""
    payload = fetch_payload(source, store, limits) if source else None
    if payload is None:
        builtin = backend.builtin_conditionals()
        if builtin is None:
            raise VoiceProfileMissingError(details="the model has no built-in voice (conds.pt)")
        return Voice(name=DEFAULT_VOICE, data=builtin, identity=BUILTIN_IDENTITY)

    def load() -> Any:
        if payload.kind == "profile":
            return backend.load_profile(payload.data)
        return backend.conditionals_from_reference(payload.data)

    conditionals = cache.get_or_load(payload.digest, load)
    logger.info(
        "voice ready",
        extra={
            "voice_kind": payload.kind,
            "voice_cache_hits": cache.hits,
            "voice_cache_misses": cache.misses,
            "voice_cache_size": len(cache),
        },
    )
    return Voice(name=payload.name, data=conditionals, identity=payload.digest)


def decode_reference_audio(data: bytes, limits: VoiceLimits) -> tuple[np.ndarray, int]:
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


def _decode(data: bytes) -> tuple[np.ndarray, int]:
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


FFMPEG_RATE = 24_000


def ffmpeg_binary() -> str | None:
    return shutil.which("ffmpeg")


def _decode_with_ffmpeg(data: bytes) -> tuple[np.ndarray, int] | None:
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
