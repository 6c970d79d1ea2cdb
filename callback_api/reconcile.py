"""Settle stories whose job ended unheard: `python -m callback_api.reconcile [--loop --interval S]`.

A job's last hop (its terminal callback, then RunPod's webhook) fails when the API or
Firestore is down as the job ends, e.g. during a redeploy. RunPod itself still knows how the
job ended: its status API returns a finished `/run` job, with its output, for 30 minutes
(`RUNPOD_RESULT_RETENTION_S`), and the output carries the worker's signed terminal callback.
So every story still `processing`, or `pending` with a job id, whose `updatedAt` is older than
`RECONCILE_STALE_AFTER_S` (default 300 s: a running job reports progress at least every
`PROGRESS_HEARTBEAT_S`, 60 s) is decided by RunPod's status of its job, oldest first:

- IN_QUEUE or IN_PROGRESS leave the story alone;
- an output with the worker's signed callback settles it, with the same verification and rules
  as the webhook: a COMPLETED job's success makes it `ready`, a failed job's error fails it
  with the worker's own error;
- TIMED_OUT fails it with `job_timed_out`, CANCELLED with `job_cancelled`, anything else
  (FAILED or COMPLETED without a callback, a job RunPod no longer knows) with `worker_lost`;
- when RunPod cannot be asked, the story is left for the next pass and the pass counts an error.

A story numbered by the submission helper and still `pending` without a job (the helper died
between its two writes, or could not record RunPod's refusal) fails with `submission_failed`.

Settle window: with a pass every minute (the default `--interval`), a story whose job ended
while the API was down is settled within `RECONCILE_STALE_AFTER_S` + one interval (6 minutes)
of its last write, or within one interval of Firestore's return when that is later: well
inside RunPod's 30 minutes. `RECONCILE_STALE_AFTER_S` is capped at 15 minutes and `--interval`
at 5, so that no setting pushes the window past RunPod's retention.

RunPod's status API is required outside local development (`core/config.py`). Without it
(`CALLBACK_API_DEV_MODE`), a silent `processing` story fails with `worker_lost` and a `pending`
one with a job is left alone, since a queued job cannot be told from a lost one.

Every failure is written in a transaction that re-checks the story (still pending or
processing, same job, not written since it was found) and is provisional: a signed callback of
the same job still supersedes it. One pass exits 0, or 1 if any story could not be handled, for
a scheduler (cron, Cloud Scheduler + Cloud Run jobs); `--loop` runs until SIGTERM or SIGINT.
The query needs the composite index in `firestore.indexes.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError
from callback_api.core.logging import configure_logging
from callback_api.services.endings import EmbeddedCallbackError, EmbeddedCallbacks, interruption
from callback_api.services.rules import AudioStatus, InferredSource, Outcome
from callback_api.services.runpod_api import (
    RUNNING,
    JobReport,
    RunPodClient,
    RunPodError,
    RunPodJobNotFoundError,
    runpod_client,
)
from callback_api.services.stories import StaleStory, StoryStore, opened_store
from shared.errors import JobInterruptedError, SubmissionFailedError, WorkerLostError

logger = logging.getLogger("callback_api.reconcile")

NOT_FOUND = "NOT_FOUND"
"""Recorded as `runpod_status` when RunPod no longer knows the job (it keeps results briefly)."""


@dataclass
class Summary:
    checked: int = 0
    failed: int = 0
    """Marked failed with an inferred error."""
    settled: int = 0
    """Settled by the signed callback found in the job's RunPod output."""
    left: int = 0
    """Still running per RunPod, or written since the pass found it."""
    errors: int = 0
    """RunPod or Firestore could not be asked; the next pass tries again."""

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        return " ".join(f"{field.name}={getattr(self, field.name)}" for field in fields(self))


class Reconciler:
    def __init__(
        self,
        store: StoryStore,
        *,
        stale_after: timedelta,
        runpod: RunPodClient | None = None,
        embedded: EmbeddedCallbacks | None = None,
    ) -> None:
        self._store = store
        self._stale_after = stale_after
        self._runpod = runpod
        self._embedded = embedded

    async def run_once(self, now: datetime | None = None) -> Summary:
        """One pass over every story waiting without a callback for `stale_after`."""
        cutoff = (now or datetime.now(UTC)) - self._stale_after
        summary = Summary()
        async for story in self._store.waiting_before(cutoff):
            summary.checked += 1
            try:
                outcome = await self._settle(story, cutoff)
            except (CallbackAPIError, RunPodError) as exc:
                logger.error(
                    "story not reconciled",
                    extra={"story_id": story.story_id, "job_id": story.job_id, "failure": str(exc)},
                )
                outcome = "errors"
            summary.add(outcome)
        return summary

    async def _settle(self, story: StaleStory, cutoff: datetime) -> str:
        silent_for = f"{self._stale_after.total_seconds():.0f} s"
        error: JobInterruptedError
        if self._runpod is not None and story.job_id is not None:
            try:
                report = await self._runpod.status(story.job_id)
            except RunPodJobNotFoundError:
                report = JobReport(story.job_id, NOT_FOUND, None)
            if report.status in RUNNING:
                return self._log(story, "left", runpod_status=report.status)
            if await self._settled_by_callback(story, report):
                return self._log(story, "settled", runpod_status=report.status)
            error = interruption(report.status) or WorkerLostError(
                details=f"RunPod reported the job {report.status}; no callback arrived.",
                context={"runpod_status": report.status or "unknown"},
            )
        elif story.status is AudioStatus.PENDING:
            if story.job_id is not None or story.submission is None:
                return self._log(story, "left")  # without RunPod, queued looks like lost
            error = SubmissionFailedError(details=f"No job was recorded for {silent_for}.")
        else:
            error = WorkerLostError(details=f"The job sent no callback for {silent_for}.")
        decision = await self._store.interrupt(
            story.story_id,
            story.job_id,
            error,
            InferredSource.RECONCILER,
            submission=story.submission,
            stale_before=cutoff,
        )
        outcome = "failed" if decision.outcome is Outcome.APPLIED else "left"
        return self._log(story, outcome, error_type=error.error_type.value)

    async def _settled_by_callback(self, story: StaleStory, report: JobReport) -> bool:
        if self._embedded is None:
            return False
        try:
            callback = self._embedded.of(report, story.story_id)
        except EmbeddedCallbackError as exc:
            logger.warning(
                "embedded callback refused",
                extra={"story_id": story.story_id, "job_id": story.job_id, "failure": exc.reason},
            )
            return False
        if callback is None:
            return False
        await self._store.apply(callback)  # applied, or the story already has its outcome
        return True

    @staticmethod
    def _log(story: StaleStory, outcome: str, **extra: str | None) -> str:
        logger.info(
            "story %s",
            outcome,
            extra={"story_id": story.story_id, "job_id": story.job_id, "outcome": outcome, **extra},
        )
        return outcome


MAX_INTERVAL_S = 300.0
"""The longest `--interval`: with `RECONCILE_STALE_AFTER_S` at most 15 minutes, a finished
job is settled within 20 minutes of its story's last write, inside RunPod's 30."""


def _interval(value: str) -> float:
    seconds = float(value)
    if not 0 < seconds <= MAX_INTERVAL_S:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most {MAX_INTERVAL_S:.0f} s")
    return seconds


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Settle stories whose job ended unheard.")
    parser.add_argument("--loop", action="store_true", help="run a pass every --interval s")
    parser.add_argument(
        "--interval", type=_interval, default=60.0, help="seconds between passes (at most 300)"
    )
    return parser.parse_args(argv)


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Reconciler]:
    """A reconciler over the configured Firestore and RunPod, closed on the way out."""
    async with opened_store(settings) as store:
        runpod = runpod_client(settings)
        try:
            yield Reconciler(
                store,
                stale_after=timedelta(seconds=settings.reconcile_stale_after_s),
                runpod=runpod,
                embedded=EmbeddedCallbacks.for_settings(settings),
            )
        finally:
            if runpod is not None:
                await runpod.aclose()


async def run(settings: Settings, *, loop: bool = False, interval: float = 60.0) -> int:
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    failed_passes = 0
    async with opened(settings) as reconciler:
        while not stop.is_set():
            failed_passes += not await _one_pass(reconciler)
            if not loop:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
    return 1 if failed_passes and not loop else 0


async def _one_pass(reconciler: Reconciler) -> bool:
    """Run and log one pass; whether every story could be handled."""
    try:
        summary = await reconciler.run_once()
    except CallbackAPIError as exc:
        logger.error("reconcile pass failed", extra={"failure": str(exc)})
        return False
    except Exception:  # e.g. expired credentials: the next pass may do better, so keep looping
        logger.exception("reconcile pass failed")
        return False
    counts = {field.name: getattr(summary, field.name) for field in fields(summary)}
    logger.info("reconciled: %s", summary.line(), extra=counts)
    return summary.errors == 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = Settings()
    configure_logging(settings.log_level)
    return asyncio.run(run(settings, loop=args.loop, interval=args.interval))


if __name__ == "__main__":
    sys.exit(main())
