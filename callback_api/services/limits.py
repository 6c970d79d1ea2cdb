"""Per-user limits of the narration endpoint, each answered 429 with `Retry-After`.

- `MAX_ACTIVE_NARRATIONS_PER_USER`: the user's stories that are `pending` or `processing`
  (a query on the owner field and `audioStatus`, the index of `firestore.indexes.json`). The
  story being narrated again does not count: "Try again" replaces its narration.
- `MAX_SUBMISSIONS_PER_USER_PER_HOUR`: a count per user in an internal collection
  (`QUOTAS_COLLECTION/{user_id}`), taken in a transaction, so that instances cannot both take
  the last one. The hour starts at the user's first submission in it.

Both are checked before the story is handed to a new submission: a refused request writes
nothing to the story and submits nothing.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from google.cloud.firestore import (
    AsyncDocumentReference,
    AsyncQuery,
    AsyncTransaction,
    async_transactional,
)
from google.cloud.firestore_v1 import FieldFilter

from callback_api.core.config import Settings
from callback_api.core.errors import RateLimitedError
from callback_api.services.rules import AWAITING
from callback_api.services.stories import KeyedLock, StoryStore, while_contended

HOUR_S = 3600
ACTIVE_RETRY_AFTER_S = 30
"""A narration takes minutes; asking again sooner than this would only be refused again."""


class Limits:
    def __init__(self, store: StoryStore, settings: Settings) -> None:
        self._store = store
        self._stories = store.client.collection(settings.stories_collection)
        self._quotas = store.client.collection(settings.quotas_collection)
        self._owner = settings.story_owner_field
        self._max_active = settings.max_active_narrations_per_user
        self._max_hourly = settings.max_submissions_per_user_per_hour
        self._locks = KeyedLock()

    async def check_active(self, user_id: str, story_id: str) -> None:
        """Raise `RateLimitedError` if the user has as many other stories in flight as allowed."""
        query = self.active_query(user_id).limit(self._max_active + 1)
        found = await self._store.call(query.get(timeout=self._store.timeout))
        if sum(snapshot.id != story_id for snapshot in found) >= self._max_active:
            raise RateLimitedError(
                f"You already have {self._max_active} stories being narrated. Please wait for "
                "one of them to finish, then try again.",
                ACTIVE_RETRY_AFTER_S,
            )

    def active_query(self, user_id: str) -> AsyncQuery:
        """The user's stories in flight; served by an index of `firestore.indexes.json`."""
        return (
            self._stories.where(filter=FieldFilter(self._owner, "==", user_id))
            .where(filter=FieldFilter("audioStatus", "in", sorted(AWAITING)))
            .select([])  # document names only: the stories' text stays where it is
        )

    async def take_submission(self, user_id: str, now: datetime | None = None) -> None:
        """Count one submission for the user; `RateLimitedError` when the hour's are used up."""
        when = now or datetime.now(UTC)
        wait_s = await self._store.call(self._taken(user_id, when))
        if wait_s is not None:
            raise RateLimitedError(
                f"You have started {self._max_hourly} narrations in the last hour, the most "
                "allowed. Please try again later.",
                wait_s,
            )

    async def _taken(self, user_id: str, now: datetime) -> int | None:
        # One user's requests queue here rather than abort each other's transactions.
        ref, timeout = self._quotas.document(user_id), self._store.timeout
        async with self._locks.hold(user_id):
            async for attempt in while_contended(timeout):
                with attempt:
                    transaction = self._store.client.transaction()
                    return await _take(transaction, ref, now, self._max_hourly, timeout)
        raise AssertionError("unreachable: the retrying loop returns or raises")


@async_transactional
async def _take(
    transaction: AsyncTransaction,
    ref: AsyncDocumentReference,
    now: datetime,
    limit: int,
    timeout: float,
) -> int | None:
    """None when a submission was counted, else the seconds until the hour is over."""
    snapshot = await ref.get(transaction=transaction, timeout=timeout)
    quota = (snapshot.to_dict() or {}) if snapshot.exists else {}
    start, count = quota.get("windowStart"), quota.get("count")
    elapsed = (now - start).total_seconds() if isinstance(start, datetime) else HOUR_S
    if not isinstance(count, int) or not 0 <= elapsed < HOUR_S:
        start, count, elapsed = now, 0, 0.0
    if count >= limit:
        return max(1, math.ceil(HOUR_S - elapsed))
    transaction.set(ref, {"windowStart": start, "count": count + 1, "updatedAt": now})
    return None
