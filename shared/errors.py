"""The error taxonomy shared by the worker and the callback API.

One base class and a small family of subclasses, in the manner of httpx's `_exceptions.py`:

    TTSError
    ├── InvalidInputError            invalid_input
    │   ├── TextEmptyError           text_empty
    │   ├── TextTooLongError         text_too_long
    │   └── UnsupportedLanguageError unsupported_language
    ├── VoiceProfileError
    │   ├── VoiceProfileMissingError voice_profile_missing
    │   ├── VoiceProfileInvalidError voice_profile_invalid
    │   └── VoiceUnsupportedError    voice_unsupported
    ├── EngineError
    │   ├── ModelUnavailableError    model_unavailable
    │   ├── GPUOutOfMemoryError      gpu_out_of_memory
    │   ├── GenerationFailedError    generation_failed
    │   └── UnspeakableTextError     text_unspeakable
    ├── AudioProcessingError         audio_processing_failed
    ├── StorageError
    │   ├── StorageUploadError       storage_upload_failed
    │   └── StorageAuthError         storage_auth_failed
    ├── JobInterruptedError
    │   ├── WorkerLostError          worker_lost
    │   ├── JobTimedOutError         job_timed_out
    │   ├── JobCancelledError        job_cancelled
    │   └── SubmissionFailedError    submission_failed
    ├── WorkerMisconfiguredError     worker_misconfigured
    └── InternalError                internal_error

Each error carries `error_type` (the wire value sent as `metadata.error_type` in error
callbacks), `message` (sentences a listener can act on, shown as `audioError`: what went
wrong in plain words and what to do; never a field name, a pattern or a library's wording),
`details` (technical, for logs and `error_details`, shown as `audioErrorDetails`),
`retryable` (whether running the same job again may succeed) and `refresh_worker` (the
process itself is unfit for another job, e.g. after a CUDA fault).
Errors are raised inside the services and translated to the wire at their boundaries.
`Stage` names where in a job an error happened (`metadata.stage` in error callbacks).

The interrupted-job errors are mostly inferred by the callback API (from RunPod's completion
webhook or the reconciler) for a job that ended without reporting, or by the submission helper
for a job RunPod did not accept; the worker raises `JobTimedOutError` itself when a story
cannot finish before its deadline.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class ErrorType(StrEnum):
    INVALID_INPUT = "invalid_input"
    TEXT_EMPTY = "text_empty"
    TEXT_TOO_LONG = "text_too_long"
    UNSUPPORTED_LANGUAGE = "unsupported_language"
    VOICE_PROFILE_MISSING = "voice_profile_missing"
    VOICE_PROFILE_INVALID = "voice_profile_invalid"
    VOICE_UNSUPPORTED = "voice_unsupported"
    MODEL_UNAVAILABLE = "model_unavailable"
    GPU_OUT_OF_MEMORY = "gpu_out_of_memory"
    GENERATION_FAILED = "generation_failed"
    TEXT_UNSPEAKABLE = "text_unspeakable"
    AUDIO_PROCESSING_FAILED = "audio_processing_failed"
    STORAGE_UPLOAD_FAILED = "storage_upload_failed"
    STORAGE_AUTH_FAILED = "storage_auth_failed"
    WORKER_LOST = "worker_lost"
    JOB_TIMED_OUT = "job_timed_out"
    JOB_CANCELLED = "job_cancelled"
    SUBMISSION_FAILED = "submission_failed"
    WORKER_MISCONFIGURED = "worker_misconfigured"
    INTERNAL_ERROR = "internal_error"


class Stage(StrEnum):
    """The steps of a job, in order; an error callback names the one that failed."""

    VALIDATE = "validate"
    MODEL = "model"
    TEXT = "text"
    VOICE = "voice"
    GENERATION = "generation"
    UPLOAD = "upload"
    CALLBACK = "callback"


class TTSError(Exception):
    """Base of every error the services raise on purpose."""

    error_type: ClassVar[ErrorType] = ErrorType.INTERNAL_ERROR
    retryable: ClassVar[bool] = False
    default_message: ClassVar[str] = (
        "Something went wrong while creating the audio. Please try again."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        details: str | None = None,
        context: dict[str, Any] | None = None,
        refresh_worker: bool = False,
    ) -> None:
        self.message = message or self.default_message
        self.details = details
        self.context: dict[str, Any] = dict(context or {})
        self.refresh_worker = refresh_worker
        super().__init__(self.message)


class InvalidInputError(TTSError):
    error_type = ErrorType.INVALID_INPUT
    default_message = (
        "The narration request was not valid. Please check the story and submit it again."
    )


class TextEmptyError(InvalidInputError):
    error_type = ErrorType.TEXT_EMPTY
    default_message = (
        "The story has no text to read aloud. Please add some words and submit it again."
    )


class TextTooLongError(InvalidInputError):
    error_type = ErrorType.TEXT_TOO_LONG
    default_message = (
        "The story is too long to narrate in one go. Please shorten it or split it into parts."
    )


class UnsupportedLanguageError(InvalidInputError):
    error_type = ErrorType.UNSUPPORTED_LANGUAGE
    default_message = (
        "This language is not supported for narration yet. "
        "Please choose another language for the story."
    )


class VoiceProfileError(TTSError):
    error_type = ErrorType.VOICE_PROFILE_INVALID
    default_message = "The voice could not be used. Please choose or record a voice again."


class VoiceProfileMissingError(VoiceProfileError):
    error_type = ErrorType.VOICE_PROFILE_MISSING
    default_message = "The selected voice was not found. Please record or choose a voice again."


class VoiceProfileInvalidError(VoiceProfileError):
    error_type = ErrorType.VOICE_PROFILE_INVALID
    default_message = "The selected voice is damaged. Please record the voice again."


class VoiceUnsupportedError(VoiceProfileError):
    """The engine cannot narrate in the requested kind of voice (Piper cannot clone one): the
    job fails rather than narrate in another voice."""

    error_type = ErrorType.VOICE_UNSUPPORTED
    default_message = (
        "This narration service cannot read stories in a recorded voice. "
        "Please choose one of the built-in voices and submit the story again."
    )


class EngineError(TTSError):
    error_type = ErrorType.GENERATION_FAILED
    retryable = True
    default_message = "The narration could not be generated. Please try again."


class ModelUnavailableError(EngineError):
    error_type = ErrorType.MODEL_UNAVAILABLE
    default_message = "The narration service is not available right now. Please try again later."


class GPUOutOfMemoryError(EngineError):
    error_type = ErrorType.GPU_OUT_OF_MEMORY
    default_message = "The narration service is busy. Please try again in a few minutes."


class GenerationFailedError(EngineError):
    error_type = ErrorType.GENERATION_FAILED
    default_message = "Part of the story could not be narrated. Please try again."


class UnspeakableTextError(EngineError):
    """A part of the story failed the same way on every attempt: running the job again would
    fail again, so the message names the part for the user to change."""

    error_type = ErrorType.TEXT_UNSPEAKABLE
    retryable = False
    default_message = "Part of the story could not be narrated. Please change it and submit again."


class AudioProcessingError(TTSError):
    error_type = ErrorType.AUDIO_PROCESSING_FAILED
    retryable = True
    default_message = "The narration could not be put together. Please try again."


class StorageError(TTSError):
    error_type = ErrorType.STORAGE_UPLOAD_FAILED
    retryable = True
    default_message = "The finished audio could not be saved. Please try again."


class StorageUploadError(StorageError):
    error_type = ErrorType.STORAGE_UPLOAD_FAILED


class StorageAuthError(StorageError):
    error_type = ErrorType.STORAGE_AUTH_FAILED
    retryable = False
    default_message = (
        "The audio could not be saved because of a configuration problem. Please try again later."
    )


class JobInterruptedError(TTSError):
    """The job stopped before it could finish; running it again is expected to work."""

    error_type = ErrorType.WORKER_LOST
    retryable = True
    default_message = "The narration stopped unexpectedly. Please try again."


class WorkerLostError(JobInterruptedError):
    error_type = ErrorType.WORKER_LOST


class JobTimedOutError(JobInterruptedError):
    error_type = ErrorType.JOB_TIMED_OUT
    default_message = "Narrating this story took longer than allowed. Please try again."


class JobCancelledError(JobInterruptedError):
    error_type = ErrorType.JOB_CANCELLED
    default_message = "The narration was cancelled. Please try again."


class SubmissionFailedError(JobInterruptedError):
    """RunPod did not accept the job (refused, unreachable, or an answer without a job id)."""

    error_type = ErrorType.SUBMISSION_FAILED
    default_message = "The narration could not be started. Please try again in a few minutes."


class WorkerMisconfiguredError(TTSError):
    """The worker's deployment is incomplete (a secret, storage); operators must fix it."""

    error_type = ErrorType.WORKER_MISCONFIGURED
    retryable = True
    default_message = (
        "The narration service is not available right now because of a configuration "
        "problem. Please try again later."
    )


class InternalError(TTSError):
    error_type = ErrorType.INTERNAL_ERROR
    retryable = True


def as_tts_error(exc: BaseException) -> TTSError:
    """Translate any exception at a service boundary; unknown ones become `internal_error`.

    The original exception's class name is kept in `details` for operators; its text is not,
    since it may carry local paths or story text.
    """
    if isinstance(exc, TTSError):
        return exc
    return InternalError(details=f"unexpected {type(exc).__name__}")
