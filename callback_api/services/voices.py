"""Creating a voice, or trying one again: its `create_voice_profile` job submitted to RunPod.

    submitted = await submit_voice(request, voices=voices, settings=settings)

1. The upload was checked before (`RECORDING_LIMITS`, `shared.recordings`): nothing is written
   for a recording the worker would refuse.
2. One transaction hands the voice to its next submission (`VoiceStore.begin`): a new voice
   (`voices/{voice_id}`) or one of the user's own, tried again. Status `pending`. A repeat of
   the request joins the submission instead (below) and answers its voice and job.
3. `POST {endpoint}/run` with the recording inline (`reference_audio_base64`; RunPod's `/run`
   takes at most 10 MB, hence uploads of at most 7 MiB, `MAX_RECORDING_BYTES`), the
   submission number, the signed callback URLs (`/api/tts/voices/callback`, `…/error-callback`,
   `…/progress`), RunPod's completion webhook for this submission and an execution timeout.
   A superseded job still pending or processing is cancelled in RunPod (best effort).
4. The job id is recorded; a job overtaken meanwhile by a newer submission is cancelled.
   RunPod refusing fails the voice with `submission_failed` (provisional) and raises
   `SubmissionFailedError` (502).

Where jobs go is `targets.JobTarget`, narration's rule: without RunPod (or its local API in
development), `CALLBACK_API_PUBLIC_URL` or the signing secret nothing is written and the answer
is 503 `narration_unavailable`, the code narration answers: this API cannot submit jobs.

A new submission's commit whose answer is lost is read back (`VoiceStore.begin`): written, the
request goes on with it; else 503 `firestore_unavailable`, and nothing can land later.

Repeats (a double click, an upload retried after a lost answer) make one voice and one job.
The request's key is a hash, as narration's (stored as the voice's `request`, never the
recording): of the client's `Idempotency-Key` header (at most 255 characters), else of the
voice it names, its name, language and the recording's SHA-256.

- A new voice's id derives from the key (`candidate_ids`), so simultaneous repeats meet in
  one document and its transaction: the first creates the voice and submits its job, the
  others join it and wait for its job id (`JOIN_POLL_S`). If none comes in time (RunPod's
  timeout and two Firestore deadlines) while the voice still waits on that submission, its
  first request died before RunPod took the job: the repeat starts a new submission of the
  voice itself (`voice_rules.abandons`) rather than follow one without a job; 503
  `voice_pending` only when yet another submission took the voice meanwhile. With an
  `Idempotency-Key` a repeat always answers that voice and its current submission's job,
  whatever became of it (a submission RunPod refused answers 502 again: a new attempt needs a
  new key, or `voice_id` to try the voice again).
- Without a key, an identical upload joins only while the voice's submission is pending or
  processing and younger than `VOICE_JOIN_WINDOW_S`; later it makes another voice, at the
  next derived id (`MAX_DERIVED_IDS`, then a random one). Uploads that differ in a byte, the
  name or the language are different requests.
- Trying a voice again (`voice_id`) is keyed the same way, on that voice's document: a repeat
  joins its current submission rather than superseding (and cancelling) it.

A job that ends without its callback is settled from RunPod's own word (`voice_settle.py`):
its webhook, or `settle_stale_voices`, which the reconciler runs for voices silent too long.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import httpx

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError
from callback_api.services.rules import InferredSource, Outcome, SubmissionRequest
from callback_api.services.runpod_api import RunPodError, RunPodStatusError
from callback_api.services.submission import cancel_job, run_job
from callback_api.services.targets import JobTarget
from callback_api.services.voice_rules import BUSY, MISCONFIGURED, VoiceStatus, submission_of
from callback_api.services.voice_store import Begun, VoiceIdTakenError, VoiceStore
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
VOICE_JOIN_WINDOW_S = 60.0
"""Without an `Idempotency-Key`, an identical upload this soon after one still in flight joins
it: a second upload of several MiB may finish well after the first."""
MAX_DERIVED_IDS = 4
"""How many ids derived from a request's key a new voice tries before a random one."""
JOIN_POLL_S = 0.1
_PURPOSE = "runpod-voice-webhook-token/v1"


class VoicePendingError(CallbackAPIError):
    """A repeat joined a submission whose job id did not appear in time; asking again with
    the same request (or `Idempotency-Key`) answers its job."""

    status_code = 503
    public_message = "the voice is still being started, retry later"
    error_type = "voice_pending"
    outcome = "unavailable"


class VoicesUnavailableError(CallbackAPIError):
    """This API cannot submit jobs (`JobTarget.of` is None): narration's code, since the
    cause and its remedy (an operator's settings) are the same."""

    status_code = 503
    public_message = "creating voices is not available on this server, retry later"
    error_type = "narration_unavailable"
    outcome = "unavailable"


@dataclass(frozen=True)
class VoiceRequest:
    user_id: str
    name: str
    language: str
    recording: bytes = field(repr=False)
    voice_id: str | None = None
    """A voice of the user's to try again; None for a new one."""
    idempotency_key: str | None = None


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
    request: VoiceRequest, voice_id: str, submission: int, target: JobTarget
) -> dict[str, Any]:
    """RunPod's `/run` body for the voice's `submission`."""
    base_url = target.public_url.rstrip("/")
    api = base_url + VOICES_PATH
    token = webhook_token(target.secret, voice_id, submission)
    return {
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
        "webhook": f"{base_url}{WEBHOOK_PATH}/{voice_id}/{submission}/{token}",
    }


async def submit_voice(
    request: VoiceRequest,
    *,
    voices: VoiceStore,
    settings: Settings,
    http: httpx.AsyncClient | None = None,
) -> SubmittedVoice:
    """Steps 2 to 4 of the module's description."""
    target = JobTarget.of(settings)
    if target is None:
        raise VoicesUnavailableError(JobTarget.MISSING)
    made = request_key(request)
    voice_id, begun = await _begin(request, made, voices)
    if begun.joined:
        joined = await _joined(voices, voice_id, begun, settings)
        if joined is not None:
            return joined
        # The submission joined never got a job: its request died, or its commit landed after
        # it was told otherwise. Start another, rather than follow one without a job.
        logger.warning(
            "joined voice submission without a job; starting anew",
            extra={"voice_id": voice_id, "submission": begun.submission},
        )
        made = replace(made, at=datetime.now(UTC), abandoned=begun.submission)
        begun = await _restart(request, made, voices, voice_id)
        if begun.joined:
            joined = await _joined(voices, voice_id, begun, settings)
            if joined is None:
                raise VoicePendingError("joined voice submission has no job id yet")
            return joined
    body = voice_job_body(request, voice_id, begun.submission, target)
    async with httpx.AsyncClient(timeout=settings.runpod_timeout_seconds) as client:
        http = http or client
        if begun.superseded_job is not None:
            await cancel_job(target.endpoint_url, begun.superseded_job, target.api_key, http)
        try:
            job_id = await run_job(
                target.run_url, body, target.api_key, http, settings.runpod_timeout_seconds
            )
        except RunPodError as exc:
            error = submission_error(exc)
            await _fail_submission(voices, voice_id, begun.submission, error)
            raise error from None
        await _record(voices, voice_id, begun.submission, job_id, target, http)
    return SubmittedVoice(voice_id, job_id, begun.submission)


async def _record(
    voices: VoiceStore,
    voice_id: str,
    submission: int,
    job_id: str,
    target: JobTarget,
    http: httpx.AsyncClient,
) -> None:
    """Record the job's id; cancel the job if a newer submission took the voice meanwhile (a
    repeat that gave up waiting on this one): its callbacks would all be stale."""
    try:
        recorded = await voices.record_job(voice_id, submission, job_id)
    except CallbackAPIError as exc:  # its callbacks carry the number and record the id
        logger.warning("voice job id not recorded", extra={"job_id": job_id, "failure": str(exc)})
        return
    if recorded.outcome in (Outcome.STALE, Outcome.CONFLICT):
        logger.warning("voice job overtaken; cancelled", extra={"voice_id": voice_id})
        await cancel_job(target.endpoint_url, job_id, target.api_key, http)


def request_key(request: VoiceRequest) -> SubmissionRequest:
    """The request's key (see the module): hashed as narration hashes its requests, with
    this module's window."""
    subject = {
        "voice_id": request.voice_id,
        "name": request.name,
        "language": request.language,
        "recording_sha256": hashlib.sha256(request.recording).hexdigest(),
    }
    scope = f"voices/{request.voice_id or ''}"  # a key given for a creation and a retry differ
    key = request.idempotency_key
    hashed: Any = {"idempotency_key": key} if key else subject
    canonical = json.dumps([request.user_id, scope, hashed], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    return SubmissionRequest(digest, datetime.now(UTC), key is not None, VOICE_JOIN_WINDOW_S)


def candidate_ids(key: str) -> Iterator[str]:
    """A new voice's ids, in order: derived from the request's key, then a random one."""
    for hop in range(MAX_DERIVED_IDS):
        yield hashlib.sha256(f"voice-id/{hop}/{key}".encode()).hexdigest()[:32]
    yield uuid.uuid4().hex


async def _begin(
    request: VoiceRequest, made: SubmissionRequest, voices: VoiceStore
) -> tuple[str, Begun]:
    """The voice's next submission, or the one a repeat of `request` joins."""
    fields = (request.user_id, request.name, request.language, made)
    if request.voice_id is not None:
        return request.voice_id, await voices.begin(request.voice_id, *fields, new=False)
    for voice_id in candidate_ids(made.key):
        try:
            return voice_id, await voices.begin(voice_id, *fields, new=True, named_by_key=True)
        except VoiceIdTakenError:
            continue  # an earlier voice of the same upload, over: the next id
    raise AssertionError("unreachable: a random id is not taken")


async def _restart(
    request: VoiceRequest, made: SubmissionRequest, voices: VoiceStore, voice_id: str
) -> Begun:
    """`voice_id`'s next submission, for a repeat that abandons the one it joined (`made`)."""
    fields = (request.user_id, request.name, request.language, made)
    new = request.voice_id is None
    try:
        return await voices.begin(voice_id, *fields, new=new, named_by_key=new)
    except VoiceIdTakenError:  # another request's submission since: asked again, decided anew
        raise VoicePendingError("voice taken by another request meanwhile") from None


async def _joined(
    voices: VoiceStore, voice_id: str, begun: Begun, settings: Settings
) -> SubmittedVoice | None:
    """The job of the submission a repeat joined, once its first request recorded it; None if
    none came in time (RunPod's timeout and two Firestore deadlines) while the voice still
    waits on that submission."""
    if begun.job_id is not None:
        return SubmittedVoice(voice_id, begun.job_id, begun.submission)
    wait_s = settings.runpod_timeout_seconds + 2 * settings.firestore_timeout_seconds
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        await asyncio.sleep(JOIN_POLL_S)
        voice = await voices.get(voice_id) or {}
        if submission_of(voice) != begun.submission:  # tried again since: not this one's job
            raise VoicePendingError("joined voice submission superseded")
        job_id = voice.get("jobId")
        if isinstance(job_id, str):
            return SubmittedVoice(voice_id, job_id, begun.submission)
        if voice.get("status") == VoiceStatus.FAILED:
            message = voice.get("error")
            raise SubmissionFailedError(message if isinstance(message, str) else BUSY)
    return None


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
