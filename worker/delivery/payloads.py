"""What a job reports: its typed outcome, and the callback payloads built from it.

A finished story is one `StoryOutcome`; it becomes both the RunPod job output and the success
callback, so the two can never disagree. Failures and progress are built from the job's
`CallbackIdentity` (who the callback is about) and the error or the counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from shared.callbacks import (
    MAX_ERROR_CHARS,
    MAX_ERROR_DETAILS_CHARS,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.errors import Stage, TTSError
from shared.voice_job_input import (
    VoiceProfileCallbackRequest,
    VoiceProfileErrorCallbackRequest,
)

PROGRESS_STAGE = "generating"
TTS_METADATA = (
    "retries",
    "engine_version",
    "voice",
    "timings",
    "engine_real_time_factor",
    "chunks_generated",
    "chunks_reused",
    "gpu_seconds_saved",
    "letters_dropped",
    "scripts_dropped",
)
"""What the success callback adds under `metadata.tts`; the rest has fields of its own."""


@dataclass(frozen=True)
class CallbackIdentity:
    """What every callback of one story job carries."""

    story_id: str
    job_id: str
    started_at: datetime
    user_id: str | None
    voice_id: str | None
    submission: int | None = None

    def fields(self) -> dict[str, Any]:
        """The identity as callback model fields."""
        return {
            "story_id": self.story_id,
            "job_id": self.job_id,
            "job_started_at": self.started_at,
            "submission": self.submission,
            "user_id": self.user_id,
            "voice_id": self.voice_id,
        }


@dataclass(frozen=True)
class StoryOutcome:
    """A narrated, stored story: everything the output and the success callback report."""

    audio_url: str
    storage_key: str
    size_bytes: int
    format: str
    content_type: str
    duration_seconds: float
    sample_rate: int
    chunk_count: int
    retries: int
    engine: str
    engine_version: str
    voice: str
    timings: Mapping[str, float]
    engine_real_time_factor: float
    chunks_generated: int
    chunks_reused: int
    """Chunks taken from the story's checkpoints (an earlier attempt) instead of generated."""
    gpu_seconds_saved: float
    checkpoints_saved: int = 0
    checkpoint_failures: int = 0
    """Checkpoints not saved (upload failed, or its queue was full): the job is unaffected."""
    stream_url: str | None = None
    """The live stream's playlist (closed now), if it was announced while the job ran."""
    stream_segments: int = 0
    stream_unpublished: int = 0
    """Segments of the live stream that storage never took: the job is unaffected."""
    letters_dropped: int = 0
    """Letters left out of the narration: a few of a script its language cannot read."""
    scripts_dropped: tuple[str, ...] = ()
    """Their scripts ("Han", "Cyrillic" …)."""
    timings_url: str | None = None
    """The read-along track (`timings.json`), if it was stored: the story is fine without."""

    def to_output(self, story_id: str) -> dict[str, Any]:
        """The RunPod job output, before what it says of its callback: never the audio
        itself, never a local path."""
        return {"status": "ready", "story_id": story_id} | asdict(self)

    def tts_metadata(self) -> dict[str, Any]:
        """How the audio was made, for the success callback's `metadata.tts`."""
        fields = asdict(self) | {"scripts_dropped": list(self.scripts_dropped)}
        return {name: fields[name] for name in TTS_METADATA}


def progress_callback(
    identity: CallbackIdentity,
    done: int,
    total: int,
    stream: tuple[str, int] | None = None,
    stream_timings_url: str | None = None,
) -> TTSProgressCallbackRequest:
    """`stream`: the live stream's playlist URL and segment count, once announced;
    `stream_timings_url`: its live read-along track (only with `stream`)."""
    url, segments = stream or (None, None)
    return TTSProgressCallbackRequest(
        **identity.fields(),
        chunks_done=done,
        chunks_total=total,
        stage=PROGRESS_STAGE,
        stream_url=url,
        stream_segments=segments,
        stream_timings_url=stream_timings_url if stream else None,
    )


def success_callback(
    identity: CallbackIdentity, outcome: StoryOutcome, passthrough: Mapping[str, Any] | None
) -> TTSSuccessCallbackRequest:
    """`passthrough` is the job's own `metadata`, returned with `tts` added."""
    return TTSSuccessCallbackRequest(
        **identity.fields(),
        audio_url=outcome.audio_url,
        storage_key=outcome.storage_key,
        duration_seconds=outcome.duration_seconds,
        format=outcome.format,
        sample_rate=outcome.sample_rate,
        chunk_count=outcome.chunk_count,
        engine=outcome.engine,
        timings_url=outcome.timings_url,
        metadata={**(passthrough or {}), "tts": outcome.tts_metadata()},
    )


def error_callback(
    identity: CallbackIdentity, error: TTSError, stage: Stage, facts: Mapping[str, Any]
) -> TTSErrorCallbackRequest:
    """`facts` describe the story (language, type, length); unknown ones are left out."""
    metadata: dict[str, Any] = {
        **facts,
        "error_type": error.error_type.value,
        "retryable": error.retryable,
        "stage": stage.value,
    }
    if "chunk_index" in error.context:
        metadata["chunk_index"] = error.context["chunk_index"]
    return TTSErrorCallbackRequest(
        **identity.fields(),
        error=_truncated(error.message, MAX_ERROR_CHARS),
        error_details=None
        if error.details is None
        else _truncated(error.details, MAX_ERROR_DETAILS_CHARS),
        metadata={k: v for k, v in metadata.items() if v is not None},
    )


def _truncated(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, so that building an error callback never fails."""
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def voice_profile_callback(
    job_id: str, result: Mapping[str, Any], passthrough: Mapping[str, Any] | None
) -> VoiceProfileCallbackRequest:
    return VoiceProfileCallbackRequest(
        user_id=result["user_id"],
        voice_id=result["voice_id"],
        job_id=job_id,
        name=result["name"],
        profile_key=result["profile_key"],
        sample_key=result["sample_key"],
        sample_url=result["sample_url"],
        generation_method=result["generation_method"],
        details={k: result[k] for k in ("engine", "engine_version", "sample_duration_seconds")},
        metadata=dict(passthrough) if passthrough is not None else None,
    )


def voice_profile_error_callback(
    job_id: str, user_id: str, voice_id: str | None, error: TTSError
) -> VoiceProfileErrorCallbackRequest:
    return VoiceProfileErrorCallbackRequest(
        user_id=user_id,
        voice_id=voice_id,
        job_id=job_id,
        error=error.message,
        error_details=error.details,
        metadata={"error_type": error.error_type.value, "retryable": error.retryable},
    )
