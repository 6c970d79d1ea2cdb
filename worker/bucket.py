"""The bucket's layout: every key the worker reads or writes, and the cache headers objects carry.

One home for these facts: storage, streaming, checkpoints, voices and delivery build their keys
here, so a prefix that the local backend expires, an operator lists or the API is told of is
spelled once. The bottom floor of the worker: it imports only the standard library, pydantic
(as `shared` does) and `shared`, so every package may import it without climbing.

The prefixes that the job contract checks a job's keys against (a user's voices, their uploads)
are `shared`'s (`shared/job_input.py`, `shared/voice_job_input.py`): the API validates jobs
with them too. The voice keys below are built from them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import TypeAdapter, ValidationError

from shared.errors import InvalidInputError, StorageUploadError
from shared.job_input import USER_VOICES, field_label
from shared.types import SafeId, StorageKey

IMMUTABLE_CACHE = "public, max-age=31536000, immutable"
"""For objects never rewritten under their key (audio files, stream segments)."""
NO_CACHE = "no-cache"
"""For an object rewritten in place (a live playlist and its track): caches must revalidate
every read."""

AUDIO_PREFIX = "audio/"
STREAM_PREFIX = "stream/"
PLAYLIST_NAME = "index.m3u8"
TRACK_NAME = "timings.json"
"""A stream's playlist and live read-along track, under its prefix beside the segments."""
CHECKPOINT_PREFIX = "chunks/"
CHECKPOINT_EXTENSION = ".flac"
PROFILE_EXTENSION = ".pt"
PROFILE_KEY = USER_VOICES + "{voice_id}" + PROFILE_EXTENSION
SUBMISSION_PROFILE_KEY = USER_VOICES + "{voice_id}/{submission}" + PROFILE_EXTENSION
"""Where the voice-profile job stores a numbered submission's profile: its own key, so a
superseded job that finishes late cannot overwrite the profile a newer submission stored."""
DEAD_LETTER_PREFIX = "callbacks/dead-letter/"
REJECTED_PREFIX = "callbacks/rejected/"
"""Dead letters the API refused for good, kept for operators under their dead-letter name."""

_STORAGE_KEY: TypeAdapter[str] = TypeAdapter(StorageKey)
_SAFE_ID: TypeAdapter[str] = TypeAdapter(SafeId)
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def check_key(key: str) -> str:
    """Keys are relative, without empty, `.` or `..` segments, in a conservative character set."""
    try:
        return _STORAGE_KEY.validate_python(key)
    except ValidationError:
        raise StorageUploadError(details="refused an unsafe storage key") from None


def check_id(value: str, field: str) -> str:
    """An id as a key segment: 1-128 letters, digits, `_` or `-` (`invalid_input` otherwise)."""
    try:
        return _SAFE_ID.validate_python(value)
    except ValidationError:
        raise InvalidInputError(
            f"The {field_label(field)} is not valid. Please choose the voice again, and contact "
            "support if it happens again.",
            details=f"{field} must be 1-128 letters, digits, '_' or '-'",
        ) from None


def _segment(value: str) -> str:
    """A job id made safe as a key segment (RunPod's ids are not ours to validate)."""
    return _UNSAFE_CHARS.sub("_", value)


def audio_key(user_id: str, story_id: str, job_id: str, extension: str) -> str:
    """Deterministic: a retried job overwrites its own object instead of adding another."""
    return f"{AUDIO_PREFIX}{user_id}/{story_id}/{_segment(job_id)}{extension}"


def timings_key(user_id: str, story_id: str, job_id: str) -> str:
    """The read-along track, `timings.json`, beside the audio: its key with `.json` instead."""
    return audio_key(user_id, story_id, job_id, ".json")


def vtt_key(user_id: str, story_id: str, job_id: str) -> str:
    """The read-along track as WebVTT captions, beside the audio."""
    return audio_key(user_id, story_id, job_id, ".vtt")


def stream_prefix(user_id: str, story_id: str, job_id: str) -> str:
    """Where one job's live stream lives: each attempt streams under a prefix of its own."""
    return f"{STREAM_PREFIX}{user_id}/{story_id}/{_segment(job_id)}"


def stream_key(prefix: str, name: str) -> str:
    """An object of the stream under `prefix`: a segment, `PLAYLIST_NAME` or `TRACK_NAME`."""
    return f"{prefix.rstrip('/')}/{name}"


def segment_name(index: int) -> str:
    """A segment's name: its key under the stream's prefix and its URI in the playlist, which
    names segments relatively."""
    return f"{index:05d}.mp3"


def checkpoint_prefix(user_id: str, story_id: str) -> str:
    """Where one story's checkpoints live, so that they are listed in one call and deleted
    together (ids are validated job input: no `/` in them)."""
    return f"{CHECKPOINT_PREFIX}{user_id}/{story_id}/"


def checkpoint_key(user_id: str, story_id: str, digest: str) -> str:
    """A chunk's checkpoint under its story, named by its content digest."""
    return f"{checkpoint_prefix(user_id, story_id)}{digest}{CHECKPOINT_EXTENSION}"


def checkpoint_digest(prefix: str, key: str) -> str:
    """The digest that a key listed under a story's `checkpoint_prefix` names."""
    return key[len(prefix) :].rsplit(".", 1)[0]


def profile_key(user_id: str, voice_id: str, submission: int | None = None) -> str:
    """The profile's key: `SUBMISSION_PROFILE_KEY` for a numbered submission, else `PROFILE_KEY`
    (where a job naming only `voice_id` and `user_id` looks for it)."""
    user_id, voice_id = check_id(user_id, "user_id"), check_id(voice_id, "voice_id")
    if submission is None:
        return PROFILE_KEY.format(user_id=user_id, voice_id=voice_id)
    return SUBMISSION_PROFILE_KEY.format(user_id=user_id, voice_id=voice_id, submission=submission)


def is_profile_key(key: str) -> bool:
    """Whether a stored voice is a profile (as the voice-profile job stores them), not a
    reference recording."""
    return key.endswith(PROFILE_EXTENSION)


def sample_key(profile: str, extension: str) -> str:
    """The sample narrated in a new voice, beside its profile: `…/{voice_id}_sample.mp3`."""
    return f"{profile.removesuffix(PROFILE_EXTENSION)}_sample{extension}"


def dead_letter_key(job_id: str, callback_type: str, failed_at: datetime) -> str:
    """Keys sort oldest first: the failure time leads, to the microsecond."""
    stamp = failed_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{DEAD_LETTER_PREFIX}{stamp}-{_segment(job_id)[:128]}-{callback_type}.json"


def rejected_key(dead_letter: str) -> str:
    """Where a dead letter refused for good moves: the same name under `REJECTED_PREFIX`."""
    return REJECTED_PREFIX + dead_letter.removeprefix(DEAD_LETTER_PREFIX)
