"""Creating a voice, and settling its `create_voice_profile` job when no callback comes.

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

A job that ends without its callback is settled from RunPod's own word (`settle_voice_job`):
its webhook, or `settle_stale_voices`, which the reconciler runs for voices silent too long.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError, RunPodUnavailableError
from callback_api.services.rules import InferredSource
from callback_api.services.runpod_api import (
    RUNNING,
    JobReport,
    JobStatus,
    RunPodClient,
    RunPodError,
    RunPodJobNotFoundError,
    RunPodStatusError,
)
from callback_api.services.submission import cancel_job, run_job
from callback_api.services.voice_rules import VoiceStatus
from callback_api.services.voice_store import VoiceStore
from shared.errors import (
    JobCancelledError,
    JobInterruptedError,
    JobTimedOutError,
    SubmissionFailedError,
    WorkerLostError,
)
from shared.recordings import RecordingLimits
from shared.signing import derive_key
from shared.voice_job_input import (
    MIN_REFERENCE_SECONDS,
    VOICE_PROFILE_ACTION,
    VoiceProfileCallbackRequest,
)

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

BUSY = "Creating the voice could not be started. Please try again in a few minutes."
MISCONFIGURED = (
    "Creating a voice is not available right now because of a configuration problem. "
    "Please try again later."
)
LOST = "Creating the voice stopped unexpectedly. Please try again."
TIMED_OUT = "Creating the voice took longer than allowed. Please try again."
CANCELLED = "Creating the voice was cancelled. Please try again."


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


@dataclass(frozen=True)
class VoiceSettlement:
    applied: bool
    reason: str | None = None
    """Why nothing was written: job_running, no_callback, unconfirmed, no_job_id, or the
    decision's outcome (stale, duplicate, conflict)."""
    error_type: str | None = None


async def settle_voice_job(
    voices: VoiceStore,
    runpod: RunPodClient | None,
    voice_id: str,
    submission: int,
    job_id: str | None,
    source: InferredSource,
    *,
    stale_before: datetime | None = None,
) -> VoiceSettlement:
    """Settle the voice's `submission` from RunPod's own report of `job_id`: COMPLETED with the
    worker's output makes it ready; FAILED, TIMED_OUT and CANCELLED fail it, as does any end
    (or a job RunPod no longer knows) once the voice has been silent since `stale_before`.
    Raises `RunPodUnavailableError` when RunPod cannot be asked."""
    if job_id is None:
        return VoiceSettlement(False, "no_job_id")
    if runpod is None:  # local development: only a silent voice that was running is failed
        report = JobReport(job_id, None, None)
        if stale_before is None or (await voices.get(voice_id) or {}).get("status") != "processing":
            return VoiceSettlement(False, "unconfirmed")
    else:
        try:
            report = await runpod.status(job_id)
        except RunPodJobNotFoundError:
            if stale_before is None:  # a forged webhook, or one RunPod forgot: not its word
                return VoiceSettlement(False, "unconfirmed")
            report = JobReport(job_id, "NOT_FOUND", None)
        except RunPodError as exc:
            raise RunPodUnavailableError(str(exc)) from None
    if report.status in RUNNING:
        return VoiceSettlement(False, "job_running")
    success = _success(report, voice_id, submission)
    if success is not None:
        decision = await voices.apply(success)
        reason = None if decision.applied else decision.outcome.value
        return VoiceSettlement(decision.applied, reason)
    error = _interruption(report.status, stale_before is not None)
    if error is None:
        return VoiceSettlement(False, "no_callback")
    decision = await voices.interrupt(
        voice_id, submission, job_id, error, source, stale_before=stale_before
    )
    reason = None if decision.applied else decision.outcome.value
    return VoiceSettlement(decision.applied, reason, error.error_type.value)


def _success(
    report: JobReport, voice_id: str, submission: int
) -> VoiceProfileCallbackRequest | None:
    """The worker's result in a COMPLETED job's output, as RunPod's API reports it."""
    output = report.output
    if report.status != JobStatus.COMPLETED or not isinstance(output, dict):
        return None
    if output.get("voice_id") != voice_id or "profile_key" not in output:
        return None
    try:
        return VoiceProfileCallbackRequest.model_validate(
            {**output, "job_id": report.job_id, "submission": submission}
        )
    except ValueError:
        return None


def _interruption(status: str | None, silent: bool) -> JobInterruptedError | None:
    details = f"RunPod reported the job {status or 'unknown'} without a callback."
    context = {"runpod_status": status or "unknown"}
    if status == JobStatus.TIMED_OUT:
        return JobTimedOutError(TIMED_OUT, details=details, context=context)
    if status == JobStatus.CANCELLED:
        return JobCancelledError(CANCELLED, details=details, context=context)
    if status == JobStatus.FAILED or silent:
        return WorkerLostError(LOST, details=details, context=context)
    return None


@dataclass
class VoiceSweep:
    """What one pass of `settle_stale_voices` did."""

    failed: int = 0
    settled: int = 0
    """Made ready from RunPod's report of a completed job."""
    left: int = 0
    errors: int = 0


async def settle_stale_voices(
    voices: VoiceStore,
    runpod: RunPodClient | None,
    *,
    stale_after_s: float,
    now: datetime | None = None,
) -> VoiceSweep:
    """Settle every voice pending or processing and silent for `stale_after_s`: a job RunPod
    reports ended (or no longer knows) settles it; a voice pending without a job (its
    submission died half-way) fails with `submission_failed`. Never raises for one voice."""
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=stale_after_s)
    sweep = VoiceSweep()
    for voice in await voices.awaiting_before(cutoff):
        try:
            if voice.job_id is None and voice.status == VoiceStatus.PENDING:
                error = SubmissionFailedError(BUSY, details="no job was recorded for the voice")
                decision = await voices.interrupt(
                    voice.voice_id,
                    voice.submission,
                    None,
                    error,
                    InferredSource.RECONCILER,
                    stale_before=cutoff,
                )
                sweep.failed += decision.applied
                sweep.left += not decision.applied
                continue
            settled = await settle_voice_job(
                voices,
                runpod,
                voice.voice_id,
                voice.submission,
                voice.job_id,
                InferredSource.RECONCILER,
                stale_before=cutoff,
            )
        except CallbackAPIError as exc:
            logger.warning("stale voice not settled", extra={"failure": str(exc)})
            sweep.errors += 1
            continue
        if not settled.applied:
            sweep.left += 1
        elif settled.error_type is None:
            sweep.settled += 1
        else:
            sweep.failed += 1
    return sweep
