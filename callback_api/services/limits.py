"""Per-user limits of the narration endpoint, each answered 429 with `Retry-After`.

- `MAX_ACTIVE_NARRATIONS_PER_USER`: the user's stories that are `pending` or `processing`
  (a query on the owner field and `audioStatus`, the index of `firestore.indexes.json`). The
  story being narrated again does not count: "Try again" replaces its narration.
- `MAX_SUBMISSIONS_PER_USER_PER_HOUR`: a count per user and clock hour in an internal
  collection (`QUOTAS_COLLECTION/{user_id}-{hour}`), incremented atomically by Firestore
  itself (one write, no transaction to contend), so that instances cannot both take the last
  one. A refused request counts too; its answer says when the hour ends. Each document holds
  `expireAt`, for a Firestore TTL policy to delete it an hour after its hour.

Both are checked, at once, before the story is handed to a new submission: a refused request
writes nothing to the story and submits nothing (it does count towards the hour).
"""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime

from google.cloud.firestore import AsyncQuery
from google.cloud.firestore_v1 import FieldFilter, Increment

from callback_api.core.config import Settings
from callback_api.core.errors import RateLimitedError
from callback_api.services.rules import AWAITING
from callback_api.services.stories import StoryStore

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

    async def take(self, user_id: str, story_id: str, now: datetime | None = None) -> None:
        """Both limits at once (one round trip's time); the first refusal is raised."""
        outcomes = await asyncio.gather(
            self.check_active(user_id, story_id),
            self.take_submission(user_id, now),
            return_exceptions=True,
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

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
        hour = int(when.timestamp()) // HOUR_S
        ref = self._quotas.document(f"{user_id}-{hour}")
        fields = {
            "userId": user_id,
            "count": Increment(1),
            "expireAt": datetime.fromtimestamp((hour + 2) * HOUR_S, UTC),
        }
        written = await self._store.call(ref.set(fields, merge=True, timeout=self._store.timeout))
        count = written.transform_results[0].integer_value
        if count > self._max_hourly:
            raise RateLimitedError(
                f"You have started {self._max_hourly} narrations this hour, the most allowed. "
                "Please try again later.",
                max(1, (hour + 1) * HOUR_S - math.floor(when.timestamp())),
            )
