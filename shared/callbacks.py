"""The callback contract between the worker and the callback API.

The worker builds these models and sends `model.to_body()`, signed with `shared.signing.sign`;
the API validates the same bytes into the same classes. No FastAPI imports here.

`submission` is the story's submission number the job was given (`shared.types.Submission`);
the API orders a story's jobs by it. `job_started_at` is a timezone-aware datetime (ISO 8601
on the wire, e.g. `"2025-06-01T12:00:00.123456+00:00"`), normalized to UTC: the moment the
worker began the job. It orders jobs only for callbacks without a submission number (the
contract's original payloads, older workers), and must not be more than five minutes in the
future.

Every callback fits the API's body limit by construction: pass-through `metadata` is bounded
in the job input (`JobMetadata`, 16 KiB as JSON), a callback's `metadata` in the callback
(`Metadata`, 20 KiB), and every other field by its length, so that even the longest success or
error callback stays under `MAX_BODY_BYTES` (a test builds the worst case of each).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import to_json

from shared.types import JobId, StoryId, Submission, Url, reject_reserved_name

MAX_BODY_BYTES = 64 * 1024
"""The largest callback body the API reads."""
MAX_JOB_METADATA_BYTES = 16 * 1024
MAX_CALLBACK_METADATA_BYTES = 20 * 1024
"""The job's metadata plus what the worker adds under `metadata.tts`."""
MAX_ERROR_CHARS = 2000
MAX_ERROR_DETAILS_CHARS = 4000
MAX_CLOCK_SKEW = timedelta(minutes=5)
MAX_METADATA_DEPTH = 10
MAX_KEY_BYTES = 1500  # Firestore's limit on a field name
_INT64 = range(-(2**63), 2**63)


class CallbackType(StrEnum):
    SUCCESS = "success"
    ERROR = "error"
    PROGRESS = "progress"


class IgnoredReason(StrEnum):
    """Why a well-formed, authentic callback was answered 200 without a write."""

    STALE = "stale"  # from an older job, or a progress after the job finished
    DUPLICATE = "duplicate"  # an identical repeat of what is stored
    CONFLICT = "conflict"  # a second, different terminal callback from the same job


def _check_not_in_future(value: datetime) -> datetime:
    value = value.astimezone(UTC)
    if value > datetime.now(UTC) + MAX_CLOCK_SKEW:
        raise ValueError("job_started_at is in the future")
    return value


def _check_firestore_value(value: Any, depth: int = 0, *, in_array: bool = False) -> None:
    """Firestore's rules for a map value, so that the API can always store what it accepts."""
    if depth > MAX_METADATA_DEPTH:
        raise ValueError(f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            reject_reserved_name(key)
            if not key or len(key.encode()) > MAX_KEY_BYTES:
                raise ValueError(f"metadata keys must hold 1 to {MAX_KEY_BYTES} bytes")
            _check_firestore_value(item, depth + 1)
    elif isinstance(value, list):
        if in_array:
            raise ValueError("metadata arrays must not contain arrays (Firestore refuses them)")
        for item in value:
            _check_firestore_value(item, depth + 1, in_array=True)
    elif isinstance(value, int) and not isinstance(value, bool) and value not in _INT64:
        raise ValueError("metadata integers must fit in 64 bits")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError("metadata numbers must be finite")


def _metadata_check(max_bytes: int) -> Callable[[dict[str, Any] | None], dict[str, Any] | None]:
    def check(value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            _check_firestore_value(value)
            if len(to_json(value)) > max_bytes:
                raise ValueError(f"metadata must not exceed {max_bytes // 1024} KiB as JSON")
        return value

    return check


JobStartedAt = Annotated[AwareDatetime, AfterValidator(_check_not_in_future)]
JobMetadata = Annotated[
    dict[str, Any] | None, AfterValidator(_metadata_check(MAX_JOB_METADATA_BYTES))
]
"""A job's pass-through metadata: valid for Firestore, at most 16 KiB as JSON."""
Metadata = Annotated[
    dict[str, Any] | None, AfterValidator(_metadata_check(MAX_CALLBACK_METADATA_BYTES))
]
ShortText = Annotated[str, StringConstraints(max_length=256)]
ErrorMessage = Annotated[str, StringConstraints(min_length=1, max_length=MAX_ERROR_CHARS)]
ErrorDetails = Annotated[str, StringConstraints(max_length=MAX_ERROR_DETAILS_CHARS)]


class _Callback(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    callback_type: ClassVar[CallbackType]

    story_id: StoryId
    submission: Submission | None = Field(
        default=None, description="The story's submission number, from the job input."
    )
    user_id: ShortText | None = None
    voice_id: ShortText | None = None
    metadata: Metadata = None

    def to_body(self) -> bytes:
        """The JSON bytes to sign and send."""
        return self.model_dump_json(exclude_none=True).encode()

    @model_validator(mode="after")
    def _fits_the_api(self) -> _Callback:
        if len(self.to_body()) > MAX_BODY_BYTES:
            raise ValueError(f"the callback body must not exceed {MAX_BODY_BYTES // 1024} KiB")
        return self


class TTSErrorCallbackRequest(_Callback):
    """`POST /api/tts/error-callback`: the job failed.

    `job_id`, `job_started_at` and `submission` are optional only so that the original minimal
    payload (`story_id`, `error`) is still accepted; the worker always sends the first two, and
    the third whenever its job input had one.
    """

    callback_type: ClassVar[CallbackType] = CallbackType.ERROR

    error: ErrorMessage = Field(description="Human-readable message, fit for the app's UI.")
    error_details: ErrorDetails | None = Field(
        default=None, description="Technical details for debugging."
    )
    job_id: JobId | None = None
    job_started_at: JobStartedAt | None = None
    metadata: Metadata = Field(
        default=None, description="Context; `metadata.error_type` carries the worker's error type."
    )

    @model_validator(mode="after")
    def _job_fields_need_job_id(self) -> TTSErrorCallbackRequest:
        if self.job_id is None and (self.job_started_at or self.submission) is not None:
            raise ValueError("job_started_at and submission require job_id")
        return self


AudioUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2048)]


class TTSSuccessCallbackRequest(_Callback):
    """`POST /api/tts/callback`: the audio is uploaded and ready."""

    callback_type: ClassVar[CallbackType] = CallbackType.SUCCESS

    job_id: JobId
    job_started_at: JobStartedAt
    audio_url: AudioUrl
    storage_key: Annotated[str, StringConstraints(max_length=1024)] | None = None
    duration_seconds: float = Field(ge=0, allow_inf_nan=False)
    format: ShortText | None = None
    sample_rate: int | None = Field(default=None, gt=0)
    chunk_count: int | None = Field(default=None, ge=0)
    engine: ShortText | None = None
    timings_url: AudioUrl | None = Field(
        default=None,
        description="The read-along track, `timings.json` next to the audio: when each"
        " sentence of the submitted text is heard in the finished file.",
    )


class TTSProgressCallbackRequest(_Callback):
    """`POST /api/tts/progress`: the job is running; `chunks_done` of `chunks_total` are done."""

    callback_type: ClassVar[CallbackType] = CallbackType.PROGRESS

    job_id: JobId
    job_started_at: JobStartedAt
    chunks_done: int = Field(ge=0)
    chunks_total: int = Field(gt=0)
    stage: Annotated[str, StringConstraints(max_length=64)] | None = None
    stream_url: AudioUrl | None = Field(
        default=None, description="The live stream's HLS playlist, once it can be played."
    )
    stream_segments: int | None = Field(
        default=None, ge=0, description="How many segments the playlist lists."
    )
    stream_timings_url: AudioUrl | None = Field(
        default=None,
        description="The live read-along track, growing with the stream; only with `stream_url`.",
    )

    @model_validator(mode="after")
    def _done_within_total(self) -> TTSProgressCallbackRequest:
        if self.chunks_done > self.chunks_total:
            raise ValueError("chunks_done must not exceed chunks_total")
        if (self.stream_url is None) != (self.stream_segments is None):
            raise ValueError("stream_url and stream_segments come together")
        if self.stream_timings_url is not None and self.stream_url is None:
            raise ValueError("stream_timings_url comes only with stream_url")
        return self

    @property
    def fraction(self) -> float:
        return self.chunks_done / self.chunks_total


TTSCallbackRequest = (
    TTSErrorCallbackRequest | TTSSuccessCallbackRequest | TTSProgressCallbackRequest
)


class SignedCallback(BaseModel):
    """A terminal callback exactly as the worker signed it: the body's bytes (as text) and its
    Standard Webhooks headers. The job output carries it, so that whoever holds the output
    (RunPod's completion webhook, the app, an operator) can deliver it to `url`."""

    model_config = ConfigDict(frozen=True)

    type: Literal[CallbackType.SUCCESS, CallbackType.ERROR]
    url: Url
    body: str
    headers: dict[str, str]

    def request(self) -> TTSSuccessCallbackRequest | TTSErrorCallbackRequest:
        """The callback the body holds; raises `ValidationError` when it is not one."""
        if self.type is CallbackType.SUCCESS:
            return TTSSuccessCallbackRequest.model_validate_json(self.body)
        return TTSErrorCallbackRequest.model_validate_json(self.body)


class TTSCallbackResponse(BaseModel):
    """The answer to every callback.

    `success` is true when the sender can stop retrying: the callback was stored
    (`applied: true`) or deliberately ignored (`applied: false` with `reason`).
    """

    success: bool
    error: str | None = None
    applied: bool | None = None
    reason: str | None = None
