"""Voice documents `voices/{voice_id}` (`VOICES_COLLECTION`), each change one transaction.

The transaction reads the voice, lets `voice_rules` decide, and writes only what the decision
says, so concurrent callbacks, webhooks and submissions on any number of API instances cannot
undo each other. Every call runs under `FIRESTORE_TIMEOUT_SECONDS`; past it, or on a transient
Firestore error, the caller gets `FirestoreUnavailableError` (503 + Retry-After).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud.firestore import (
    AsyncClient,
    AsyncDocumentReference,
    AsyncTransaction,
    async_transactional,
)
from google.cloud.firestore_v1 import FieldFilter

from callback_api.core.config import Settings
from callback_api.core.errors import CallbackAPIError, FirestoreUnavailableError
from callback_api.services.rules import Outcome
from callback_api.services.stories import StoryStore
from callback_api.services.voice_rules import (
    AWAITING,
    VoiceCallback,
    VoiceDecision,
    decide_callback,
    decide_interrupted,
    decide_job_recorded,
    submission_of,
    submission_updates,
)
from shared.errors import TTSError

T = TypeVar("T")
Choice = Callable[[Mapping[str, Any] | None], VoiceDecision]


class VoiceNotFoundError(CallbackAPIError):
    """No such voice, or another user's: nothing leaks."""

    status_code: ClassVar[int] = 404
    public_message: ClassVar[str] = "voice not found"
    error_type: ClassVar[str] = "voice_not_found"
    outcome: ClassVar[str] = "rejected"


@dataclass(frozen=True)
class Begun:
    """A voice handed to a new submission."""

    submission: int
    superseded_job: str | None
    """The job of the previous submission, when it was still pending or processing."""


@dataclass(frozen=True)
class AwaitingVoice:
    voice_id: str
    status: str
    submission: int
    job_id: str | None


@async_transactional
async def _decide_and_write(
    transaction: AsyncTransaction, ref: AsyncDocumentReference, choose: Choice, timeout: float
) -> VoiceDecision:
    snapshot = await ref.get(transaction=transaction, timeout=timeout)
    voice = snapshot.to_dict() if snapshot.exists else None
    decision = choose(voice)
    if decision.updates:
        if voice is None:
            transaction.create(ref, dict(decision.updates))
        else:
            transaction.update(ref, dict(decision.updates))
    return decision


class VoiceStore:
    def __init__(self, client: AsyncClient, collection: str, *, timeout: float) -> None:
        self._client = client
        self._collection = client.collection(collection)
        self._timeout = timeout

    @classmethod
    def sharing(cls, stories: StoryStore, settings: Settings) -> VoiceStore:
        """A voice store on the story store's Firestore client: one connection per process."""
        client: AsyncClient = stories._client
        return cls(client, settings.voices_collection, timeout=settings.firestore_timeout_seconds)

    async def begin(
        self, voice_id: str, user_id: str, name: str, language: str, *, new: bool
    ) -> Begun:
        """Hand the voice to its next submission (a `new` one to its first); raises
        `VoiceNotFoundError` for a voice that is missing or another user's."""
        before: dict[str, Any] = {}

        def choose(voice: Mapping[str, Any] | None) -> VoiceDecision:
            if (voice is None) != new or (voice is not None and voice.get("userId") != user_id):
                raise VoiceNotFoundError(voice_id)
            before.clear()
            before.update(voice or {})
            updates = submission_updates(voice, user_id, name, language)
            return VoiceDecision(Outcome.APPLIED, updates)

        decision = await self._decided(voice_id, choose)
        job = before.get("jobId") if before.get("status") in AWAITING else None
        return Begun(int(decision.updates["submission"]), job if isinstance(job, str) else None)

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

    async def _decided(self, voice_id: str, choose: Choice) -> VoiceDecision:
        ref = self._collection.document(voice_id)
        transaction = self._client.transaction()
        return await self._call(_decide_and_write(transaction, ref, choose, self._timeout))

    async def _call(self, work: Coroutine[Any, Any, T]) -> T:
        # Not asyncio.timeout(): that would wait for a cancelled transaction's rollback, which
        # retries for up to a minute when Firestore is unreachable (`stories.py`).
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
