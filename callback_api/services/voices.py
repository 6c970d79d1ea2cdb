"""Creating a voice, or trying one again: its `create_voice_profile` job submitted to RunPod.

    submitted = await submit_voice(request, voices=voices, settings=settings)

1. The upload was checked before (`RECORDING_LIMITS`, `shared.recordings`): nothing is written
   for a recording the worker would refuse.
2. One transaction hands the voice to its next submission (`VoiceStore.begin`): a new voice
   (`voices/{voice_id}`, a fresh id) or one of the user's own, tried again. Status `pending`.
3. `POST {endpoint}/run` with the recording inline (`reference_audio_base64`; RunPod's `/run`
   takes at most 10 MB, hence uploads of at most 7 MiB, `MAX_RECORDING_BYTES`), the
   submission number, the signed callback URLs (`/api/tts/voices/callback`, `…/error-callback`,
   `…/progress`), RunPod's completion webhook for this submission and an execution timeout.
   A superseded job still pending or processing is cancelled in RunPod (best effort).
4. The job id is recorded. RunPod refusing fails the voice with `submission_failed` (provisional)
   and raises `SubmissionFailedError` (502).

A job that ends without its callback is settled from RunPod's own word (`voice_settle.py`):
its webhook, or `settle_stale_voices`, which the reconciler runs for voices silent too long.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError
from callback_api.services.rules import InferredSource
from callback_api.services.runpod_api import RunPodError, RunPodStatusError
from callback_api.services.submission import cancel_job, run_job
from callback_api.services.voice_rules import BUSY, MISCONFIGURED
from callback_api.services.voice_store import VoiceStore
from shared.errors import SubmissionFailedError
from shared.recordings import RecordingLimits
from shared.signing import derive_key
from shared.voice_job_input import MIN_REFERENCE_SECONDS, VOICE_PROFILE_ACTION

logger = logging.getLogger("callback_api.voices")

VOICES_PATH = "/api/tts/voices"
WEBHOOK_PATH = f"{VOICES_PATH}/webhook"
MAX_RECORDING_BYTES = 7 * 2**20
"""The largest upload: base64 makes it 9.8 MB, inside RunPod's 10 MB `/run` body."""
MAX_RECORDING_SECONDS = 60.0
"""The longest recording taken (the worker uses its first `CHATTERBOX_MAX_REFERENCE_SECONDS`)."""
VOICE_JOB_TIMEOUT_S = 600
"""RunPod's execution timeout of a voice job: a profile and a short sample take a minute or two."""
_PURPOSE = "runpod-voice-webhook-token/v1"


@dataclass(frozen=True)
class VoiceRequest:
    user_id: str
    name: str
    language: str
    recording: bytes = field(repr=False)
    voice_id: str | None = None
    """A voice of the user's to try again; None for a new one."""


@dataclass(frozen=True)
class SubmittedVoice:
    voice_id: str
    job_id: str
    submission: int


RECORDING_LIMITS = RecordingLimits(
    MAX_RECORDING_BYTES, MIN_REFERENCE_SECONDS, MAX_RECORDING_SECONDS
)


def webhook_token(secret: str, voice_id: str, submission: int) -> str:
    """Unpadded base64url HMAC of `voice_id/submission` under a key for this purpose alone."""
    key = derive_key(secret, _PURPOSE)
    digest = hmac.new(key, f"{voice_id}/{submission}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def webhook_matches(secrets: list[str], voice_id: str, submission: int, token: str) -> bool:
    given = token.encode()
    return any(
        hmac.compare_digest(webhook_token(secret, voice_id, submission).encode(), given)
        for secret in secrets
    )


def voice_job_body(
    request: VoiceRequest, voice_id: str, submission: int, settings: Settings, base_url: str
) -> dict[str, Any]:
    """RunPod's `/run` body for the voice's `submission`."""
    api = base_url.rstrip("/") + VOICES_PATH
    body: dict[str, Any] = {
        "input": {
            "action": VOICE_PROFILE_ACTION,
            "user_id": request.user_id,
            "voice_id": voice_id,
            "name": request.name,
            "language": request.language,
            "reference_audio_base64": base64.b64encode(request.recording).decode(),
            "submission": submission,
            "callback_url": f"{api}/callback",
            "error_callback_url": f"{api}/error-callback",
            "progress_callback_url": f"{api}/progress",
        },
        "policy": {"executionTimeout": VOICE_JOB_TIMEOUT_S * 1000},
    }
    if settings.signing_secrets:  # none in local development mode: no webhook URL is valid
        token = webhook_token(settings.signing_secrets[0], voice_id, submission)
        body["webhook"] = f"{base_url.rstrip('/')}{WEBHOOK_PATH}/{voice_id}/{submission}/{token}"
    return body


async def submit_voice(
    request: VoiceRequest,
    *,
    voices: VoiceStore,
    settings: Settings,
    http: httpx.AsyncClient | None = None,
) -> SubmittedVoice:
    """Steps 2 to 4 of the module's description."""
    endpoint = settings.runpod_endpoint_url or settings.runpod_local_api_url
    base_url = settings.callback_api_public_url
    if endpoint is None or base_url is None:
        logger.error("voices need RUNPOD_ENDPOINT_ID and CALLBACK_API_PUBLIC_URL")
        raise SubmissionFailedError(MISCONFIGURED, details="RunPod or the public URL is not set")
    key = settings.runpod_api_key.get_secret_value() if settings.runpod_api_key else None
    voice_id = request.voice_id or uuid.uuid4().hex
    begun = await voices.begin(
        voice_id, request.user_id, request.name, request.language, new=request.voice_id is None
    )
    body = voice_job_body(request, voice_id, begun.submission, settings, base_url)
    async with httpx.AsyncClient(timeout=settings.runpod_timeout_seconds) as client:
        if begun.superseded_job is not None:
            await cancel_job(endpoint, begun.superseded_job, key, http or client)
        try:
            url = f"{endpoint.rstrip('/')}/run"
            job_id = await run_job(url, body, key, http or client, settings.runpod_timeout_seconds)
        except RunPodError as exc:
            error = submission_error(exc)
            await _fail_submission(voices, voice_id, begun.submission, error)
            raise error from None
    try:
        await voices.record_job(voice_id, begun.submission, job_id)
    except CallbackAPIError as exc:  # its callbacks carry the number and record the id
        logger.warning("voice job id not recorded", extra={"job_id": job_id, "failure": str(exc)})
    return SubmittedVoice(voice_id, job_id, begun.submission)


def submission_error(exc: RunPodError) -> SubmissionFailedError:
    """RunPod's 4xx but 408 and 429 (the key, the endpoint) only operators can fix."""
    status = exc.status_code if isinstance(exc, RunPodStatusError) else None
    configuration = status is not None and 400 <= status < 500 and status not in (408, 429)
    return SubmissionFailedError(
        MISCONFIGURED if configuration else BUSY,
        details=f"RunPod did not accept the job: {exc}.",
        context={} if status is None else {"runpod_status_code": status},
    )


async def _fail_submission(
    voices: VoiceStore, voice_id: str, submission: int, error: SubmissionFailedError
) -> None:
    try:
        await voices.interrupt(voice_id, submission, None, error, InferredSource.SUBMISSION)
    except CallbackAPIError as failure:  # the reconciler fails it later (`settle_stale_voices`)
        logger.error(
            "voice not failed after RunPod refused its job", extra={"failure": str(failure)}
        )
