"""Settling stories whose job ended unheard: the reconciler, its passes and its loop in the API.

A job's last hop (its terminal callback, then RunPod's webhook) fails when the API or
Firestore is down as the job ends, e.g. during a redeploy. RunPod itself still knows how the
job ended: its status API returns a finished `/run` job, with its output, for 30 minutes
(`RUNPOD_RESULT_RETENTION_S`), and the output carries the worker's signed terminal callback.
So every story still `processing`, or `pending` with a job id, whose `updatedAt` is older than
`RECONCILE_STALE_AFTER_S` (default 300 s: a running job reports progress at least every
`PROGRESS_HEARTBEAT_S`, 60 s) is decided by RunPod's status of its job, oldest first, by the
rule the webhook uses too (`settle.py`):

- IN_QUEUE or IN_PROGRESS leave the story alone;
- an output with the worker's signed callback settles it, with the same verification and rules
  as the webhook: a COMPLETED job's success makes it `ready`, a failed job's error fails it
  with the worker's own error;
- TIMED_OUT fails it with `job_timed_out`, CANCELLED with `job_cancelled`, anything else
  (FAILED or COMPLETED without a callback, a job RunPod no longer knows) with `worker_lost`;
- when RunPod cannot be asked, the story is left for the next pass and the pass counts an error.

A story numbered by the submission helper and still `pending` without a job (the helper died
between its two writes, or could not record RunPod's refusal) fails with `submission_failed`.

Where it runs: inside the API (`reconciling()`, started by `main.py`), a pass every
`RECONCILE_INTERVAL_S` on the one replica that holds the lease (`lease.py`, document
`{RECONCILE_LEASE_COLLECTION}/reconciler`); through `POST /api/tts/reconcile` for a scheduler
where instances scale to zero; or as `python -m callback_api.reconcile` (cron, Cloud Run jobs).
The command does not take the lease: a pass beside another is safe, only wasted work, since
every write re-checks the story in its transaction.

Settle window: with a pass every minute, a story whose job ended while the API was down is
settled within `RECONCILE_STALE_AFTER_S` + one interval (6 minutes) of its last write, or
within one interval of Firestore's return when that is later: well inside RunPod's 30 minutes.
When the replica holding the lease dies, another takes over within `RECONCILE_LEASE_S` (150 s)
more. The caps (`RECONCILE_STALE_AFTER_S` 15 minutes, the interval 5, the lease 7.5) keep every
setting inside RunPod's retention.

RunPod's status API is required outside local development (`core/config.py`). Without it
(`CALLBACK_API_DEV_MODE`), a silent `processing` story fails with `worker_lost` and a `pending`
one with a job is left alone, since a queued job cannot be told from a lost one.

Every failure is written in a transaction that re-checks the story (still pending or
processing, same job, not written since it was found) and is provisional: a signed callback of
the same job still supersedes it. The query needs the composite index in
`firestore.indexes.json`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Literal, TypedDict

from prometheus_client import Counter

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.services.endings import EmbeddedCallbacks
from callback_api.services.lease import Lease
from callback_api.services.rules import AudioStatus, InferredSource, Outcome
from callback_api.services.runpod_api import JobReport, RunPodClient, runpod_client
from callback_api.services.settle import JobEnds, Settlement, StoryJob
from callback_api.services.stories import StaleStory, StoryStore, opened_store
from callback_api.services.voice_settle import VoiceSweep, settle_stale_voices
from callback_api.services.voice_store import VoiceStore
from shared.errors import JobInterruptedError, SubmissionFailedError, WorkerLostError

logger = logging.getLogger("callback_api.reconcile")

LEASE_NAME = "reconciler"
"""The lease's document id in `RECONCILE_LEASE_COLLECTION`."""

StoryOutcome = Literal["failed", "settled", "left", "errors"]
Trigger = Literal["loop", "endpoint"]


class StoryCounts(TypedDict):
    """A summary's story counts, as its line, its log record and the endpoint give them."""

    checked: int
    failed: int
    settled: int
    left: int
    errors: int


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
    voices: VoiceSweep = field(default_factory=VoiceSweep)
    """The same for voices (`voice_settle.py`), which end unheard as stories do."""

    def add(self, outcome: StoryOutcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def line(self) -> str:
        return " ".join(f"{name}={count}" for name, count in self.counts().items())

    def counts(self) -> StoryCounts:
        """The stories' counts."""
        return StoryCounts(
            checked=self.checked,
            failed=self.failed,
            settled=self.settled,
            left=self.left,
            errors=self.errors,
        )

    @property
    def complete(self) -> bool:
        """Whether every story and voice could be handled."""
        return self.errors == 0 and self.voices.errors == 0


class Reconciler:
    def __init__(
        self,
        store: StoryStore,
        *,
        stale_after: timedelta,
        runpod: RunPodClient | None = None,
        embedded: EmbeddedCallbacks | None = None,
        voices: VoiceStore | None = None,
    ) -> None:
        self._store = store
        self._stale_after = stale_after
        self._runpod = runpod
        self._ends = JobEnds(store, embedded, runpod)
        self._voices = voices

    async def run_once(self, now: datetime | None = None) -> Summary:
        """One pass over every story, then every voice, waiting without a callback for
        `stale_after`."""
        now = now or datetime.now(UTC)
        summary = await self._stories(now - self._stale_after)
        if self._voices is not None:
            stale_after_s = self._stale_after.total_seconds()
            summary.voices = await settle_stale_voices(
                self._voices, self._runpod, stale_after_s=stale_after_s, now=now
            )
        return summary

    async def _stories(self, cutoff: datetime) -> Summary:
        summary = Summary()
        async for story in self._store.waiting_before(cutoff):
            summary.checked += 1
            try:
                outcome = await self._settle(story, cutoff)
            except CallbackAPIError as exc:
                logger.error(
                    "story not reconciled",
                    extra={"story_id": story.story_id, "job_id": story.job_id, "failure": str(exc)},
                )
                outcome = "errors"
            summary.add(outcome)
        return summary

    async def _settle(self, story: StaleStory, cutoff: datetime) -> StoryOutcome:
        if self._runpod is not None and story.job_id is not None:
            job = StoryJob(story.story_id, story.submission, InferredSource.RECONCILER, cutoff)
            settlement = await self._ends.settle(job, JobReport(story.job_id, None, None))
            return self._by_runpod(story, settlement)
        error = self._inferred_without_runpod(story)
        if error is None:
            return _logged(story, "left")  # without RunPod, queued looks like lost
        decision = await self._store.interrupt(
            story.story_id,
            story.job_id,
            error,
            InferredSource.RECONCILER,
            submission=story.submission,
            stale_before=cutoff,
        )
        outcome: StoryOutcome = "failed" if decision.outcome is Outcome.APPLIED else "left"
        return _logged(story, outcome, error_type=error.error_type.value)

    def _by_runpod(self, story: StaleStory, settlement: Settlement) -> StoryOutcome:
        if settlement.refused is not None:
            logger.warning(
                "embedded callback refused",
                extra={
                    "story_id": story.story_id,
                    "job_id": story.job_id,
                    "failure": settlement.refused,
                },
            )
        outcome: StoryOutcome = "left"
        if settlement.callback_type is not None:
            outcome = "settled"  # applied, or the story already has its outcome
        elif settlement.decision is not None and settlement.decision.outcome is Outcome.APPLIED:
            outcome = "failed"
        return _logged(
            story,
            outcome,
            runpod_status=settlement.runpod_status,
            error_type=settlement.error_type,
        )

    def _inferred_without_runpod(self, story: StaleStory) -> JobInterruptedError | None:
        silent_for = f"{self._stale_after.total_seconds():.0f} s"
        if story.status is AudioStatus.PENDING:
            if story.job_id is not None or story.submission is None:
                return None
            return SubmissionFailedError(details=f"No job was recorded for {silent_for}.")
        return WorkerLostError(details=f"The job sent no callback for {silent_for}.")


def _logged(story: StaleStory, outcome: StoryOutcome, **extra: str | None) -> StoryOutcome:
    logger.info(
        "story %s",
        outcome,
        extra={"story_id": story.story_id, "job_id": story.job_id, "outcome": outcome, **extra},
    )
    return outcome


def log_summary(summary: Summary) -> None:
    logger.info("reconciled: %s", summary.line(), extra=summary.counts())
    voices = {f"voices_{f.name}": getattr(summary.voices, f.name) for f in fields(summary.voices)}
    if any(voices.values()):
        logger.info("voices reconciled", extra=voices)


async def logged_pass(reconciler: Reconciler) -> bool:
    """Run and log one pass; whether every story could be handled."""
    try:
        summary = await reconciler.run_once()
    except CallbackAPIError as exc:
        logger.error("reconcile pass failed", extra={"failure": str(exc)})
        return False
    except Exception:  # e.g. expired credentials: the next pass may do better, so keep looping
        logger.exception("reconcile pass failed")
        return False
    log_summary(summary)
    return summary.complete


@contextlib.asynccontextmanager
async def opened(settings: Settings) -> AsyncIterator[Reconciler]:
    """A reconciler over the configured Firestore and RunPod, closed on the way out."""
    async with opened_store(settings) as store:
        runpod = runpod_client(settings)
        try:
            yield _reconciler(settings, store, runpod)
        finally:
            if runpod is not None:
                await runpod.aclose()


def _reconciler(settings: Settings, store: StoryStore, runpod: RunPodClient | None) -> Reconciler:
    return Reconciler(
        store,
        stale_after=timedelta(seconds=settings.reconcile_stale_after_s),
        runpod=runpod,
        embedded=EmbeddedCallbacks.for_settings(settings),
        voices=VoiceStore.sharing(store, settings),
    )


# --- in the API: one pass at a time, across replicas --------------------------------------


class Passes:
    """Runs reconcile passes one at a time: in this process by a lock, across replicas by the
    lease. `passes` counts each attempt by trigger and outcome (`ok`, `errors`: some story
    could not be handled, `skipped`: another pass was running, `failed`: the pass raised)."""

    def __init__(self, reconciler: Reconciler, lease: Lease, passes: Counter) -> None:
        self._reconciler = reconciler
        self._lease = lease
        self._passes = passes
        self._lock = asyncio.Lock()

    async def run(self, trigger: Trigger) -> Summary | None:
        """One pass; None when another pass holds the lock or the lease. Raises what the pass
        or the lease raised (counted `failed`)."""
        summary = None
        if not self._lock.locked():
            async with self._lock:
                try:
                    summary = await self._leased_pass()
                except Exception:
                    self._count(trigger, "failed")
                    raise
        if summary is None:
            self._count(trigger, "skipped")
            return None
        log_summary(summary)
        self._count(trigger, "ok" if summary.complete else "errors")
        return summary

    async def _leased_pass(self) -> Summary | None:
        if not await self._lease.take():
            return None
        renewing = asyncio.create_task(self._renew())
        try:
            return await self._reconciler.run_once()
        finally:
            renewing.cancel()

    async def _renew(self) -> None:
        """Keeps the lease through a long pass: renewed every third of its length."""
        period = self._lease.duration.total_seconds() / 3
        while True:
            await asyncio.sleep(period)
            try:
                kept = await self._lease.take()
            except CallbackAPIError as exc:
                logger.warning("reconciler lease not renewed", extra={"failure": str(exc)})
                continue
            if not kept:
                logger.warning("reconciler lease taken over during a pass")

    def _count(self, trigger: Trigger, outcome: str) -> None:
        self._passes.labels(trigger=trigger, outcome=outcome).inc()

    async def release(self) -> None:
        await self._lease.release()


async def _loop(passes: Passes, interval: float) -> None:
    """A pass every `interval` seconds, the first one `interval` after start-up; a pass that
    fails is logged and counted, and the loop goes on."""
    while True:
        await asyncio.sleep(interval)
        try:
            await passes.run("loop")
        except CallbackAPIError as exc:
            logger.error("reconcile pass failed", extra={"failure": str(exc)})
        except Exception:  # a bug or an unforeseen failure: the next pass may do better
            logger.exception("reconcile pass failed")


@contextlib.asynccontextmanager
async def reconciling(
    settings: Settings, store: StoryStore, runpod: RunPodClient | None, passes: Counter
) -> AsyncIterator[Passes]:
    """The API's reconciler over its store and RunPod client, looping in the background when
    `RECONCILE_IN_API`; on the way out the loop stops at once (a pass in flight is cancelled,
    its writes are transactions) and the lease is released."""
    client, firebase_app = open_firestore(settings)
    lease = Lease(
        client,
        settings.reconcile_lease_collection,
        LEASE_NAME,
        duration=timedelta(seconds=settings.reconcile_lease_s),
        timeout=settings.firestore_timeout_seconds,
    )
    runner = Passes(_reconciler(settings, store, runpod), lease, passes)
    loop = None
    if settings.reconcile_in_api:
        loop = asyncio.create_task(_loop(runner, settings.reconcile_interval_s))
    try:
        yield runner
    finally:
        if loop is not None:
            loop.cancel()
            await asyncio.wait({loop})
        await runner.release()
        close_firestore(firebase_app)
