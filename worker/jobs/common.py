"""Plumbing every job runner shares: the job's context, the engine-or-error guard, salvage of
an invalid input, and the failure output RunPod marks FAILED."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from shared.errors import InvalidInputError, Stage, TTSError, as_tts_error
from shared.types import SafeId, StoryId, Submission, Url
from worker.delivery.payloads import CallbackIdentity
from worker.delivery.targets import CallbackTargets, derive_error_callback_url

logger = logging.getLogger(__name__)

T = TypeVar("T")
U = TypeVar("U")

_STORY_ID: TypeAdapter[str] = TypeAdapter(StoryId)
_SAFE_ID: TypeAdapter[str] = TypeAdapter(SafeId)
_URL: TypeAdapter[str] = TypeAdapter(Url)
_SUBMISSION: TypeAdapter[int] = TypeAdapter(Submission)


class Loaded(Generic[T]):
    """Something loaded once per process (the engine), or the error that stopped it loading.

    A worker whose engine failed to load stays up and fails every job with that error, which
    reaches the app through the job's error callback instead of a crash loop.
    """

    def __init__(self, value: T | None, error: TTSError | None) -> None:
        self._value, self._error = value, error

    @classmethod
    def ready(cls, value: T) -> Loaded[T]:
        return cls(value, None)

    @classmethod
    def failed(cls, error: TTSError) -> Loaded[T]:
        return cls(None, error)

    @classmethod
    def attempt(cls, load: Callable[[], T], what: str) -> Loaded[T]:
        try:
            return cls.ready(load())
        except Exception as exc:
            error = as_tts_error(exc)
            logger.error(
                f"{what} failed to load",
                extra={"error_type": error.error_type.value, "details": error.details},
            )
            return cls.failed(error)

    def map(self, build: Callable[[T], U]) -> Loaded[U]:
        return (
            Loaded.ready(build(self._value))
            if self._value is not None
            else Loaded(None, self._error)
        )

    def get(self) -> T:
        """The value; raises the load error (with a fresh traceback) when there is none."""
        if self._value is None:
            assert self._error is not None
            raise self._error.with_traceback(None)
        return self._value


@dataclass
class JobContext:
    """What is known about a story job so far; enough to report its failure at any stage."""

    job_id: str
    started_at: datetime
    stage: Stage = Stage.VALIDATE
    story_id: str | None = None
    user_id: str | None = None
    voice_id: str | None = None
    submission: int | None = None
    targets: CallbackTargets | None = None
    error_url: str | None = None
    """Where to report a failure: the validated target, or one salvaged from invalid input."""
    facts: dict[str, Any] = field(default_factory=dict)
    """Describes the story for the error callback: language, story_type, text_length."""

    def identity(self) -> CallbackIdentity | None:
        if self.story_id is None:
            return None
        return CallbackIdentity(
            self.story_id,
            self.job_id,
            self.started_at,
            self.user_id,
            self.voice_id,
            self.submission,
        )


def salvage_story_id(value: Any) -> str | None:
    return _valid(_STORY_ID, value)


def salvage_error_url(raw_input: dict[str, Any], check: Callable[[str, str], str]) -> str | None:
    """The error callback URL of an input that may be invalid elsewhere: the one given, else the
    one derived from `callback_url`, whichever first passes `check(url, field)`."""
    candidates = (
        ("error_callback_url", raw_input.get("error_callback_url")),
        ("callback_url", _derived_error_url(raw_input.get("callback_url"))),
    )
    for name, value in candidates:
        url = _valid(_URL, value)
        if url is None:
            continue
        try:
            return check(url, name)
        except InvalidInputError:
            continue
    return None


def _derived_error_url(callback_url: Any) -> str | None:
    if _valid(_URL, callback_url) is None:
        return None
    return derive_error_callback_url(callback_url)


def salvage_id(value: Any) -> str | None:
    """A user or voice id from an input that may be invalid, if the id itself is valid."""
    return _valid(_SAFE_ID, value)


def salvage_submission(value: Any) -> int | None:
    """The submission number of an input that may be invalid, if the number itself is valid:
    without it, the API could not tell this job's error from an older submission's."""
    return _valid(_SUBMISSION, value)


def _valid(adapter: TypeAdapter[T], value: Any) -> T | None:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        return None


def failure_output(error: TTSError, *, refresh_worker: bool, **where: Any) -> dict[str, Any]:
    """`{"error": message, …}`: RunPod marks the job FAILED and shows the message; `where`
    adds what else is known (the stage, the story, the callback's fate)."""
    output: dict[str, Any] = {
        "error": error.message,
        "error_type": error.error_type.value,
        "retryable": error.retryable,
        **where,
    }
    if refresh_worker:
        output["refresh_worker"] = True
    return output


def unavailable_output(error: TTSError, raw_input: Any) -> dict[str, Any]:
    """The output of a job this worker cannot run at all (`worker_misconfigured`).

    No callback can be trusted to go out, so RunPod's FAILED status and this output, shown in
    its console, carry the news; `error_details` names the settings to fix.
    """
    story_id = salvage_story_id(raw_input.get("story_id")) if isinstance(raw_input, dict) else None
    return failure_output(
        error,
        callback_delivered=False,
        refresh_worker=False,  # a fresh worker gets the same environment
        stage=Stage.MODEL.value,  # start-up, where an engine that failed to load reports too
        story_id=story_id,
        error_details=error.details,
    )
