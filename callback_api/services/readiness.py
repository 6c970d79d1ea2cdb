"""`/ready`'s answer, kept a few seconds: a burst of anonymous calls costs Firestore one read."""

from __future__ import annotations

import asyncio
import time

from callback_api.core.errors import FirestoreUnavailableError
from callback_api.services.stories import StoryStore


class Readiness:
    """Whether Firestore answered the store's ping, kept `ttl` seconds (0: asked every call).

    Callers that arrive while a ping is under way wait for its answer rather than send their own.
    """

    def __init__(self, store: StoryStore, ttl: float) -> None:
        self._store = store
        self._ttl = ttl
        self._lock = asyncio.Lock()
        self._answer = False
        self._expires = float("-inf")

    async def ready(self) -> bool:
        if self._ttl == 0:
            return await self._ping()
        async with self._lock:
            if time.monotonic() >= self._expires:
                self._answer = await self._ping()
                self._expires = time.monotonic() + self._ttl
            return self._answer

    async def _ping(self) -> bool:
        try:
            await self._store.ping()
        except FirestoreUnavailableError:
            return False
        return True
