"""The transactions that write one story, and what each commit wrote.

A decision is made on the story as its transaction read it (`decide_and_write`); a new
submission reads the story and its admission's documents at once and commits all their writes
together (`begin_and_write`). A commit whose answer is lost is read back (`Commit.landed_in`),
for a new submission by a transaction that writes the story (`fence`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from google.api_core import exceptions as google_exceptions
from google.api_core import gapic_v1
from google.cloud.firestore import (
    AsyncClient,
    AsyncDocumentReference,
    AsyncTransaction,
    async_transactional,
)
from google.cloud.firestore_v1 import DELETE_FIELD, DocumentSnapshot
from google.cloud.firestore_v1.base_client import _parse_batch_get

from callback_api.core.errors import StoryNotFoundError
from callback_api.services.rules import READ_FIELDS, Decision, SubmissionRequest
from callback_api.services.submission_rules import decide_submission
from callback_api.services.transactions import holds_write

Choice = Callable[[Mapping[str, Any]], Decision]

logger = logging.getLogger("callback_api.stories")


@dataclass
class Commit:
    """The write a transaction is committing, kept to read back when its answer is lost."""

    decision: Decision | None = None
    updated_at: Any = None
    """The story's `updatedAt` as the transaction read it."""
    written_at: datetime | None = None
    """The commit's time, when its answer came back."""
    fenced: bool = False
    """Read back in a transaction that writes the story (`fence`), for writes that must not
    land after they were read back as lost: a new submission."""

    def begin(self, story: Mapping[str, Any]) -> None:
        self.decision, self.updated_at = None, story.get("updatedAt")

    def landed_in(self, story: Mapping[str, Any] | None) -> bool:
        """Whether `story`, read after the commit, holds everything the commit wrote."""
        if self.decision is None:
            return False
        return holds_write(story, self.decision.updates, self.updated_at)


@async_transactional
async def decide_and_write(
    transaction: AsyncTransaction,
    ref: AsyncDocumentReference,
    choose: Choice,
    timeout: float,
    commit: Commit,
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
async def fence(
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
class PlainAdmission:
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


async def begin_and_write(
    client: AsyncClient,
    ref: AsyncDocumentReference,
    admission: Admission,
    timeout: float,
    commit: Commit,
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
    transaction, read = await read_beginning(client, refs, fields, timeout)
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
        await rollback(client, transaction, timeout)
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


async def read_beginning(
    client: AsyncClient, refs: list[AsyncDocumentReference], fields: list[str], timeout: float
) -> tuple[bytes, dict[str, DocumentSnapshot[AsyncDocumentReference]]]:
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


async def rollback(client: AsyncClient, transaction: bytes, timeout: float) -> None:
    """Release the transaction's locks at once; one that fails expires by itself."""
    try:
        await client._firestore_api.rollback(
            request={"database": client._database_string, "transaction": transaction},
            metadata=client._rpc_metadata,
            timeout=timeout,
        )
    except google_exceptions.GoogleAPICallError:
        logger.warning("transaction not rolled back; it expires by itself")
