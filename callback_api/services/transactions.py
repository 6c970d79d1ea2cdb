"""What the stores' Firestore work shares: calls under one deadline with their failures typed,
retries while other writers hold a document, turns per key, and whether a commit landed.

`StoryStore` runs every call through a `Deadline`; `VoiceStore` takes its turns and retries
from here too, and reads a lost commit back with `holds_write`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from google.api_core import exceptions as google_exceptions
from google.cloud.firestore_v1 import DELETE_FIELD, SERVER_TIMESTAMP
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_delay,
    wait_random_exponential,
)

from callback_api.core.errors import (
    FirestoreRequestError,
    FirestoreUnavailableError,
    StoryNotFoundError,
)

T = TypeVar("T")

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


class Deadline:
    """Firestore work under one deadline, its failures typed: past the deadline or on a
    transient error `FirestoreUnavailableError` (503), refused for its content
    `FirestoreRequestError` (422); anything else unchanged (a bug, answered 500)."""

    def __init__(self, timeout: float, on_firestore_error: Callable[[str], None]) -> None:
        self._timeout = timeout
        self._on_firestore_error = on_firestore_error
        self._overdue: set[asyncio.Task[Any]] = set()

    async def call(self, work: Coroutine[Any, Any, T]) -> T:
        try:
            return await self._within_deadline(work)
        except StoryNotFoundError:
            raise
        except Exception as exc:
            translated = translate(exc)
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


def translate(exc: BaseException) -> BaseException:
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
