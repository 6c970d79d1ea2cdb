"""A lease in Firestore: one holder at a time across replicas, until it expires unrenewed.

The document `{collection}/{name}` holds `holder` (an id per process), `expiresAt` and
`renewedAt`. `take()` takes or renews the lease when there is none, when it has expired, or
when it is already this holder's; `release()` deletes it, so that another may take it at once.
A holder that dies stops renewing, and another takes the lease once `expiresAt` has passed.

No transaction: each write is conditional on the document as it was read (it must not exist
yet, or must not have changed since), and a write whose condition fails means another replica
got there first. A transaction would lock the document from its read to its commit, and a
replica killed in between would keep every other replica out until Firestore expires its
transaction, long after the lease itself.

Expiry is the holder's clock plus the lease's length, compared with the reader's clock:
replicas' clocks (NTP) agree within a second, far below any lease's length.

Every call runs under one deadline; past it, or on a Firestore error, the caller gets
`FirestoreUnavailableError`. A write whose answer is lost may still have taken the lease: that
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
from google.cloud.firestore import AsyncClient

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


_LOST_RACE = (google_exceptions.AlreadyExists, google_exceptions.FailedPrecondition)


class _Contended(Exception):
    """The write's condition failed: another replica wrote the lease since it was read."""


def _translated(exc: Exception) -> Exception:
    """A Firestore failure as `_Contended` or `FirestoreUnavailableError`; else unchanged."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, _LOST_RACE):
            return _Contended(type(cause).__name__)
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
        try:
            taken = await self._within_deadline(self._take())
        except _Contended:
            return False  # another replica wrote the lease between our read and our write
        self._taken = self._taken or taken
        return taken

    async def _take(self) -> bool:
        snapshot = await self._ref.get(timeout=self._timeout)
        current = snapshot.to_dict() if snapshot.exists else None
        now = self._clock()
        if current and current.get("holder") != self.holder and _expiry(current) > now:
            return False
        lease = {"holder": self.holder, "expiresAt": now + self._duration, "renewedAt": now}
        if current is None:
            await self._ref.create(lease, timeout=self._timeout)
        else:
            unchanged = self._client.write_option(last_update_time=snapshot.update_time)
            await self._ref.update(lease, option=unchanged, timeout=self._timeout)
        return True

    async def release(self) -> None:
        """Give the lease up, if this holder ever took it; a failure is logged, not raised
        (the lease then expires by itself)."""
        if not self._taken:
            return
        self._taken = False
        try:
            await self._within_deadline(self._release())
        except (FirestoreUnavailableError, _Contended) as exc:
            logger.warning("lease not released; it expires by itself", extra={"failure": str(exc)})

    async def _release(self) -> None:
        snapshot = await self._ref.get(timeout=self._timeout)
        if snapshot.exists and (snapshot.to_dict() or {}).get("holder") == self.holder:
            unchanged = self._client.write_option(last_update_time=snapshot.update_time)
            await self._ref.delete(option=unchanged, timeout=self._timeout)

    async def _within_deadline(self, work: Coroutine[Any, Any, T]) -> T:
        # Not asyncio.timeout(): a cancelled call may take its time to unwind when Firestore
        # is unreachable; the caller is answered at the deadline, the call is left to end.
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
