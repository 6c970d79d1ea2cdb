"""The `create_voice_profile` job: one outcome, reported by signed callbacks when asked for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from shared.callbacks import CallbackType
from shared.errors import TTSError, as_tts_error
from shared.job_input import parse_job_input
from shared.voice_job_input import VoiceProfileJobInput, VoiceProfileProgressCallbackRequest
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.payloads import voice_profile_error_callback
from worker.delivery.sender import CallbackSender
from worker.delivery.targets import check_outbound_url, derive_error_callback_url
from worker.engines.base import Engine
from worker.jobs.common import Loaded, failure_output, salvage_id, salvage_submission
from worker.jobs.outcomes import voice_profile_callback
from worker.storage import ObjectStore
from worker.voices.creation import VoiceProfileOutcome, VoiceProfileRequest, create_voice_profile
from worker.voices.sources import decode_base64

logger = logging.getLogger(__name__)
T = TypeVar("T")


class VoiceProfileJobRunner:
    def __init__(
        self,
        engine: Loaded[Engine],
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
            self._started(job, job_id)
            outcome = create_voice_profile(
                _request(job), engine=self.engine.get(), store=self.store, settings=self.synthesis
            )
        except Exception as exc:
            return self._fail(as_tts_error(exc), job_id, job, urls[1], raw_input)
        delivered = self._callback(job, job_id, urls[0], outcome)
        return outcome.to_output() | {"callback_delivered": delivered}

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

    def _started(self, job: VoiceProfileJobInput, job_id: str) -> None:
        """Tell the API the job runs (its voice becomes `processing`); best effort, briefly:
        the terminal callback and RunPod's webhook settle the voice either way."""
        if job.progress_callback_url is None or job.voice_id is None:
            return
        url = check_outbound_url(
            job.progress_callback_url,
            allowed_hosts=self.settings.callback_allowed_hosts,
            allow_loopback_http=self.settings.callback_allow_loopback_http,
            field="progress_callback_url",
        )
        payload = VoiceProfileProgressCallbackRequest(
            user_id=job.user_id, voice_id=job.voice_id, job_id=job_id, submission=job.submission
        )
        self.sender.post(
            CallbackType.PROGRESS,
            url,
            payload.to_body(),
            job_id,
            f"voice-{job.voice_id}",
            dead_letter=False,
            attempts=2,
        )

    def _callback(
        self, job: VoiceProfileJobInput, job_id: str, url: str | None, outcome: VoiceProfileOutcome
    ) -> bool | None:
        if url is None:
            return None
        payload = voice_profile_callback(job_id, outcome, job.metadata).model_copy(
            update={"submission": job.submission}
        )
        return self.sender.post(
            CallbackType.SUCCESS, url, payload.to_body(), job_id, f"voice-{outcome.voice_id}"
        )

    def _fail(
        self,
        error: TTSError,
        job_id: str,
        job: VoiceProfileJobInput | None,
        url: str | None,
        raw_input: Any,
    ) -> dict[str, Any]:
        logger.error(
            "voice profile job failed",
            extra={"job_id": job_id, "error_type": error.error_type.value},
        )
        delivered = None
        user_id = job.user_id if job else _raw(raw_input, "user_id", salvage_id)
        if user_id is not None and url is not None:
            voice_id = job.voice_id if job else _raw(raw_input, "voice_id", salvage_id)
            submission = (
                job.submission if job else _raw(raw_input, "submission", salvage_submission)
            )
            payload = voice_profile_error_callback(job_id, user_id, voice_id, error).model_copy(
                update={"submission": submission}
            )
            delivered = self.sender.post(
                CallbackType.ERROR, url, payload.to_body(), job_id, f"voice-{user_id}"
            )
        return failure_output(
            error, refresh_worker=error.refresh_worker, callback_delivered=delivered
        )


def _raw(raw_input: Any, name: str, salvage: Callable[[Any], T | None]) -> T | None:
    """A field of an input that may be invalid, if the field itself is valid."""
    return salvage(raw_input.get(name)) if isinstance(raw_input, dict) else None


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
        submission=job.submission,
    )
