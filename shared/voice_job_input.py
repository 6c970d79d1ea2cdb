"""The `create_voice_profile` job contract: its input and the callbacks it sends.

A job with `"action": "create_voice_profile"` turns a reference recording into a Chatterbox
voice profile and a short sample in that voice, stored under the user's `voices/{user_id}/`:
`{voice_id}/{submission}.pt` and `{voice_id}/{submission}_sample.mp3` for a numbered submission
(each its own key: a superseded job finishing late overwrites nothing), else `{voice_id}.pt`
and `{voice_id}_sample.mp3`. The success callback names the keys (`profile_key`), which the
API records as the voice's `profileKey`. A stored
recording (`reference_audio_key`) must be the user's own: under `uploads/{user_id}/`, where the
app uploads it, or the user's `voices/{user_id}/`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.callbacks import Metadata
from shared.job_input import USER_VOICES, listener_error
from shared.types import (
    Base64,
    JobId,
    LanguageTag,
    SafeId,
    Seed,
    StorageKey,
    Submission,
    Url,
    VoiceName,
)

VOICE_PROFILE_ACTION = "create_voice_profile"
USER_RECORDINGS = ("uploads/{user_id}/", USER_VOICES)
"""Where a user's own recordings may be read from."""
MIN_REFERENCE_SECONDS = 5.0
"""The shortest usable recording: the worker's `CHATTERBOX_MIN_REFERENCE_SECONDS` default (a
worker test keeps the two equal); the API refuses shorter uploads before any job."""
SAMPLE_LANGUAGES = frozenset(
    "ar da de el en es fi fr he hi it ja ko ms nl no pl pt ru sv sw tr zh".split()  # noqa: SIM905
)
"""The languages the worker has a default sample sentence for (`worker/voices/creation.py`;
a worker test keeps the two equal): a voice in another language needs `sample_text`."""
STARTED_STAGE = "started"


class VoiceProfileJobInput(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    action: Literal["create_voice_profile"]
    user_id: SafeId
    name: VoiceName
    voice_id: SafeId | None = None
    reference_audio_base64: Base64 | None = None
    reference_audio_key: StorageKey | None = None
    language: LanguageTag = "en"
    sample_text: Annotated[str, StringConstraints(max_length=500)] | None = None
    seed: Seed | None = None
    callback_url: Url | None = None
    error_callback_url: Url | None = None
    progress_callback_url: Url | None = None
    """Told once when the job starts (`VoiceProfileProgressCallbackRequest`); only if given."""
    submission: Submission | None = None
    """The voice's submission number (the API's); every callback of the job echoes it, and the
    profile is stored at a key of its own (`voices/{user_id}/{voice_id}/{submission}.pt`)."""
    metadata: Metadata = None

    @model_validator(mode="after")
    def _one_recording(self) -> VoiceProfileJobInput:
        if (self.reference_audio_base64 is None) == (self.reference_audio_key is None):
            raise listener_error(
                "Please record or upload one voice recording and try again.",
                field="input",
                details="give exactly one of reference_audio_base64, reference_audio_key",
            )
        return self

    @model_validator(mode="after")
    def _recording_of_this_user(self) -> VoiceProfileJobInput:
        key = self.reference_audio_key
        own = [prefix.format(user_id=self.user_id) for prefix in USER_RECORDINGS]
        if key is None or key.startswith(tuple(own)):
            return self
        raise listener_error(
            "The voice recording belongs to another account. "
            "Please record or upload your own voice and try again.",
            field="reference_audio_key",
            details="must lie under " + " or ".join(own),
        )


class _VoiceCallback(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")
    callback_type: ClassVar[str]

    user_id: SafeId
    voice_id: SafeId | None = None
    job_id: JobId
    submission: Submission | None = None
    metadata: Metadata = None

    def to_body(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


class VoiceProfileCallbackRequest(_VoiceCallback):
    """Sent to `callback_url`: the profile and its sample are stored."""

    callback_type: ClassVar[str] = "voice_success"

    voice_id: SafeId
    name: str
    profile_key: str
    sample_url: str
    sample_key: str
    generation_method: str
    details: dict[str, Any] = Field(default_factory=dict)


class VoiceProfileErrorCallbackRequest(_VoiceCallback):
    """Sent to the error callback URL: no profile was stored."""

    callback_type: ClassVar[str] = "voice_error"

    error: str
    error_details: str | None = None


class VoiceProfileProgressCallbackRequest(_VoiceCallback):
    """Sent to `progress_callback_url` once the worker starts the job (not retried for long,
    never dead-lettered: the terminal callback says more)."""

    callback_type: ClassVar[str] = "voice_progress"

    voice_id: SafeId
    stage: Literal["started"] = "started"
