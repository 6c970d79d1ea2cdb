"""Per-user limits on the Firestore emulator: the hourly count's window, and the stories in
flight, read only when they reach the limit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.errors import RateLimitedError
from callback_api.services.limits import Limits
from tests.helpers.callback_api import StoreHarness, Stories
from tools.firestore_emulator import FirestoreEmulator

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(firestore_env: FirestoreEmulator, signing_secret: str) -> Settings:
    return Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        max_submissions_per_user_per_hour=2,
        max_active_narrations_per_user=2,
    )


@pytest.fixture
def harness(settings: Settings) -> Iterator[StoreHarness]:
    harness = StoreHarness(settings)
    yield harness
    harness.close()


def test_the_hourly_count_refuses_until_the_hour_is_over(
    harness: StoreHarness, settings: Settings
) -> None:
    limits = Limits(harness.store, settings)
    ana: dict[str, Any] | None = None
    for minutes in (0, 10):
        ana = harness.run(limits.admit("ana", ana, "s", 1, NOW + timedelta(minutes=minutes)))

    with pytest.raises(RateLimitedError) as refused:
        harness.run(limits.admit("ana", ana, "s", 1, NOW + timedelta(minutes=45)))

    assert refused.value.retry_after_s == 15 * 60
    assert refused.value.headers == {"Retry-After": "900"}
    ben = harness.run(limits.admit("ben", None, "t", 1, NOW + timedelta(minutes=45)))
    assert (ben["userId"], ben["count"]) == ("ben", 1)  # per user
    later = harness.run(limits.admit("ana", ana, "s", 1, NOW + timedelta(minutes=60)))
    assert later["count"] == 1  # a new hour


def test_stories_in_flight_are_read_only_at_the_limit_and_the_ended_ones_dropped(
    harness: StoreHarness, settings: Settings, stories: Stories
) -> None:
    limits = Limits(harness.store, settings)
    stories.create("a", audioStatus="pending")
    stories.create("b", audioStatus="ready")  # its narration ended

    below = harness.run(limits.admit("ana", {"inFlight": {"a": 1}}, "c", 1, NOW))
    assert below["inFlight"] == {"a": 1, "c": 1}
    at_limit = {"inFlight": {"a": 1, "b": 2, "gone": 1}}
    admitted = harness.run(limits.admit("ana", at_limit, "c", 1, NOW))
    assert admitted["inFlight"] == {"a": 1, "c": 1}
    again = harness.run(limits.admit("ana", admitted, "c", 2, NOW))  # Try again replaces it
    assert again["inFlight"] == {"a": 1, "c": 2}

    stories.create("b", audioStatus="processing")
    with pytest.raises(RateLimitedError) as refused:
        harness.run(limits.admit("ana", at_limit, "c", 1, NOW))
    assert refused.value.retry_after_s == 30
