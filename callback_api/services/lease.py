"""A lease in Firestore: one holder at a time across replicas, until it expires unrenewed.

The document `{collection}/{name}` holds `holder` (an id per process), `expiresAt` and
`renewedAt`. `take()` runs one transaction: it writes the document, and so takes or renews the
lease, when there is none, when it has expired, or when it is already this holder's. A holder
that dies stops renewing, and another takes the lease once `expiresAt` has passed; one that
shuts down deletes it (`release()`), so that another may take it at once.

Expiry is the holder's clock plus the lease's length, compared with the reader's clock:
replicas' clocks (NTP) agree within a second, far below any lease's length.

Every call runs under one deadline; past it, or on a Firestore error, the caller gets
`FirestoreUnavailableError`. A commit whose answer is lost may still have taken the lease: that
holder renews it at its next `take()`, and nobody else takes it before it expires.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud.firestore import (
    AsyncClient,
    AsyncDocumentReference,
    AsyncTransaction,
    async_transactional,
)

from callback_api.core.errors import FirestoreUnavailableError

T = TypeVar("T")
Clock = Callable[[], datetime]

logger = logging.getLogger("callback_api.lease")


def holder_id() -> str:
    """This process's name as a holder: its host and pid (for operators), and a random part
    (a restarted process with a reused pid is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@async_transactional
async def _take(
    transaction: AsyncTransaction,
    ref: AsyncDocumentReference,
    holder: str,
    duration: timedelta,
    clock: Clock,
    timeout: float,
) -> datetime | None:
    """The new expiry if the lease is now this holder's, None if another holds it."""
    snapshot = await ref.get(transaction=transaction, timeout=timeout)
    current = snapshot.to_dict() if snapshot.exists else None
    now = clock()
    if current and current.get("holder") != holder and _expiry(current) > now:
        return None
    expires_at = now + duration
    transaction.set(ref, {"holder": holder, "expiresAt": expires_at, "renewedAt": now})
    return expires_at


@async_transactional
async def _release(
    transaction: AsyncTransaction, ref: AsyncDocumentReference, holder: str, timeout: float
) -> bool:
    snapshot = await ref.get(transaction=transaction, timeout=timeout)
    if not snapshot.exists or (snapshot.to_dict() or {}).get("holder") != holder:
        return False
    transaction.delete(ref)
    return True


class _Contended(Exception):
    """Other transactions on the lease kept aborting this one's commit."""


def _translated(exc: Exception) -> Exception:
    """A Firestore failure as `_Contended` or `FirestoreUnavailableError`; else unchanged."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, google_exceptions.Aborted):  # the client's retries ran out
            return _Contended("aborted")
        if isinstance(cause, google_exceptions.GoogleAPICallError):
            code = cause.grpc_status_code
            return FirestoreUnavailableError(code.name.lower() if code else "error")
        cause = cause.__cause__
    return exc


def _expiry(document: dict[str, Any]) -> datetime:
    """The document's expiry; one that cannot be read has expired (the lease is free)."""
    expires_at = document.get("expiresAt")
    return expires_at if isinstance(expires_at, datetime) else datetime.min.replace(tzinfo=UTC)


class Lease:
    def __init__(
        self,
        client: AsyncClient,
        collection: str,
        name: str,
        *,
        duration: timedelta,
        timeout: float,
        holder: str | None = None,
        clock: Clock = _utcnow,
    ) -> None:
        self._client = client
        self._ref = client.collection(collection).document(name)
        self._duration = duration
        self._timeout = timeout
        self._clock = clock
        self.holder = holder or holder_id()
        self._taken = False
        self._overdue: set[asyncio.Task[Any]] = set()

    @property
    def duration(self) -> timedelta:
        return self._duration

    async def take(self) -> bool:
        """Take or renew the lease; False while another holder's has not expired."""
        transaction = self._client.transaction()
        try:
            expires_at = await self._within_deadline(
                _take(
                    transaction, self._ref, self.holder, self._duration, self._clock, self._timeout
                )
            )
        except _Contended:
            return False  # another replica's transaction on the lease won the race
        self._taken = self._taken or expires_at is not None
        return expires_at is not None

    async def release(self) -> None:
        """Give the lease up, if this holder ever took it; a failure is logged, not raised
        (the lease then expires by itself)."""
        if not self._taken:
            return
        self._taken = False
        try:
            transaction = self._client.transaction()
            await self._within_deadline(
                _release(transaction, self._ref, self.holder, self._timeout)
            )
        except (FirestoreUnavailableError, _Contended) as exc:
            logger.warning("lease not released; it expires by itself", extra={"failure": str(exc)})

    async def _within_deadline(self, work: Coroutine[Any, Any, T]) -> T:
        # Not asyncio.timeout(): that would wait for the cancelled transaction's rollback,
        # which retries for up to a minute when Firestore is unreachable (`stories.py`).
        task = asyncio.ensure_future(work)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._timeout)
        except asyncio.CancelledError:
            self._abandon(task)
            raise
        if task not in done:
            self._abandon(task)
            raise FirestoreUnavailableError("timeout")
        try:
            return task.result()
        except Exception as exc:
            translated = _translated(exc)
            if translated is exc:
                raise  # not Firestore's: a bug
            raise translated from exc

    def _abandon(self, task: asyncio.Task[Any]) -> None:
        task.cancel()
        self._overdue.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[Any]) -> None:
        self._overdue.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved, so asyncio does not report it as lost
