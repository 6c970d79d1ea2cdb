"""The `create_voice_profile` job contract: its input and the callbacks it sends.

A job with `"action": "create_voice_profile"` turns a reference recording into a Chatterbox
voice profile (`voices/{user_id}/{voice_id}.pt`) and a short sample in that voice. A stored
recording (`reference_audio_key`) must be the user's own: under `uploads/{user_id}/`, where the
app uploads it, or the user's `voices/{user_id}/`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.callbacks import Metadata
from shared.job_input import USER_VOICES, listener_error
from shared.types import Base64, JobId, LanguageTag, SafeId, Seed, StorageKey, Url, VoiceName

VOICE_PROFILE_ACTION = "create_voice_profile"
USER_RECORDINGS = ("uploads/{user_id}/", USER_VOICES)
"""Where a user's own recordings may be read from."""


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

    user_id: SafeId
    voice_id: SafeId | None = None
    job_id: JobId
    metadata: Metadata = None

    def to_body(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()


class VoiceProfileCallbackRequest(_VoiceCallback):
    """Sent to `callback_url`: the profile and its sample are stored."""

    voice_id: SafeId
    name: str
    profile_key: str
    sample_url: str
    sample_key: str
    generation_method: str
    details: dict[str, Any] = Field(default_factory=dict)


class VoiceProfileErrorCallbackRequest(_VoiceCallback):
    """Sent to the error callback URL: no profile was stored."""

    error: str
    error_details: str | None = None
