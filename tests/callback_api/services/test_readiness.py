"""`Readiness`: one Firestore read per window, shared by the callers that arrive during it."""

from __future__ import annotations

import asyncio

from callback_api.core.config import Settings
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.services.readiness import Readiness
from callback_api.services.stories import StoryStore


class CountingStore(StoryStore):
    """A store on Firestore that counts its pings, each held `delay` seconds before its read."""

    def __init__(self, settings: Settings, delay: float) -> None:
        client, self.firebase_app = open_firestore(settings)
        super().__init__(
            client,
            settings.stories_collection,
            timeout=settings.firestore_timeout_seconds,
            transaction_attempts=settings.firestore_transaction_attempts,
        )
        self.delay = delay
        self.pings = 0

    async def ping(self) -> None:
        self.pings += 1
        await asyncio.sleep(self.delay)
        await super().ping()


def concurrent_answers(
    settings: Settings, ttl: float, callers: int, delay: float = 0.2
) -> tuple[list[bool], int]:
    """The answers of `callers` simultaneous calls, and how many pings they cost."""

    async def scenario() -> tuple[list[bool], int]:
        store = CountingStore(settings, delay)
        try:
            readiness = Readiness(store, ttl)
            answers = await asyncio.gather(*(readiness.ready() for _ in range(callers)))
            return list(answers), store.pings
        finally:
            await store.aclose()
            close_firestore(store.firebase_app)

    return asyncio.run(scenario())


def test_callers_during_a_ping_wait_for_it(api_settings: Settings) -> None:
    assert concurrent_answers(api_settings, ttl=5, callers=20) == ([True] * 20, 1)


def test_callers_during_a_failing_ping_share_its_answer(unreachable_firestore: Settings) -> None:
    settings = unreachable_firestore

    assert concurrent_answers(settings, ttl=5, callers=10) == ([False] * 10, 1)


def test_without_a_window_every_call_pings(api_settings: Settings) -> None:
    assert concurrent_answers(api_settings, ttl=0, callers=3, delay=0) == ([True] * 3, 3)
