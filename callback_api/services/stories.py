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

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from google.api_core import exceptions as google_exceptions
from google.api_core import gapic_v1
from google.cloud.firestore import (
    AsyncClient,
    AsyncDocumentReference,
    AsyncQuery,
    AsyncTransaction,
    async_transactional,
)
from google.cloud.firestore_v1 import DELETE_FIELD, SERVER_TIMESTAMP, DocumentSnapshot, FieldFilter
from google.cloud.firestore_v1.base_client import _parse_batch_get
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_delay,
    wait_random_exponential,
)

from callback_api.core.config import Settings
from callback_api.core.errors import (
    FirestoreRequestError,
    FirestoreUnavailableError,
    StoryNotFoundError,
)
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.services.inferred_failure_rules import decide_interrupted
from callback_api.services.rules import (
    READ_FIELDS,
    AudioStatus,
    Decision,
    InferredSource,
    Outcome,
    SubmissionRequest,
    decide,
    submission_of,
    without_passthrough,
)
from callback_api.services.submission_rules import decide_job_recorded, decide_submission
from shared.callbacks import TTSCallbackRequest
from shared.errors import JobInterruptedError

T = TypeVar("T")
Choice = Callable[[Mapping[str, Any]], Decision]

logger = logging.getLogger("callback_api.stories")

READY_PROBE_ID = "_ready_probe"
_REQUEST_ERRORS = (
    google_exceptions.InvalidArgument,
    google_exceptions.FailedPrecondition,
    google_exceptions.OutOfRange,
)


class KeyedLock:
    """One asyncio lock per key, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


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


@dataclass
class _Commit:
    """The write a transaction is committing, kept to read back when its answer is lost."""

    decision: Decision | None = None
    updated_at: Any = None
    """The story's `updatedAt` as the transaction read it."""
    written_at: datetime | None = None
    """The commit's time, when its answer came back."""
    fenced: bool = False
    """Read back in a transaction that writes the story (`_fence`), for writes that must not
    land after they were read back as lost: a new submission."""

    def begin(self, story: Mapping[str, Any]) -> None:
        self.decision, self.updated_at = None, story.get("updatedAt")

    def landed_in(self, story: Mapping[str, Any] | None) -> bool:
        """Whether `story`, read after the commit, holds everything the commit wrote."""
        if self.decision is None:
            return False
        return holds_write(story, self.decision.updates, self.updated_at)


def holds_write(
    document: Mapping[str, Any] | None, updates: Mapping[str, Any], updated_at: Any
) -> bool:
    """Whether `document`, read after a commit of `updates`, holds all of them; `updated_at` is
    its `updatedAt` before the commit (a server timestamp is stamped anew by each write)."""
    if document is None:
        return False
    for key, value in updates.items():
        if value is SERVER_TIMESTAMP:
            if document.get(key) in (None, updated_at):
                return False
        elif value is DELETE_FIELD:
            if key in document:
                return False
        elif document.get(key) != value:
            return False
    return True


@async_transactional
async def _decide_and_write(
    transaction: AsyncTransaction,
    ref: AsyncDocumentReference,
    choose: Choice,
    timeout: float,
    commit: _Commit,
) -> Decision:
    commit.decision = None  # an earlier attempt's write was aborted, not committed
    snapshot = await ref.get(READ_FIELDS, transaction=transaction, timeout=timeout)
    if not snapshot.exists:
        raise StoryNotFoundError
    story = snapshot.to_dict() or {}
    commit.begin(story)
    decision = choose(story)
    if decision.updates:
        transaction.update(ref, dict(decision.updates))
        commit.decision = decision  # from here on, a lost answer leaves the write unknown
    return decision


@async_transactional
async def _fence(
    transaction: AsyncTransaction, ref: AsyncDocumentReference, fields: list[str], timeout: float
) -> dict[str, Any] | None:
    """The story's `fields`, read by a transaction that rewrites `audioRequest` as it stands.
    Writing takes the document's lock, so a commit whose answer was lost either landed before
    this one (and is read here) or can no longer land: what this read says stays true."""
    wanted = list(dict.fromkeys([*fields, "audioRequest"]))
    snapshot = await ref.get(wanted, transaction=transaction, timeout=timeout)
    if not snapshot.exists:
        return None
    story = snapshot.to_dict() or {}
    transaction.update(ref, {"audioRequest": story.get("audioRequest", DELETE_FIELD)})
    return story


class Admission(Protocol):
    """What a submission's transaction reads with the story, and decides with it (narration:
    the owner, the text, the voice, the user's limits). Each attempt calls it anew."""

    @property
    def documents(self) -> list[AsyncDocumentReference]:
        """Documents read with the story, in the same call; absent ones are passed as None."""
        ...

    @property
    def fields(self) -> list[str]:
        """Fields read besides `READ_FIELDS` (one mask serves every document read)."""
        ...

    @property
    def lock_key(self) -> str | None:
        """Requests of one key (a user) take turns in this process, as a story's do."""
        ...

    def request(
        self, story: Mapping[str, Any], others: Mapping[str, dict[str, Any] | None]
    ) -> SubmissionRequest:
        """The request, from the story and `others` (by path); raises a refusal."""
        ...

    async def admit(
        self, story_id: str, submission: int, others: Mapping[str, dict[str, Any] | None]
    ) -> list[tuple[AsyncDocumentReference, dict[str, Any]]]:
        """A new submission's other writes, committed with the story; raises a refusal."""
        ...


@dataclass(frozen=True)
class _Plain:
    """A request that needs nothing but the story."""

    given: SubmissionRequest

    @property
    def documents(self) -> list[AsyncDocumentReference]:
        return []

    @property
    def fields(self) -> list[str]:
        return []

    @property
    def lock_key(self) -> str | None:
        return None

    def request(
        self, story: Mapping[str, Any], others: Mapping[str, dict[str, Any] | None]
    ) -> SubmissionRequest:
        return self.given

    async def admit(
        self, story_id: str, submission: int, others: Mapping[str, dict[str, Any] | None]
    ) -> list[tuple[AsyncDocumentReference, dict[str, Any]]]:
        return []


async def _begin_and_write(
    client: AsyncClient,
    ref: AsyncDocumentReference,
    admission: Admission,
    timeout: float,
    commit: _Commit,
    seen: dict[str, Any],
) -> Decision:
    """One read of the story and the admission's documents, one commit of all the writes; a
    refusal raised here writes nothing (the transaction is rolled back).

    The transaction is begun by its read (`new_transaction`) rather than by a call of its own,
    as the client library's transactions are: a narration is one round trip shorter. An
    aborted one is tried again by the caller (`while_contended`), as the library would."""
    commit.decision, commit.written_at = None, None
    seen.clear()
    refs = [ref, *admission.documents]
    fields = list(dict.fromkeys([*READ_FIELDS, *admission.fields]))
    transaction, read = await _read_beginning(client, refs, fields, timeout)
    try:
        snapshot = read.get(ref.path)
        if snapshot is None or not snapshot.exists:
            raise StoryNotFoundError
        story = snapshot.to_dict() or {}
        seen.update(story)
        others = {
            other.path: (read[other.path].to_dict() or {}) if read[other.path].exists else None
            for other in refs[1:]
        }
        commit.begin(story)
        request = admission.request(story, others)
        decision = decide_submission(story, request)
        batch = client.batch()
        if decision.updates:
            number = int(decision.updates["audioSubmission"])
            for other, data in await admission.admit(ref.id, number, others):
                batch.set(other, data)
            batch.update(ref, dict(decision.updates))
    except Exception:
        await _rollback(client, transaction, timeout)
        raise
    commit.decision = decision if decision.updates else None
    # from here on, a lost answer leaves the write unknown
    answer = await client._firestore_api.commit(
        request={
            "database": client._database_string,
            "writes": batch._write_pbs,
            "transaction": transaction,
        },
        metadata=client._rpc_metadata,
        timeout=timeout,
    )
    commit.written_at = answer.commit_time if decision.updates else None
    return decision


async def _read_beginning(
    client: AsyncClient, refs: list[AsyncDocumentReference], fields: list[str], timeout: float
) -> tuple[bytes, dict[str, DocumentSnapshot]]:
    """`refs` read at once by a new read-write transaction: its id, and the snapshots."""
    request, references, options = client._prep_get_all(
        refs, fields, None, gapic_v1.method.DEFAULT, timeout, None
    )
    request.pop("transaction", None)
    request["new_transaction"] = {"read_write": {}}
    answers = await client._firestore_api.batch_get_documents(
        request=request, metadata=client._rpc_metadata, **options
    )
    transaction, read = b"", {}
    async for answer in answers:
        transaction = answer.transaction or transaction
        if answer._pb.WhichOneof("result") is not None:
            snapshot = _parse_batch_get(answer, references, client)
            read[snapshot.reference.path] = snapshot
    if not transaction or len(read) != len(refs):
        raise google_exceptions.Aborted("the read began no transaction")  # tried again
    return transaction, read


async def _rollback(client: AsyncClient, transaction: bytes, timeout: float) -> None:
    """Release the transaction's locks at once; one that fails expires by itself."""
    try:
        await client._firestore_api.rollback(
            request={"database": client._database_string, "transaction": transaction},
            metadata=client._rpc_metadata,
            timeout=timeout,
        )
    except google_exceptions.GoogleAPICallError:
        logger.warning("transaction not rolled back; it expires by itself")


class StoryStore:
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
        self._on_firestore_error = on_firestore_error
        self._locks = KeyedLock()
        self._user_locks = KeyedLock()  # `Admission.lock_key`s
        self._overdue: set[asyncio.Task[Any]] = set()

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
        admission = _Plain(request) if isinstance(request, SubmissionRequest) else request
        seen: dict[str, Any] = {}
        commit = _Commit(fenced=True)
        work = self._begin_in_turn(story_id, admission, commit, seen)
        try:
            decision = await self._call(work)
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
        self, story_id: str, admission: Admission, commit: _Commit, seen: dict[str, Any]
    ) -> Decision:
        ref = self._collection.document(story_id)
        key = admission.lock_key
        user_turn = self._user_locks.hold(key) if key is not None else nullcontext()
        async with self._locks.hold(story_id), user_turn:
            async for attempt in self._while_contended():
                with attempt:
                    return await _begin_and_write(
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
        snapshot = await self._call(ref.get(fields, timeout=self._timeout))
        return (snapshot.to_dict() or {}) if snapshot.exists else None

    @property
    def client(self) -> AsyncClient:
        return self._client

    @property
    def timeout(self) -> float:
        return self._timeout

    async def call(self, work: Coroutine[Any, Any, T]) -> T:
        """Firestore `work` under this store's deadline, its failures typed (503/422)."""
        return await self._call(work)

    async def record_job(
        self, story_id: str, submission: int, job_id: str, written_at: datetime | None = None
    ) -> Decision:
        """Record the job RunPod accepted for `submission` (`submission_rules.decide_job_recorded`).

        With `written_at` (`Begun.written_at`), one write on the condition that the story is
        as the submission left it, which is exactly when the rule applies; else a transaction."""
        if written_at is not None and await self._call(
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
            page = await self._call(query.get(timeout=self._timeout))
            while page:
                for snapshot in page:
                    yield _stale_story(snapshot.id, status, snapshot.to_dict() or {})
                if len(page) < page_size:
                    break
                after = query.start_after(page[-1])
                page = await self._call(after.get(timeout=self._timeout))

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
        await self._call(probe.get(timeout=self._timeout))

    async def _decided(
        self,
        story_id: str,
        choose: Choice,
        *,
        read_back: bool = True,
        commit: _Commit | None = None,
    ) -> Decision:
        commit = commit or _Commit()
        try:
            return await self._call(self._decide_in_turn(story_id, choose, commit))
        except (FirestoreUnavailableError, FirestoreRequestError) as exc:
            if commit.decision is None or not read_back:
                raise  # failed before anything was committed, or cannot be told apart
            return await self._read_back(story_id, commit, exc)

    async def _decide_in_turn(self, story_id: str, choose: Choice, commit: _Commit) -> Decision:
        ref = self._collection.document(story_id)
        async with self._locks.hold(story_id):
            async for attempt in self._while_contended():
                with attempt:
                    transaction = self._client.transaction(max_attempts=self._attempts)
                    decision = await _decide_and_write(
                        transaction, ref, choose, self._timeout, commit
                    )
                    commit.written_at = transaction.commit_time if decision.updates else None
                    return decision
        raise AssertionError("unreachable: the retrying loop returns or raises")

    async def _read_back(
        self,
        story_id: str,
        commit: _Commit,
        failure: FirestoreUnavailableError | FirestoreRequestError,
    ) -> Decision:
        """The committed decision if the story holds its write, else `failure` (a read that
        fails too is `FirestoreUnavailableError`: the caller retries, and is decided anew)."""
        assert commit.decision is not None
        ref = self._collection.document(story_id)
        fields = list(commit.decision.updates)
        if commit.fenced:
            story = await self._call(self._fenced_read(ref, fields))
        else:
            snapshot = await self._call(ref.get(fields, timeout=self._timeout))
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
                return await _fence(transaction, ref, fields, self._timeout)
        raise AssertionError("unreachable: the retrying loop returns or raises")

    def _while_contended(self) -> AsyncRetrying:
        return while_contended(self._timeout)

    async def _call(self, work: Coroutine[Any, Any, T]) -> T:
        try:
            return await self._within_deadline(work)
        except StoryNotFoundError:
            raise
        except Exception as exc:
            translated = _translate(exc)
            if translated is exc:
                raise
            if isinstance(translated, FirestoreUnavailableError | FirestoreRequestError):
                self._on_firestore_error(translated.kind)
            raise translated from exc

    async def _within_deadline(self, work: Coroutine[Any, Any, T]) -> T:
        # Not asyncio.timeout(): that would wait for the cancelled transaction's rollback,
        # which retries for up to a minute when Firestore is unreachable.
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self._timeout)
        if task in done:
            return task.result()
        task.cancel()
        self._overdue.add(task)
        task.add_done_callback(self._forget)
        raise TimeoutError

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._overdue.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not report it as lost

    async def aclose(self) -> None:
        """Wait briefly for overdue work to finish after its deadline."""
        if self._overdue:
            await asyncio.wait(set(self._overdue), timeout=self._timeout)


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


def _translate(exc: BaseException) -> BaseException:
    """A Firestore failure as a typed error; anything else unchanged (a bug, answered 500)."""
    for cause in _chain(exc):
        if isinstance(cause, StoryNotFoundError):
            return cause
        if isinstance(cause, _REQUEST_ERRORS):
            return FirestoreRequestError(_kind(cause))
        if isinstance(cause, google_exceptions.GoogleAPICallError):
            return FirestoreUnavailableError(_kind(cause))
        if isinstance(cause, TimeoutError):
            return FirestoreUnavailableError("timeout")
    return exc


def while_contended(timeout: float) -> AsyncRetrying:
    """Retries of a transaction that other writers keep aborting, up to `timeout`."""
    # The client retries an aborted commit at once; when writers on other instances keep
    # the document locked, that runs out of attempts. Back off and try again, up to the
    # deadline, so that contention costs time rather than a 503.
    return AsyncRetrying(
        retry=retry_if_exception(_contended),
        wait=wait_random_exponential(multiplier=0.05, max=1.0),
        stop=stop_after_delay(timeout),
        reraise=True,
    )


def _contended(exc: BaseException) -> bool:
    """Whether a transaction gave up because other writers held the document."""
    return any(isinstance(cause, google_exceptions.Aborted) for cause in _chain(exc))


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _kind(exc: google_exceptions.GoogleAPICallError) -> str:
    code = exc.grpc_status_code
    return code.name.lower() if code is not None else type(exc).__name__.lower()
