"""The RunPod job contract: what the app submits as a job's `input`."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from shared.callbacks import Metadata, StoryId
from shared.errors import InvalidInputError

SafeId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]
Url = Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=r"^https?://\S+$")]


def _relative_key(value: str) -> str:
    if value.startswith("/") or any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError("must be a relative storage key without empty, '.' or '..' segments")
    return value


StorageKey = Annotated[
    str,
    StringConstraints(max_length=512, pattern=r"^[A-Za-z0-9._/-]+$"),
    AfterValidator(_relative_key),
]
Base64 = Annotated[str, StringConstraints(min_length=4, max_length=40_000_000)]


class TTSJobInput(BaseModel):
    """One story to narrate. Unknown fields are ignored; known ones are checked strictly."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    text: Annotated[str, StringConstraints(max_length=1_000_000)]
    story_id: StoryId
    user_id: SafeId
    voice_id: SafeId | None = None
    language: Annotated[
        str, StringConstraints(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")
    ] = "en"
    story_type: Annotated[str, StringConstraints(max_length=64)] | None = None
    is_kids_voice: bool = False

    callback_url: Url
    error_callback_url: Url | None = None
    progress_callback_url: Url | None = None

    output_format: Literal["mp3", "opus", "wav"] | None = None
    exaggeration: float | None = Field(default=None, ge=0.0, le=2.0)
    cfg_weight: float | None = Field(default=None, ge=0.0, le=1.0)
    temperature: float | None = Field(default=None, gt=0.0, le=5.0)
    seed: int | None = Field(default=None, ge=0, lt=2**32)

    profile_base64: Base64 | None = None
    reference_audio_base64: Base64 | None = None
    voice_storage_key: StorageKey | None = None

    metadata: Metadata = None

    @model_validator(mode="after")
    def _one_voice_source(self) -> TTSJobInput:
        given = [self.profile_base64, self.reference_audio_base64, self.voice_storage_key]
        if sum(source is not None for source in given) > 1:
            raise ValueError(
                "give at most one of profile_base64, reference_audio_base64, voice_storage_key"
            )
        return self


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_job_input(raw: Any, model: type[ModelT] = TTSJobInput) -> ModelT:  # type: ignore[assignment]
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
