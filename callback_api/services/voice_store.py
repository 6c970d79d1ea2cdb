"""Voice documents `voices/{voice_id}` (`VOICES_COLLECTION`), each change one transaction.

The transaction reads the voice, lets `voice_rules` decide, and writes only what the decision
says, so concurrent callbacks, webhooks and submissions on any number of API instances cannot
undo each other; within one process they take turns per voice (`transactions.KeyedLock`). Every
call runs under `FIRESTORE_TIMEOUT_SECONDS`; past it, or on a transient Firestore error, the
caller gets `FirestoreUnavailableError` (503 + Retry-After).

A new submission's commit whose answer is lost (the connection reset after the commit reached
Firestore, or the deadline passed during it) may have landed. The voice is then read back by a
transaction that writes it (`_fence`), so the lost commit either landed before that read or
can no longer land: the voice holding what the commit wrote, the submission is ours and is
answered as begun; else the caller gets the 503 and, asking again, is decided anew.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud.firestore import (
    AsyncClient,
    AsyncDocumentReference,
    AsyncTransaction,
    async_transactional,
)
from google.cloud.firestore_v1 import DELETE_FIELD, FieldFilter

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError, FirestoreUnavailableError
from callback_api.services.rules import Outcome, SubmissionRequest
from callback_api.services.stories import StoryStore
from callback_api.services.transactions import KeyedLock, holds_write, while_contended
from callback_api.services.voice_rules import (
    AWAITING,
    VoiceCallback,
    VoiceDecision,
    abandons,
    decide_callback,
    decide_interrupted,
    decide_job_recorded,
    joins,
    submission_of,
    submission_updates,
)
from shared.errors import TTSError

T = TypeVar("T")
Choice = Callable[[Mapping[str, Any] | None], VoiceDecision]

logger = logging.getLogger("callback_api.voices")


class VoiceNotFoundError(CallbackAPIError):
    """No such voice, or another user's: nothing leaks."""

    status_code: ClassVar[int] = 404
    public_message: ClassVar[str] = "voice not found"
    error_type: ClassVar[str] = "voice_not_found"
    outcome: ClassVar[str] = "rejected"


class VoiceIdTakenError(Exception):
    """A new voice's id names a voice already there that the request does not repeat: the
    caller picks the next id (`voices.py`)."""


@dataclass(frozen=True)
class Begun:
    """A voice handed to a new submission, or a repeated request joining its current one."""

    submission: int
    superseded_job: str | None
    """The job of the previous submission, when it was still pending or processing."""
    joined: bool = False
    job_id: str | None = None
    """Joined: the submission's job, once recorded."""


@dataclass(frozen=True)
class AwaitingVoice:
    voice_id: str
    status: str
    submission: int
    job_id: str | None


@dataclass
class _Commit:
    """The write a transaction is committing, kept to read back when its answer is lost."""

    updates: Mapping[str, Any] | None = None
    updated_at: Any = None
    """The voice's `updatedAt` as the transaction read it."""
    seen: dict[str, Any] = field(default_factory=dict)
    """The voice as the transaction read it (empty: none)."""

    def landed_in(self, voice: Mapping[str, Any] | None) -> bool:
        """Whether `voice`, read after the commit, holds everything the commit wrote."""
        if self.updates is None:
            return False
        return holds_write(voice, self.updates, self.updated_at)


@async_transactional
async def _decide_and_write(
    transaction: AsyncTransaction,
    ref: AsyncDocumentReference,
    choose: Choice,
    timeout: float,
    commit: _Commit,
) -> VoiceDecision:
    commit.updates = None  # an earlier attempt's write was aborted, not committed
    snapshot = await ref.get(transaction=transaction, timeout=timeout)
    voice = snapshot.to_dict() if snapshot.exists else None
    commit.seen, commit.updated_at = dict(voice or {}), (voice or {}).get("updatedAt")
    decision = choose(voice)
    if decision.updates:
        if voice is None:
            transaction.create(ref, dict(decision.updates))
        else:
            transaction.update(ref, dict(decision.updates))
        commit.updates = decision.updates  # from here on, a lost answer leaves the write unknown
    return decision


@async_transactional
async def _fence(
    transaction: AsyncTransaction, ref: AsyncDocumentReference, timeout: float
) -> dict[str, Any] | None:
    """The voice, read by a transaction that writes it as it stands (deletes it when there is
    none, which changes nothing). Writing takes the document's lock, so a commit whose answer
    was lost either landed before this one (and is read here) or can no longer land."""
    snapshot = await ref.get(transaction=transaction, timeout=timeout)
    if not snapshot.exists:
        transaction.delete(ref)
        return None
    voice = snapshot.to_dict() or {}
    transaction.update(ref, {"request": voice.get("request", DELETE_FIELD)})
    return voice


class VoiceStore:
    def __init__(self, client: AsyncClient, collection: str, *, timeout: float) -> None:
        self._client = client
        self._collection = client.collection(collection)
        self._timeout = timeout
        self._locks = KeyedLock()

    @classmethod
    def sharing(cls, stories: StoryStore, settings: Settings) -> VoiceStore:
        """A voice store on the story store's Firestore client: one connection per process."""
        client = stories.client
        return cls(client, settings.voices_collection, timeout=settings.firestore_timeout_seconds)

    async def begin(
        self,
        voice_id: str,
        user_id: str,
        name: str,
        language: str,
        request: SubmissionRequest,
        *,
        new: bool,
        named_by_key: bool = False,
    ) -> Begun:
        """Hand the voice to a submission for `request` (a `new` voice to its first), or join
        its current one when `request` repeats it (`voice_rules.joins`). Raises
        `VoiceNotFoundError` for an existing voice missing or another user's, and
        `VoiceIdTakenError` when a new voice's id is taken by one `request` does not join. A
        submission `request` abandons (`voice_rules.abandons`) is replaced, a new voice's too."""

        def choose(voice: Mapping[str, Any] | None) -> VoiceDecision:
            owned = voice is not None and voice.get("userId") == user_id
            if voice is None:
                if not new:
                    raise VoiceNotFoundError(voice_id)
            elif owned and joins(voice, request, named_by_key=named_by_key):
                return VoiceDecision(Outcome.DUPLICATE)
            elif new and not (owned and abandons(voice, request)):
                raise VoiceIdTakenError(voice_id)
            elif not owned:
                raise VoiceNotFoundError(voice_id)
            updates = submission_updates(voice, user_id, name, language, request)
            return VoiceDecision(Outcome.APPLIED, updates)

        commit = _Commit()
        decision = await self._decided(voice_id, choose, commit)
        before = commit.seen
        job = before.get("jobId")
        job = job if isinstance(job, str) else None
        if not decision.applied:
            return Begun(submission_of(before), None, joined=True, job_id=job)
        superseded = job if before.get("status") in AWAITING else None
        return Begun(int(decision.updates["submission"]), superseded)

    async def record_job(self, voice_id: str, submission: int, job_id: str) -> VoiceDecision:
        return await self._decided(
            voice_id, lambda voice: decide_job_recorded(_found(voice, voice_id), submission, job_id)
        )

    async def apply(self, callback: VoiceCallback) -> VoiceDecision:
        """Apply a signed callback of the voice's job; `VoiceNotFoundError` without a voice."""
        voice_id = callback.voice_id or ""
        return await self._decided(
            voice_id, lambda voice: decide_callback(callback, _found(voice, voice_id))
        )

    async def interrupt(
        self,
        voice_id: str,
        submission: int,
        job_id: str | None,
        error: TTSError,
        source: str,
        *,
        stale_before: datetime | None = None,
    ) -> VoiceDecision:
        """Fail the submission with an inferred error (`voice_rules.decide_interrupted`)."""

        def choose(voice: Mapping[str, Any] | None) -> VoiceDecision:
            found = _found(voice, voice_id)
            return decide_interrupted(found, submission, job_id, error, source, stale_before)

        return await self._decided(voice_id, choose)

    async def get(self, voice_id: str) -> dict[str, Any] | None:
        snapshot = await self._call(self._collection.document(voice_id).get(timeout=self._timeout))
        return snapshot.to_dict() if snapshot.exists else None

    async def awaiting_before(self, cutoff: datetime) -> list[AwaitingVoice]:
        """Voices pending or processing, last written before `cutoff`, oldest first. Few voices
        are in flight at once: the query needs no composite index, the filter runs here."""
        query = self._collection.where(filter=FieldFilter("status", "in", sorted(AWAITING)))
        snapshots = await self._call(query.get(timeout=self._timeout))
        found = []
        for snapshot in snapshots:
            voice = snapshot.to_dict() or {}
            written = voice.get("updatedAt")
            if isinstance(written, datetime) and written < cutoff:
                job = voice.get("jobId")
                awaiting = AwaitingVoice(
                    snapshot.id,
                    str(voice["status"]),
                    submission_of(voice),
                    job if isinstance(job, str) else None,
                )
                found.append((written, awaiting))
        return [awaiting for _, awaiting in sorted(found, key=lambda pair: pair[0])]

    async def _decided(
        self, voice_id: str, choose: Choice, read_back: _Commit | None = None
    ) -> VoiceDecision:
        """`choose` in a transaction; with `read_back`, a commit whose answer is lost is read
        back (see the module)."""
        commit = read_back or _Commit()
        try:
            return await self._call(self._decide_in_turn(voice_id, choose, commit))
        except FirestoreUnavailableError as failure:
            if read_back is None or commit.updates is None:
                raise  # failed before anything was committed
            return await self._read_back(voice_id, commit, failure)

    async def _decide_in_turn(
        self, voice_id: str, choose: Choice, commit: _Commit
    ) -> VoiceDecision:
        """As `StoryStore`: requests for one voice take turns in this process, and a transaction
        that writers elsewhere keep aborting backs off and tries again until the deadline."""
        ref = self._collection.document(voice_id)
        async with self._locks.hold(voice_id):
            async for attempt in while_contended(self._timeout):
                with attempt:
                    transaction = self._client.transaction()
                    return await _decide_and_write(transaction, ref, choose, self._timeout, commit)
        raise AssertionError("unreachable: the retrying loop returns or raises")

    async def _read_back(
        self, voice_id: str, commit: _Commit, failure: FirestoreUnavailableError
    ) -> VoiceDecision:
        """The committed decision if the voice holds its write, else `failure` (a read that
        fails too is `FirestoreUnavailableError`: the caller asks again, decided anew)."""
        assert commit.updates is not None
        voice = await self._call(self._fenced(self._collection.document(voice_id)))
        landed = commit.landed_in(voice)
        logger.warning(
            "commit answer lost; voice read back",
            extra={"voice_id": voice_id, "failure": failure.kind, "landed": landed},
        )
        if landed:
            return VoiceDecision(Outcome.APPLIED, commit.updates)
        raise failure

    async def _fenced(self, ref: AsyncDocumentReference) -> dict[str, Any] | None:
        async for attempt in while_contended(self._timeout):
            with attempt:
                return await _fence(self._client.transaction(), ref, self._timeout)
        raise AssertionError("unreachable: the retrying loop returns or raises")

    async def _call(self, work: Coroutine[Any, Any, T]) -> T:
        # Not asyncio.timeout(): that would wait for a cancelled transaction's rollback, which
        # retries for up to a minute when Firestore is unreachable (`transactions.Deadline`).
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self._timeout)
        if task not in done:
            task.cancel()
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
            raise FirestoreUnavailableError("timeout")
        try:
            return task.result()
        except google_exceptions.GoogleAPICallError as exc:
            raise FirestoreUnavailableError(type(exc).__name__) from exc


def _found(voice: Mapping[str, Any] | None, voice_id: str) -> Mapping[str, Any]:
    if voice is None:
        raise VoiceNotFoundError(voice_id)
    return voice
