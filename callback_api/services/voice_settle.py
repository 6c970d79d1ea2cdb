"""Settling a voice whose `create_voice_profile` job ended without its callback.

Only RunPod's own word (its status API, asked with the API key) settles a voice here: RunPod's
completion webhook (`POST /api/tts/voices/webhook/{voice_id}/{submission}/{token}`, unsigned)
only says which job to ask about. `settle_stale_voices` is the reconciler's pass over voices
pending or processing and silent for too long.

- IN_QUEUE, IN_PROGRESS: left alone.
- COMPLETED with the worker's result in its output: `ready`, exactly as its signed callback
  would have made it.
- FAILED: `worker_lost`; TIMED_OUT: `job_timed_out`; CANCELLED: `job_cancelled`.
- Any other end, or a job RunPod no longer knows (it keeps results 30 minutes): `worker_lost`,
  but only once the voice has been silent since the reconciler's cutoff.
- A voice pending without a job (its submission died between its two writes):
  `submission_failed`.

Each failure is provisional (`errorSource` `runpod_webhook` or `reconciler`): a signed callback of
the same submission still replaces it (`voice_rules.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from callback_api.core.errors import CallbackAPIError, RunPodUnavailableError
from callback_api.services.rules import InferredSource
from callback_api.services.runpod_api import (
    RUNNING,
    JobReport,
    JobStatus,
    RunPodClient,
    RunPodError,
    RunPodJobNotFoundError,
)
from callback_api.services.voice_rules import BUSY, CANCELLED, LOST, TIMED_OUT, VoiceStatus
from callback_api.services.voice_store import VoiceStore
from shared.errors import (
    JobCancelledError,
    JobInterruptedError,
    JobTimedOutError,
    SubmissionFailedError,
    WorkerLostError,
)
from shared.voice_job_input import VoiceProfileCallbackRequest

logger = logging.getLogger("callback_api.voices")


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
