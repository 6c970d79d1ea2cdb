"""Per-user limits of the narration endpoint, each answered 429 with `Retry-After`.

Both live on one document per user in an internal collection (`QUOTAS_COLLECTION/{user_id}`),
read and written in the transaction that hands the story to its submission
(`StoryStore.begin_request`): instances cannot both take the last one, and a refused request
writes nothing (it does not count towards the hour either).

- `MAX_SUBMISSIONS_PER_USER_PER_HOUR`: `hour` (the clock hour, in hours since the epoch) and
  `count`, the submissions started in it; the answer says when the hour ends.
- `MAX_ACTIVE_NARRATIONS_PER_USER`: `inFlight`, the stories this API started for the user
  (story id → submission). Only when they reach the limit are those stories read, and the ones
  no longer `pending` or `processing` dropped, so the common request costs no extra read. The
  story being narrated again does not count: "Try again" replaces its narration. A story
  started by other means (`submit_story_job`) is not counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from google.cloud.firestore import AsyncDocumentReference

from callback_api.core.config import Settings
from callback_api.core.errors import RateLimitedError
from callback_api.services.rules import AWAITING
from callback_api.services.stories import StoryStore

HOUR_S = 3600
ACTIVE_RETRY_AFTER_S = 30
"""A narration takes minutes; asking again sooner than this would only be refused again."""
FIELDS = ("hour", "count", "inFlight")
"""The user document's fields (`StoryStore.begin_request` reads them with the story)."""


class Limits:
    def __init__(self, store: StoryStore, settings: Settings) -> None:
        self._store = store
        self._stories = store.client.collection(settings.stories_collection)
        self._quotas = store.client.collection(settings.quotas_collection)
        self._max_active = settings.max_active_narrations_per_user
        self._max_hourly = settings.max_submissions_per_user_per_hour

    def document(self, user_id: str) -> AsyncDocumentReference:
        return self._quotas.document(user_id)

    async def admit(
        self,
        user_id: str,
        user: Mapping[str, Any] | None,
        story_id: str,
        submission: int,
        now: datetime,
    ) -> dict[str, Any]:
        """The user document (`user`, as read) after one more submission of `story_id`;
        `RateLimitedError` when either limit refuses it."""
        user = user or {}
        hour = int(now.timestamp()) // HOUR_S
        count = user.get("count", 0) if user.get("hour") == hour else 0
        if count >= self._max_hourly:
            raise RateLimitedError(
                f"You have started {self._max_hourly} narrations this hour, the most allowed. "
                "Please try again later.",
                max(1, (hour + 1) * HOUR_S - math.floor(now.timestamp())),
            )
        flying = {k: v for k, v in (user.get("inFlight") or {}).items() if k != story_id}
        if len(flying) >= self._max_active:
            flying = await self._still_flying(flying)
        if len(flying) >= self._max_active:
            raise RateLimitedError(
                f"You already have {self._max_active} stories being narrated. Please wait for "
                "one of them to finish, then try again.",
                ACTIVE_RETRY_AFTER_S,
            )
        return {
            "userId": user_id,
            "hour": hour,
            "count": count + 1,
            "inFlight": flying | {story_id: submission},
        }

    async def _still_flying(self, flying: dict[str, Any]) -> dict[str, Any]:
        """`flying` without the stories that ended (or went). Read outside the transaction:
        locking them would hold up their callbacks, and one that ends meanwhile is only
        counted a moment longer."""
        refs = [self._stories.document(story_id) for story_id in flying]
        found = self._store.client.get_all(refs, ["audioStatus"], timeout=self._store.timeout)
        awaiting = {
            snapshot.id
            async for snapshot in found
            if snapshot.exists and (snapshot.to_dict() or {}).get("audioStatus") in AWAITING
        }
        return {k: v for k, v in flying.items() if k in awaiting}
