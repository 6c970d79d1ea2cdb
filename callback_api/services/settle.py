"""Settling a story from how its RunPod job ended: one rule for the webhook and the reconciler.

Both learn of a job's end without the worker's direct callback: the webhook from RunPod's post
(an unsigned body), the reconciler from RunPod's status API after the story fell silent. Either
way, `JobEnds.settle` decides:

- A signed callback for this story in the job's output (`output.callback`, `endings.py`) is
  applied like a direct one.
- Without one, RunPod's status API is asked (`GET /status/{job_id}`) and its answer replaces
  the report: a body is unsigned, and a leaked webhook URL must not fail a running story.
- A running job (IN_QUEUE, IN_PROGRESS) leaves the story alone.
- FAILED, TIMED_OUT and CANCELLED without a callback fail the story that follows the job,
  while pending or processing (`worker_lost`, `job_timed_out`, `job_cancelled`; provisional:
  a signed callback of the same job supersedes it). Only RunPod's own word fails a story.
- Any other end (COMPLETED without a callback, an unknown status, a job RunPod no longer
  knows) fails the story with `worker_lost` only when it is known to be silent (`stale_before`,
  the reconciler's cutoff): a direct callback may still be on its way when the webhook fires.

RunPod's API failing to answer raises `RunPodUnavailableError` (the webhook answers 503, so
RunPod retries; the reconciler counts an error and tries again next pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from callback_api.core.errors import RunPodUnavailableError
from callback_api.services.endings import (
    EmbeddedCallbackError,
    EmbeddedCallbacks,
    TerminalCallback,
    interruption,
)
from callback_api.services.rules import Decision, InferredSource
from callback_api.services.runpod_api import (
    RUNNING,
    JobReport,
    JobStatus,
    RunPodClient,
    RunPodError,
    RunPodJobNotFoundError,
)
from callback_api.services.stories import StoryStore
from shared.errors import JobInterruptedError, WorkerLostError

NOT_FOUND = "NOT_FOUND"
"""Recorded as `runpod_status` when RunPod no longer knows the job (it keeps results briefly)."""


@dataclass(frozen=True)
class StoryJob:
    """The story a job's end is about, as the caller knows it."""

    story_id: str
    submission: int | None
    """The submission the job was for; None for a job submitted before numbers."""
    source: InferredSource
    stale_before: datetime | None = None
    """Set when the story has been silent since before then (the reconciler): any end without
    a callback then fails it, and the write re-checks that nobody wrote it since."""


@dataclass(frozen=True)
class Settlement:
    """What settling did: a `decision` of the store, or the `reason` nothing was decided."""

    decision: Decision | None = None
    reason: str | None = None
    """job_running, no_callback, unknown_status, no_job_id, unconfirmed, or why an embedded
    callback did not count (invalid_callback, signature_*, other_story)."""
    callback_type: str | None = None
    """The embedded callback that was applied."""
    error_type: str | None = None
    """The failure that was inferred and written (or found superseded)."""
    refused: str | None = None
    """Why an embedded callback did not count, even when the story was settled otherwise."""
    runpod_status: str | None = None


class JobEnds:
    """Settles stories from job reports; build once per store and RunPod client."""

    def __init__(
        self,
        store: StoryStore,
        embedded: EmbeddedCallbacks | None,
        runpod: RunPodClient | None,
    ) -> None:
        self._store = store
        self._embedded = embedded
        self._runpod = runpod

    async def settle(self, story: StoryJob, told: JobReport) -> Settlement:
        """Settle `story` from `told` (a webhook's body, or just the job id to ask about)."""
        report, confirmed = told, False
        callback, refused = self._callback(report, story.story_id)
        if callback is None and report.job_id is not None and self._runpod is not None:
            answer = await self._ask(report.job_id, story)
            if answer is None:
                return Settlement(reason="unconfirmed", refused=refused)
            report, confirmed = answer, True
            callback, refused = self._callback(report, story.story_id)
        if callback is not None:
            decision = await self._store.apply(callback)
            return Settlement(
                decision,
                callback_type=callback.callback_type.value,
                runpod_status=report.status,
            )
        return await self._without_callback(story, report, confirmed, refused)

    async def _without_callback(
        self, story: StoryJob, report: JobReport, confirmed: bool, refused: str | None
    ) -> Settlement:
        ignored = _Ignored(refused, report.status)
        if report.status in RUNNING:
            return ignored("job_running")
        error = interruption(report.status)
        if error is None:
            if story.stale_before is None:
                known = report.status in (None, JobStatus.COMPLETED)
                return ignored(refused or ("no_callback" if known else "unknown_status"))
            error = _silent_end(report.status)
        if report.job_id is None:
            return ignored("no_job_id")
        if not confirmed:
            return ignored("unconfirmed")
        decision = await self._store.interrupt(
            story.story_id,
            report.job_id,
            error,
            story.source,
            submission=story.submission,
            stale_before=story.stale_before,
        )
        return Settlement(
            decision,
            error_type=error.error_type.value,
            refused=refused,
            runpod_status=report.status,
        )

    def _callback(
        self, report: JobReport, story_id: str
    ) -> tuple[TerminalCallback | None, str | None]:
        """The report's authentic callback, or None and why an embedded one did not count."""
        if self._embedded is None:
            return None, None
        try:
            return self._embedded.of(report, story_id), None
        except EmbeddedCallbackError as exc:
            return None, exc.reason

    async def _ask(self, job_id: str, story: StoryJob) -> JobReport | None:
        """RunPod's own report of the job. A job RunPod does not know is None for a webhook (a
        forged body), and lost for a silent story (RunPod keeps a result 30 minutes)."""
        assert self._runpod is not None
        try:
            return await self._runpod.status(job_id)
        except RunPodJobNotFoundError:
            return None if story.stale_before is None else JobReport(job_id, NOT_FOUND, None)
        except RunPodError as exc:
            raise RunPodUnavailableError(str(exc)) from None


@dataclass(frozen=True)
class _Ignored:
    refused: str | None
    runpod_status: str | None

    def __call__(self, reason: str) -> Settlement:
        return Settlement(reason=reason, refused=self.refused, runpod_status=self.runpod_status)


def _silent_end(status: str | None) -> JobInterruptedError:
    return WorkerLostError(
        details=f"RunPod reported the job {status}; no callback arrived.",
        context={"runpod_status": status or "unknown"},
    )
