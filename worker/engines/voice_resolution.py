"""A job's voice source turned into a ready voice, for the engines that clone voices.

A job names its voice in one of four ways (`VoiceSource`): an inline profile, reference audio
(inline or a storage key), a stored profile (`voice_id` and `user_id`, at `bucket.profile_key`:
`voices/{user_id}/{voice_id}.pt`), or nothing (the model's built-in voice). The bytes are read
through the engine's `VoiceStore` and size-checked, and the engine, as a `VoiceBackend`, turns
them into its own conditionals, kept in an LRU keyed by content hash. A missing or damaged
voice fails the job at once with `voice_profile_missing` or `voice_profile_invalid`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from shared.errors import VoiceProfileInvalidError, VoiceProfileMissingError
from worker.bucket import is_profile_key, profile_key
from worker.engines.base import Voice, VoiceSource, VoiceStore
from worker.engines.reference_audio import VoiceLimits

logger = logging.getLogger(__name__)

DEFAULT_VOICE = "default"
BUILTIN_IDENTITY = "builtin"
"""The identity of the voice baked into the weights (the engine's fingerprint tells them apart)."""

PayloadKind = Literal["profile", "audio"]


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


def fetch_payload(
    source: VoiceSource, store: VoiceStore | None, limits: VoiceLimits
) -> VoicePayload | None:
    """The bytes a source names, or None for the built-in voice."""
    if source.profile_bytes is not None:
        return _checked(VoicePayload("profile", source.profile_bytes, "inline-profile"), limits)
    if source.reference_audio is not None:
        return _checked(VoicePayload("audio", source.reference_audio, "reference-audio"), limits)
    if source.storage_key:  # a profile (`.pt`, as the voice-profile job stores them) or a recording
        if is_profile_key(source.storage_key):
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
