"""Voices: `POST /api/tts/voices` for the app, the voice job's signed callbacks, its webhook.

- `POST /api/tts/voices` (multipart/form-data: `recording`, `name`, `language`, `voice_id`,
  `user_id` for app keys) checks the upload before any work, then creates or tries again the
  voice (`services/voices.py`): 202 `{"voice_id", "job_id"}`. A repeat (the same
  `Idempotency-Key` header, or without one the same upload while its voice is still starting)
  answers the same voice and job.
- `POST /api/tts/voices/progress`, `…/callback`, `…/error-callback`: the worker's signed
  callbacks (`CallbackRoute` checks the signature first), applied to `voices/{voice_id}`.
- `POST /api/tts/voices/webhook/{voice_id}/{submission}/{token}`: RunPod's completion webhook,
  settled from RunPod's own report of the job.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from callback_api.api.callback_route import CallbackRoute, LimitedRequest, WebhookRoute
from callback_api.api.deps import CallerDep, ObservationDep, RunPodDep, SettingsDep
from callback_api.api.observation import CallbackObservation
from callback_api.api.routes.runpod import WebhookResponse
from callback_api.core.errors import InvalidRequestError, PayloadTooLargeError
from callback_api.services.rules import InferredSource
from callback_api.services.runpod_api import JobReport
from callback_api.services.voice_rules import VoiceCallback
from callback_api.services.voice_settle import settle_voice_job
from callback_api.services.voice_store import VoiceNotFoundError, VoiceStore
from callback_api.services.voices import (
    MAX_RECORDING_BYTES,
    RECORDING_LIMITS,
    VoiceRequest,
    submit_voice,
    webhook_matches,
)
from shared.callbacks import TTSCallbackResponse
from shared.errors import InvalidInputError, UnsupportedLanguageError
from shared.recordings import check_recording, too_large
from shared.types import MAX_VOICE_NAME_CHARS, LanguageTag, SafeId, normalize_language
from shared.voice_job_input import (
    SAMPLE_LANGUAGES,
    VoiceProfileCallbackRequest,
    VoiceProfileErrorCallbackRequest,
    VoiceProfileProgressCallbackRequest,
)

_SAFE_ID: TypeAdapter[str] = TypeAdapter(SafeId)
_LANGUAGE: TypeAdapter[str] = TypeAdapter(LanguageTag)
FORM_OVERHEAD_BYTES = 64 * 1024
"""What a multipart body may hold beside the recording: boundaries, headers, the text fields."""
NAME_SENTENCE = f"Please give the voice a name of 1 to {MAX_VOICE_NAME_CHARS} characters."


async def get_voices(request: Request) -> VoiceStore:
    """The voice store, on the story store's Firestore client (made on first use)."""
    state = request.app.state
    if getattr(state, "voices", None) is None:
        state.voices = VoiceStore.sharing(state.store, state.settings)
    voices: VoiceStore = state.voices
    return voices


VoicesDep = Annotated[VoiceStore, Depends(get_voices)]


class VoiceAccepted(BaseModel):
    voice_id: str
    job_id: str


def _error(description: str) -> dict[str, Any]:
    return {"model": TTSCallbackResponse, "description": description}


UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["recording", "name"],
                    "properties": {
                        "recording": {
                            "type": "string",
                            "format": "binary",
                            "description": "WAV, FLAC, OGG, MP3, M4A or WebM; more than 5 and "
                            "at most 60 seconds of speech, at most 7 MiB.",
                        },
                        "name": {"type": "string", "maxLength": MAX_VOICE_NAME_CHARS},
                        "language": {"type": "string", "default": "en", "example": "en"},
                        "voice_id": {
                            "type": "string",
                            "description": "One of your voices, to try again (a new recording).",
                        },
                        "user_id": {"type": "string", "description": "App keys only."},
                    },
                }
            }
        },
    }
}

app_router = APIRouter(prefix="/api/tts", tags=["voices"])
callbacks = APIRouter(
    prefix="/api/tts/voices",
    tags=["voice callbacks"],
    route_class=CallbackRoute,
    responses={
        401: _error("Missing or invalid signature."),
        404: _error("No such voice; nothing was written."),
        503: _error("Firestore unavailable; retry after the `Retry-After` seconds."),
    },
)


class VoiceWebhookRoute(WebhookRoute):
    def callback_type(self) -> str:
        return "voice_webhook"


webhooks = APIRouter(prefix="/api/tts/voices", tags=["runpod"], route_class=VoiceWebhookRoute)


@app_router.post(
    "/voices",
    status_code=202,
    summary="Create a voice from a recording, or try one again",
    openapi_extra=UPLOAD,
    responses={
        401: _error("No valid Firebase ID token or app key (`unauthenticated`)."),
        404: _error("`voice_id` is not one of the user's voices (`voice_not_found`)."),
        422: _error(
            "The recording is empty, too large, unreadable, too short or too long "
            "(`voice_profile_invalid`, `field: recording`); the name is missing "
            "(`invalid_input`); the language has no voices (`unsupported_language`)."
        ),
        502: _error("RunPod did not take the job (`submission_failed`); the voice is failed."),
        503: _error(
            "Firestore unavailable (`firestore_unavailable`); a repeat joined a voice whose "
            "job is not recorded yet (`voice_pending`); this API cannot submit jobs "
            "(`narration_unavailable`: RunPod, `CALLBACK_API_PUBLIC_URL` or the signing secret "
            "unset; nothing written). Retry after `Retry-After` seconds."
        ),
    },
)
async def create_voice(
    request: Request,
    caller: CallerDep,
    voices: VoicesDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=255)] = None,
) -> VoiceAccepted:
    """Writes `voices/{voice_id}` (`userId`, `name`, `language`, `status: pending`) and starts the
    voice's job; its callbacks then set `processing`, then `ready` with `sampleUrl` and
    `profileKey`, or `failed` with `error`, `errorType` and `errorDetails`. A repeat with the
    same `Idempotency-Key`, or an identical upload while its voice is still starting (a double
    click), answers the same voice and job: one voice, one job."""
    form = await _form(request)
    user_id = caller.user_for(_id(form, "user_id"))
    if not _is_safe(user_id):  # an app key's; the worker takes only safe ids
        raise InvalidRequestError("user_id must be 1-128 letters, digits, '_' or '-'", "user_id")
    voice_id = _id(form, "voice_id")
    if voice_id is not None and not _is_safe(voice_id):
        raise VoiceNotFoundError(voice_id)
    name, language = _name(_text(form, "name")), _language(_text(form, "language") or "en")
    upload = form.get("recording")
    if not isinstance(upload, UploadFile):
        raise InvalidRequestError("recording (an audio file) is required", field="recording")
    recording = await upload.read()
    check_recording(recording, RECORDING_LIMITS)
    voice = VoiceRequest(user_id, name, language, recording, voice_id, idempotency_key)
    submitted = await submit_voice(voice, voices=voices, settings=settings)
    return VoiceAccepted(voice_id=submitted.voice_id, job_id=submitted.job_id)


async def _form(request: Request) -> Any:
    """The multipart form, read up to the recording's limit (the listener's sentence past it)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidRequestError("send multipart/form-data with a recording file")
    limited = LimitedRequest(
        request.scope, request.receive, MAX_RECORDING_BYTES + FORM_OVERHEAD_BYTES
    )
    try:
        await limited.body()
        return await limited.form(max_files=1, max_fields=8)
    except PayloadTooLargeError:
        raise too_large(RECORDING_LIMITS) from None
    except MultiPartException as exc:
        raise InvalidRequestError(f"the form could not be read: {exc.message}") from None


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be text", field=name)
    return value.strip() or None


def _id(form: Any, name: str) -> str | None:
    """An id field exactly as sent (empty: not given). Never stripped: `_is_safe` refuses
    " v1 " rather than read it as another voice (or another user) than the one named."""
    value = form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name} must be text", field=name)
    return value or None


def _name(value: str | None) -> str:
    name = " ".join((value or "").split())
    if not name or len(name) > MAX_VOICE_NAME_CHARS:
        raise InvalidInputError(
            NAME_SENTENCE, details="name is empty or too long", context={"field": "name"}
        )
    return name


def _language(value: str) -> str:
    try:
        tag = _LANGUAGE.validate_python(value)
    except ValidationError:
        tag = None
    if tag is None or normalize_language(tag) not in SAMPLE_LANGUAGES:
        raise UnsupportedLanguageError(
            "Voices cannot be created in this language yet. Please choose another language.",
            details=f"voices are created in {', '.join(sorted(SAMPLE_LANGUAGES))}",
            context={"field": "language"},
        )
    return tag


def _is_safe(value: str) -> bool:
    """A `SafeId` as given: `SafeId` strips surrounding whitespace, which must not pass."""
    try:
        return _SAFE_ID.validate_python(value) == value
    except ValidationError:
        return False


async def _apply(
    callback: VoiceCallback, voices: VoiceStore, observation: CallbackObservation
) -> TTSCallbackResponse:
    observation.job_id = callback.job_id
    if callback.voice_id is None:  # an invalid job that named no voice: nothing to update
        raise VoiceNotFoundError("callback without voice_id")
    decision = await voices.apply(callback)
    observation.outcome = decision.outcome.value
    if decision.applied:
        return TTSCallbackResponse(success=True, applied=True)
    return TTSCallbackResponse(success=True, applied=False, reason=decision.outcome.value)


@callbacks.post("/progress", response_model_exclude_none=True, summary="Voice job started")
async def voice_started(
    callback: VoiceProfileProgressCallbackRequest, voices: VoicesDep, observation: ObservationDep
) -> TTSCallbackResponse:
    """Sets `status: processing` and `jobId` while the voice's submission is pending."""
    return await _apply(callback, voices, observation)


@callbacks.post("/callback", response_model_exclude_none=True, summary="Voice ready")
async def voice_ready(
    callback: VoiceProfileCallbackRequest, voices: VoicesDep, observation: ObservationDep
) -> TTSCallbackResponse:
    """Sets `status: ready`, `profileKey`, `sampleKey`, `sampleUrl`, `jobId`, `updatedAt`, and
    clears the `error*` fields. A callback of a superseded submission is `stale`."""
    return await _apply(callback, voices, observation)


@callbacks.post("/error-callback", response_model_exclude_none=True, summary="Voice failed")
async def voice_failed(
    callback: VoiceProfileErrorCallbackRequest, voices: VoicesDep, observation: ObservationDep
) -> TTSCallbackResponse:
    """Sets `status: failed`, `error` (the listener's sentence), `errorType`, `errorDetails`,
    `errorSource: worker`, `jobId` and `updatedAt`."""
    return await _apply(callback, voices, observation)


@webhooks.post(
    "/webhook/{voice_id}/{submission}/{token}",
    response_model_exclude_none=True,
    summary="RunPod voice job finished",
)
async def voice_webhook(
    voice_id: str,
    submission: str,
    token: str,
    request: Request,
    voices: VoicesDep,
    runpod: RunPodDep,
    settings: SettingsDep,
    observation: ObservationDep,
) -> WebhookResponse:
    """Settles the voice from RunPod's own report of the job (asked of its status API): ready
    from a COMPLETED job's output, failed (`worker_lost`, `job_timed_out`, `job_cancelled`)
    while the submission is still pending or processing. 404 for a wrong token."""
    number = int(submission) if submission.isdecimal() and str(int(submission)) == submission else 0
    if not (number and _is_safe(voice_id)):
        raise HTTPException(404, "not found")
    if not webhook_matches(settings.signing_secrets, voice_id, number, token):
        raise HTTPException(404, "not found")
    try:
        report = JobReport.from_json(json.loads(await request.body()))
    except (ValueError, RecursionError):
        observation.outcome = "invalid_body"
        return WebhookResponse(applied=False, reason="invalid_body")
    observation.job_id = report.job_id
    settled = await settle_voice_job(
        voices, runpod, voice_id, number, report.job_id, InferredSource.RUNPOD_WEBHOOK
    )
    observation.outcome = "applied" if settled.applied else (settled.reason or "ignored")
    return WebhookResponse(
        applied=settled.applied, reason=settled.reason, error_type=settled.error_type
    )


router = APIRouter()
router.include_router(app_router)
router.include_router(callbacks)
router.include_router(webhooks)
