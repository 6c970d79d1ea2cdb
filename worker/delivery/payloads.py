"""The callback payloads of a job on its way and of a failed one.

Failures and progress are built from the job's `CallbackIdentity` (who the callback is about)
and the error or the counts; a finished job's success callback is built from its outcome
(`worker/jobs/outcomes.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.callbacks import (
    MAX_ERROR_CHARS,
    MAX_ERROR_DETAILS_CHARS,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
)
from shared.errors import Stage, TTSError
from shared.voice_job_input import VoiceProfileErrorCallbackRequest

PROGRESS_STAGE = "generating"


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
