"""The story job's contract: what the app submits as a RunPod job's `input`.

An input that breaks it is `invalid_input` with two texts: a message for the listener, which
names each field in plain words and says what is wrong with it ("the exaggeration setting must
be at most 2"), and details for developers (`field: pydantic's message`). Neither echoes the
offending values, which may be story text.

A voice belongs to its user: `voice_storage_key` must lie under `voices/{user_id}/`, where the
voice-profile job stores the user's voices, or under a shared prefix of the app's own narrators
given in the validation context (`voice_key_context`; the worker's `SHARED_VOICE_PREFIX`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

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

USER_VOICES = "voices/{user_id}/"
"""Where a user's voices live; the voice-profile job stores `{voice_id}/{submission}.pt` here
(`{voice_id}.pt` for a job without a submission number)."""
SHARED_VOICE_PREFIX = "shared_voice_prefix"
"""The validation context's key for the prefix of the app's own narrators (None: none)."""
LISTENER_ERROR = "listener_message"
_KEY_PREFIX = re.compile(r"(?:[A-Za-z0-9._-]+/)+")
"""The type of a validator's error whose message is already a sentence for the listener."""

FIELD_LABELS = {
    "input": "request",
    "text": "story text",
    "story_id": "story ID",
    "user_id": "user ID",
    "voice_id": "voice",
    "language": "language",
    "story_type": "story type",
    "callback_url": "callback address",
    "error_callback_url": "error callback address",
    "progress_callback_url": "progress callback address",
    "output_format": "audio format",
    "exaggeration": "exaggeration setting",
    "cfg_weight": "pace setting",
    "temperature": "temperature setting",
    "seed": "seed",
    "pronunciations": "pronunciation list",
    "profile_base64": "voice profile",
    "reference_audio_base64": "voice recording",
    "reference_audio_key": "stored voice recording",
    "voice_storage_key": "stored voice",
    "metadata": "app information",
    "deadline_s": "time limit in seconds",
    "reuse_chunks": "reuse setting",
    "submission": "submission number",
    "action": "action",
    "name": "voice name",
    "sample_text": "sample sentence",
}
"""Fields as a listener reads them; an unlisted one has its underscores read as spaces."""
_PROBLEMS = {
    "missing": "is missing",
    "string_too_long": "is too long",
    "too_long": "has too many entries",
    "string_too_short": "is too short",
    "too_short": "is too short",
    "string_pattern_mismatch": "is not in a form the service accepts",
    "literal_error": "is not one of the accepted values",
    "enum": "is not one of the accepted values",
    "string_type": "must be text",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a number",
    "dict_type": "must be a set of named values",
    "model_type": "must be a set of named values",
}
_BOUNDS = {
    "greater_than": ("gt", "must be more than"),
    "greater_than_equal": ("ge", "must be at least"),
    "less_than": ("lt", "must be less than"),
    "less_than_equal": ("le", "must be at most"),
}
_MAX_NAMED = 5


def field_label(field: str) -> str:
    """A field's name in plain words: `progress_callback_url` → "progress callback address"."""
    return FIELD_LABELS.get(field, field.replace("_", " "))


def listener_error(sentence: str, *, field: str, details: str) -> PydanticCustomError:
    """A validator's error whose message the listener reads as it is; `field` and `details`
    are what developers read."""
    return PydanticCustomError(LISTENER_ERROR, sentence, {"field": field, "details": details})


def _voice_prefix(value: str) -> str:
    if not _KEY_PREFIX.fullmatch(value) or {".", ".."} & set(value.split("/")):
        raise ValueError("must be a relative key prefix ending in '/'")
    if value.startswith(USER_VOICES.split("{")[0]):  # each folder there is named by a user id
        raise ValueError("must not lie under voices/")
    return value


VoicePrefix = Annotated[str, AfterValidator(_voice_prefix)]
"""A folder of the app's own narrators (`SHARED_VOICE_PREFIX`, e.g. `narrators/`)."""


def voice_key_context(shared_voice_prefix: str | None) -> dict[str, Any]:
    """The validation context of a worker whose app has narrators under that prefix."""
    return {SHARED_VOICE_PREFIX: shared_voice_prefix}


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
            raise listener_error(
                "The request names more than one voice: a voice profile, a recording and a "
                "stored voice cannot be combined. Please choose one voice and try again.",
                field="input",
                details="give at most one of profile_base64, reference_audio_base64, "
                "voice_storage_key",
            )
        return self

    @model_validator(mode="after")
    def _voice_of_this_user(self, info: ValidationInfo) -> TTSJobInput:
        key = self.voice_storage_key
        own = USER_VOICES.format(user_id=self.user_id)
        if key is None or key.startswith(own):
            return self
        shared = (info.context or {}).get(SHARED_VOICE_PREFIX)
        if shared and key.startswith(shared):
            return self
        raise listener_error(
            "The stored voice belongs to another account. "
            "Please choose one of your own voices and try again.",
            field="voice_storage_key",
            details=f"must lie under {own}" + (f" or {shared}" if shared else ""),
        )


ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_job_input(
    raw: Any, model: type[ModelT], *, context: Mapping[str, Any] | None = None
) -> ModelT:
    """Validate a job's input; the `invalid_input` error names every offending field.

    `context` is pydantic's validation context (`voice_key_context`)."""
    if not isinstance(raw, dict):
        raise InvalidInputError(
            "The request could not be read. Please try again, and contact support if it "
            "happens again.",
            details="the job input must be a JSON object",
        )
    try:
        return model.model_validate(raw, context=dict(context or {}))
    except ValidationError as exc:
        errors = exc.errors()
        raise InvalidInputError(
            listener_message(errors),
            details=describe_validation_error(exc),
            context={"fields": sorted({_field_of(e) for e in errors})},
        ) from None


def listener_message(errors: list[ErrorDetails]) -> str:
    """What was wrong, field by field in plain words, and what to do about it."""
    sentences = list(dict.fromkeys(e["msg"] for e in errors if e["type"] == LISTENER_ERROR))
    problems = list(dict.fromkeys(_problem(e) for e in errors if e["type"] != LISTENER_ERROR))
    if problems:
        named = problems[:_MAX_NAMED] + (["more"] if len(problems) > _MAX_NAMED else [])
        listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        sentences.insert(
            0,
            f"The request could not be accepted: {listed}. "
            f"Please correct {'it' if len(problems) == 1 else 'them'} and try again.",
        )
    return " ".join(sentences) or InvalidInputError.default_message


def _problem(error: ErrorDetails) -> str:
    field = _top_field(error["loc"])
    subject = "the request" if field == "input" else f"the {field_label(field)}"
    if len(error["loc"]) > 1:
        subject = f"an entry of {subject}"
    if error["type"].endswith("_type") and error.get("input") is None:
        return f"{subject} is missing"
    bound = _BOUNDS.get(error["type"])
    limit = (error.get("ctx") or {}).get(bound[0]) if bound else None
    if bound and isinstance(limit, int | float):
        return f"{subject} {bound[1]} {_number(limit)}"
    return f"{subject} {_PROBLEMS.get(error['type'], 'is not valid')}"


def _number(value: float) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:g}"
    return f"{int(value):,}"


def describe_validation_error(exc: ValidationError) -> str:
    """`field: problem; …` without echoing the offending values (they may be story text)."""
    return "; ".join(f"{_field_of(e)}: {_developer_message(e)}" for e in exc.errors())


def _developer_message(error: ErrorDetails) -> str:
    if error["type"] == LISTENER_ERROR:
        return str((error.get("ctx") or {}).get("details", error["msg"]))
    return error["msg"]


def _field_of(error: ErrorDetails) -> str:
    if error["type"] == LISTENER_ERROR:
        return str((error.get("ctx") or {}).get("field", "input"))
    return _field(error["loc"])


def _top_field(loc: tuple[int | str, ...]) -> str:
    return str(loc[0]) if loc else "input"


def _field(loc: tuple[int | str, ...]) -> str:
    if "[key]" in loc:  # a pronunciation's word is the story's text
        return _top_field(loc)
    return ".".join(str(part) for part in loc) or "input"
