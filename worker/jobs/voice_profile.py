"""The `create_voice_profile` job: one outcome, reported by signed callbacks when asked for."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import TypeAdapter, ValidationError

from shared.callbacks import CallbackType
from shared.errors import TTSError, as_tts_error
from shared.job_input import SafeId, parse_job_input
from shared.voice_job_input import (
    VoiceProfileCallbackRequest,
    VoiceProfileErrorCallbackRequest,
    VoiceProfileJobInput,
)
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.delivery.targets import check_outbound_url, derive_error_callback_url
from worker.engines.base import Engine
from worker.storage import ObjectStore
from worker.voices.creation import VoiceProfileRequest, create_voice_profile
from worker.voices.sources import decode_base64

logger = logging.getLogger(__name__)
_SAFE_ID = TypeAdapter(SafeId)


class VoiceProfileJobRunner:
    def __init__(
        self,
        engine: Engine | TTSError,
        store: ObjectStore,
        sender: CallbackSender,
        settings: ServiceSettings,
        synthesis: SynthesisSettings,
    ) -> None:
        self.engine = engine
        self.store = store
        self.sender = sender
        self.settings = settings
        self.synthesis = synthesis

    def run(self, job_id: str, raw_input: Any) -> dict[str, Any]:
        job: VoiceProfileJobInput | None = None
        urls: tuple[str | None, str | None] = (None, None)
        try:
            urls = self._salvage_urls(raw_input)
            job = parse_job_input(raw_input, VoiceProfileJobInput)
            urls = self._urls(job.callback_url, job.error_callback_url)
            if isinstance(self.engine, TTSError):
                raise self.engine
            result = create_voice_profile(
                _request(job), engine=self.engine, store=self.store, settings=self.synthesis
            )
        except Exception as exc:
            raw_user = raw_input.get("user_id") if isinstance(raw_input, dict) else None
            return self._fail(as_tts_error(exc), job_id, job, urls[1], raw_user)
        delivered = self._callback(job, job_id, urls[0], result)
        return {**result, "callback_delivered": delivered}

    def _salvage_urls(self, raw_input: Any) -> tuple[str | None, str | None]:
        """The callback URLs of an input that may be invalid, if they are themselves valid."""
        try:
            return self._urls(raw_input.get("callback_url"), raw_input.get("error_callback_url"))
        except (AttributeError, TypeError, TTSError):
            return None, None

    def _urls(
        self, callback_url: str | None, error_callback_url: str | None = None
    ) -> tuple[str | None, str | None]:
        if callback_url is None:
            return None, None
        error_url = error_callback_url or derive_error_callback_url(callback_url)
        checked = [
            check_outbound_url(
                url,
                allowed_hosts=self.settings.callback_allowed_hosts,
                allow_loopback_http=self.settings.callback_allow_loopback_http,
                field=field,
            )
            for field, url in (
                ("callback_url", callback_url),
                ("error_callback_url", error_url),
            )
        ]
        return checked[0], checked[1]

    def _callback(
        self, job: VoiceProfileJobInput, job_id: str, url: str | None, result: dict[str, Any]
    ) -> bool | None:
        if url is None:
            return None
        payload = VoiceProfileCallbackRequest(
            user_id=job.user_id,
            voice_id=result["voice_id"],
            job_id=job_id,
            name=result["name"],
            profile_key=result["profile_key"],
            sample_key=result["sample_key"],
            sample_url=result["sample_url"],
            generation_method=result["generation_method"],
            details={k: result[k] for k in ("engine", "engine_version", "sample_duration_seconds")},
            metadata=job.metadata,
        )
        return self.sender.post(
            CallbackType.SUCCESS, url, payload.to_body(), job_id, f"voice-{result['voice_id']}"
        )

    def _fail(
        self,
        error: TTSError,
        job_id: str,
        job: VoiceProfileJobInput | None,
        url: str | None,
        raw_user_id: Any,
    ) -> dict[str, Any]:
        logger.error(
            "voice profile job failed",
            extra={"job_id": job_id, "error_type": error.error_type.value},
        )
        delivered = None
        user_id = job.user_id if job else _safe_id(raw_user_id)
        if user_id is not None and url is not None:
            payload = VoiceProfileErrorCallbackRequest(
                user_id=user_id,
                voice_id=job.voice_id if job else None,
                job_id=job_id,
                error=error.message,
                error_details=error.details,
                metadata={"error_type": error.error_type.value, "retryable": error.retryable},
            )
            delivered = self.sender.post(
                CallbackType.ERROR, url, payload.to_body(), job_id, f"voice-{user_id}"
            )
        output: dict[str, Any] = {
            "error": error.message,
            "error_type": error.error_type.value,
            "retryable": error.retryable,
            "callback_delivered": delivered,
        }
        if error.refresh_worker:
            output["refresh_worker"] = True
        return output


def _safe_id(value: Any) -> str | None:
    try:
        return _SAFE_ID.validate_python(value)
    except ValidationError:
        return None


def _request(job: VoiceProfileJobInput) -> VoiceProfileRequest:
    recording = job.reference_audio_base64
    return VoiceProfileRequest(
        user_id=job.user_id,
        name=job.name,
        voice_id=job.voice_id,
        reference_audio=None if recording is None else decode_base64(recording, "reference audio"),
        reference_audio_key=job.reference_audio_key,
        language=job.language,
        sample_text=job.sample_text,
        seed=job.seed,
    )
