"""The story job's contract: what the app submits as a RunPod job's `input`."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from shared.callbacks import JobMetadata
from shared.errors import InvalidInputError
from shared.types import (
    AudioFormat,
    Base64,
    LanguageTag,
    Pronunciations,
    SafeId,
    Seed,
    StorageKey,
    StoryId,
    Submission,
    Url,
)


class TTSJobInput(BaseModel):
    """One story to narrate. Unknown fields are ignored; known ones are checked strictly."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    text: Annotated[str, StringConstraints(max_length=1_000_000)]
    story_id: StoryId
    user_id: SafeId
    voice_id: SafeId | None = None
    language: LanguageTag = "en"
    story_type: Annotated[str, StringConstraints(max_length=64)] | None = None

    callback_url: Url
    error_callback_url: Url | None = None
    progress_callback_url: Url | None = None

    output_format: AudioFormat | None = None
    exaggeration: float | None = Field(default=None, ge=0.0, le=2.0)
    cfg_weight: float | None = Field(default=None, ge=0.0, le=1.0)
    temperature: float | None = Field(default=None, gt=0.0, le=5.0)
    seed: Seed | None = None
    pronunciations: Pronunciations | None = None

    profile_base64: Base64 | None = None
    reference_audio_base64: Base64 | None = None
    voice_storage_key: StorageKey | None = None

    metadata: JobMetadata = None
    deadline_s: int | None = Field(default=None, ge=60, le=24 * 3600)
    """Set by the submission helper to fit the job's execution timeout; the worker stops by
    the earlier of this and `JOB_DEADLINE_S`."""
    reuse_chunks: bool = True
    """False renders every chunk afresh (a new take), replacing the story's checkpoints."""
    submission: Submission | None = None
    """Set by the submission helper: the story's submission number, echoed in every callback,
    so that the API follows the newest submission whatever the workers' clocks say."""

    @model_validator(mode="after")
    def _one_voice_source(self) -> TTSJobInput:
        given = [self.profile_base64, self.reference_audio_base64, self.voice_storage_key]
        if sum(source is not None for source in given) > 1:
            raise ValueError(
                "give at most one of profile_base64, reference_audio_base64, voice_storage_key"
            )
        return self


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_job_input(raw: Any, model: type[ModelT]) -> ModelT:
    """Validate a job's input; the `invalid_input` error names every offending field."""
    if not isinstance(raw, dict):
        raise InvalidInputError("The job input must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidInputError(
            "The narration request is invalid: " + describe_validation_error(exc),
            details=describe_validation_error(exc),
            context={"fields": sorted({_field(e["loc"]) for e in exc.errors()})},
        ) from None


def describe_validation_error(exc: ValidationError) -> str:
    """`field: problem; …` without echoing the offending values (they may be story text)."""
    return "; ".join(f"{_field(e['loc'])}: {e['msg']}" for e in exc.errors())


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "input"
