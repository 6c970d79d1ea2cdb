"""Applying callbacks to story documents, each inside one Firestore transaction.

The transaction reads the story, lets `rules.decide()` choose, and writes only when the callback
applies, so concurrent callbacks (on any number of API instances) cannot undo each other.
Within one process, callbacks for the same story also wait their turn on a per-story lock: that
costs nothing when stories differ and spares the transactions from fighting over one document.

Every Firestore call runs under one deadline. Past it, or on a transient Firestore error, the
caller gets `FirestoreUnavailableError` (answered 503 + Retry-After); a write that completes after
the deadline is harmless, since the retried callback will then be a duplicate.

When Firestore refuses a callback's write for its content (the story document would exceed
1 MiB), the callback is written again without its pass-through metadata and error details, so
that the story still reaches its state; only if that is refused too does the caller get
`FirestoreRequestError`.

A commit whose answer is lost is ambiguous: the write may have landed. A connection reset after
the commit reached Firestore makes the client retry the commit of a transaction that no longer
exists, which Firestore answers INVALID_ARGUMENT ("Transaction is invalid or closed"); a
deadline that passes during the commit loses the answer outright. Either way the story is read
back before anyone is answered: if it holds what the transaction wrote, the decision stands
(a written callback is answered `applied`, never `conflict` or 422); if not, the error does.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud.firestore import AsyncClient, AsyncDocumentReference, AsyncQuery
from google.cloud.firestore_v1 import SERVER_TIMESTAMP, FieldFilter
from tenacity import AsyncRetrying

from callback_api.core.config import Settings
from callback_api.core.errors import FirestoreRequestError, FirestoreUnavailableError
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.services.inferred_failure_rules import decide_interrupted
from callback_api.services.rules import (
    AudioStatus,
    Decision,
    InferredSource,
    Outcome,
    SubmissionRequest,
    decide,
    submission_of,
    without_passthrough,
)
from callback_api.services.story_transactions import (
    Admission,
    Choice,
    Commit,
    PlainAdmission,
    begin_and_write,
    decide_and_write,
    fence,
)
from callback_api.services.submission_rules import decide_job_recorded, decide_submission
from callback_api.services.transactions import Deadline, KeyedLock, while_contended
from shared.callbacks import TTSCallbackRequest
from shared.errors import JobInterruptedError

T = TypeVar("T")

logger = logging.getLogger("callback_api.stories")

READY_PROBE_ID = "_ready_probe"


@dataclass(frozen=True)
class StaleStory:
    """A story found by `StoryStore.waiting_before`."""

    story_id: str
    status: AudioStatus
    job_id: str | None
    submission: int | None = None


@dataclass(frozen=True)
class Begun:
    """A story handed to `submission` by `StoryStore.begin_request`, or joined to it."""

    submission: int
    joined: bool
    previous_status: str | None
    """The story's status before, to tell whether an earlier job may still be running."""
    previous_job_id: str | None
    """The job the story followed before (joined: the submission's own job, if recorded)."""
    written_at: datetime | None = None
    """When our transaction wrote the story (None if joined or read back): `record_job`
    writes the job id with one call while the story is unchanged since."""


class StoryStore:
    """The stories collection: each decision in one Firestore transaction, in turn per story,
    under one deadline; a commit whose answer is lost read back (see the module docstring)."""

    def __init__(
        self,
        client: AsyncClient,
        collection: str,
        *,
        timeout: float,
        transaction_attempts: int,
        on_firestore_error: Callable[[str], None] = lambda kind: None,
    ) -> None:
        self._client = client
        self._collection = client.collection(collection)
        self._timeout = timeout
        self._attempts = transaction_attempts
        self._deadline = Deadline(timeout, on_firestore_error)
        self._locks = KeyedLock()
        self._user_locks = KeyedLock()  # `Admission.lock_key`s

    @classmethod
    def for_settings(
        cls,
        client: AsyncClient,
        settings: Settings,
        on_firestore_error: Callable[[str], None] = lambda kind: None,
    ) -> StoryStore:
        return cls(
            client,
            settings.stories_collection,
            timeout=settings.firestore_timeout_seconds,
            transaction_attempts=settings.firestore_transaction_attempts,
            on_firestore_error=on_firestore_error,
        )

    async def apply(self, callback: TTSCallbackRequest) -> Decision:
        """Apply `callback` to its story; raises `StoryNotFoundError` or a Firestore error."""
        try:
            return await self._decided(callback.story_id, lambda story: decide(callback, story))
        except FirestoreRequestError as exc:
            lean = without_passthrough(callback)
            if lean == callback:
                raise
            logger.warning(
                "callback written without its metadata",
                extra={
                    "story_id": callback.story_id,
                    "job_id": callback.job_id,
                    "failure": exc.kind,
                },
            )
            return await self._decided(lean.story_id, lambda story: decide(lean, story))

    async def interrupt(
        self,
        story_id: str,
        job_id: str | None,
        error: JobInterruptedError,
        source: InferredSource,
        *,
        submission: int | None = None,
        stale_before: datetime | None = None,
    ) -> Decision:
        """Fail the story with an inferred error (`inferred_failure_rules.decide_interrupted`)."""

        def choose(story: Mapping[str, Any]) -> Decision:
            return decide_interrupted(
                job_id, error, story, source, submission=submission, stale_before=stale_before
            )

        return await self._decided(story_id, choose)

    async def begin_submission(self, story_id: str) -> int:
        """Hand the story to a new submission (`submission_rules.decide_submission`); its number."""
        # Not read back: a competing click writes the same next number, so the story holding
        # it would not tell whose write landed; the caller learns the failure instead.
        decision = await self._decided(story_id, decide_submission, read_back=False)
        return int(decision.updates["audioSubmission"])

    async def begin_request(self, story_id: str, request: SubmissionRequest | Admission) -> Begun:
        """`begin_submission` for an app's request: a repeat of the request that made the
        current submission joins it (`submission_rules.joins`). The request's key is written
        with the number, so a commit whose answer is lost is read back: our key on the story,
        ours.
        An `Admission` reads its documents with the story and writes with it, in one
        transaction: a refusal it raises writes nothing."""
        admission = PlainAdmission(request) if isinstance(request, SubmissionRequest) else request
        seen: dict[str, Any] = {}
        commit = Commit(fenced=True)
        work = self._begin_in_turn(story_id, admission, commit, seen)
        try:
            decision = await self._deadline.call(work)
        except (FirestoreUnavailableError, FirestoreRequestError) as exc:
            if commit.decision is None:
                raise  # failed before anything was committed
            decision = await self._read_back(story_id, commit, exc)
        if decision.outcome is Outcome.DUPLICATE:
            number = submission_of(seen)
            assert number is not None  # joins() holds only for a numbered story
            return Begun(number, True, seen.get("audioStatus"), seen.get("audioJobId"))
        return Begun(
            int(decision.updates["audioSubmission"]),
            False,
            seen.get("audioStatus"),
            seen.get("audioJobId"),
            commit.written_at,
        )

    async def _begin_in_turn(
        self, story_id: str, admission: Admission, commit: Commit, seen: dict[str, Any]
    ) -> Decision:
        ref = self._collection.document(story_id)
        key = admission.lock_key
        user_turn = self._user_locks.hold(key) if key is not None else nullcontext()
        async with self._locks.hold(story_id), user_turn:
            async for attempt in self._while_contended():
                with attempt:
                    return await begin_and_write(
                        self._client, ref, admission, self._timeout, commit, seen
                    )
        raise AssertionError("unreachable: the retrying loop returns or raises")

    async def _record_if_unchanged(self, story_id: str, job_id: str, written_at: datetime) -> bool:
        ref = self._collection.document(story_id)
        unchanged = self._client.write_option(last_update_time=written_at)
        updates = {"audioJobId": job_id, "updatedAt": SERVER_TIMESTAMP}
        try:
            await ref.update(updates, option=unchanged, timeout=self._timeout)
        except google_exceptions.FailedPrecondition:
            return False  # written since: decided by the rule in a transaction
        return True

    async def read(self, story_id: str, fields: list[str]) -> dict[str, Any] | None:
        """The story's `fields` (absent ones left out), None when there is no such story."""
        ref = self._collection.document(story_id)
        snapshot = await self._deadline.call(ref.get(fields, timeout=self._timeout))
        return (snapshot.to_dict() or {}) if snapshot.exists else None

    @property
    def client(self) -> AsyncClient:
        return self._client

    @property
    def timeout(self) -> float:
        return self._timeout

    async def record_job(
        self, story_id: str, submission: int, job_id: str, written_at: datetime | None = None
    ) -> Decision:
        """Record the job RunPod accepted for `submission` (`submission_rules.decide_job_recorded`).

        With `written_at` (`Begun.written_at`), one write on the condition that the story is
        as the submission left it, which is exactly when the rule applies; else a transaction."""
        if written_at is not None and await self._deadline.call(
            self._record_if_unchanged(story_id, job_id, written_at)
        ):
            return Decision(Outcome.APPLIED, {"audioJobId": job_id})
        return await self._decided(
            story_id, lambda story: decide_job_recorded(submission, job_id, story)
        )

    async def waiting_before(
        self, cutoff: datetime, *, page_size: int = 100
    ) -> AsyncIterator[StaleStory]:
        """Stories still processing, then still pending, last written before `cutoff`; each
        status oldest first."""
        for status in (AudioStatus.PROCESSING, AudioStatus.PENDING):
            query = self.stale_query(cutoff, status).limit(page_size)
            page = await self._deadline.call(query.get(timeout=self._timeout))
            while page:
                for snapshot in page:
                    yield _stale_story(snapshot.id, status, snapshot.to_dict() or {})
                if len(page) < page_size:
                    break
                after = query.start_after(page[-1])
                page = await self._deadline.call(after.get(timeout=self._timeout))

    def stale_query(self, cutoff: datetime, status: AudioStatus) -> AsyncQuery:
        """A query of `waiting_before`, oldest first; it needs the composite index of
        `firestore.indexes.json` (a test checks that the two agree)."""
        return (
            self._collection.where(filter=FieldFilter("audioStatus", "==", status.value))
            .where(filter=FieldFilter("updatedAt", "<", cutoff))
            .order_by("updatedAt")
            .select(["audioJobId", "audioSubmission", "updatedAt"])  # pages go by updatedAt
        )

    async def ping(self) -> None:
        """Raise `FirestoreUnavailableError` unless Firestore answers a read in time."""
        probe = self._collection.document(READY_PROBE_ID)
        await self._deadline.call(probe.get(timeout=self._timeout))

    async def _decided(
        self,
        story_id: str,
        choose: Choice,
        *,
        read_back: bool = True,
        commit: Commit | None = None,
    ) -> Decision:
        commit = commit or Commit()
        try:
            return await self._deadline.call(self._decide_in_turn(story_id, choose, commit))
        except (FirestoreUnavailableError, FirestoreRequestError) as exc:
            if commit.decision is None or not read_back:
                raise  # failed before anything was committed, or cannot be told apart
            return await self._read_back(story_id, commit, exc)

    async def _decide_in_turn(self, story_id: str, choose: Choice, commit: Commit) -> Decision:
        ref = self._collection.document(story_id)
        async with self._locks.hold(story_id):
            async for attempt in self._while_contended():
                with attempt:
                    transaction = self._client.transaction(max_attempts=self._attempts)
                    decision = await decide_and_write(
                        transaction, ref, choose, self._timeout, commit
                    )
                    commit.written_at = transaction.commit_time if decision.updates else None
                    return decision
        raise AssertionError("unreachable: the retrying loop returns or raises")

    async def _read_back(
        self,
        story_id: str,
        commit: Commit,
        failure: FirestoreUnavailableError | FirestoreRequestError,
    ) -> Decision:
        """The committed decision if the story holds its write, else `failure` (a read that
        fails too is `FirestoreUnavailableError`: the caller retries, and is decided anew)."""
        assert commit.decision is not None
        ref = self._collection.document(story_id)
        fields = list(commit.decision.updates)
        if commit.fenced:
            story = await self._deadline.call(self._fenced_read(ref, fields))
        else:
            snapshot = await self._deadline.call(ref.get(fields, timeout=self._timeout))
            story = snapshot.to_dict() if snapshot.exists else None
        landed = commit.landed_in(story)
        logger.warning(
            "commit answer lost; story read back",
            extra={"story_id": story_id, "failure": failure.kind, "landed": landed},
        )
        if landed:
            return commit.decision
        raise failure

    async def _fenced_read(
        self, ref: AsyncDocumentReference, fields: list[str]
    ) -> dict[str, Any] | None:
        async for attempt in self._while_contended():
            with attempt:
                transaction = self._client.transaction(max_attempts=self._attempts)
                return await fence(transaction, ref, fields, self._timeout)
        raise AssertionError("unreachable: the retrying loop returns or raises")

    def _while_contended(self) -> AsyncRetrying:
        return while_contended(self._timeout)

    async def aclose(self) -> None:
        """Wait briefly for overdue work to finish after its deadline."""
        await self._deadline.aclose()


def _stale_story(story_id: str, status: AudioStatus, story: Mapping[str, Any]) -> StaleStory:
    job_id = story.get("audioJobId")
    return StaleStory(
        story_id, status, job_id if isinstance(job_id, str) else None, submission_of(story)
    )


@asynccontextmanager
async def opened_store(
    settings: Settings, on_firestore_error: Callable[[str], None] = lambda kind: None
) -> AsyncIterator[StoryStore]:
    """A `StoryStore` on the configured Firestore, closed (with its client) on the way out."""
    client, firebase_app = open_firestore(settings)
    store = StoryStore.for_settings(client, settings, on_firestore_error)
    try:
        yield store
    finally:
        await store.aclose()
        close_firestore(firebase_app)
