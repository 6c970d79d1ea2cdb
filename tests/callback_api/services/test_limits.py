"""Per-user limits on the Firestore emulator: the hourly count's window, and the shipped index
that serves the in-flight query."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.errors import RateLimitedError
from callback_api.services.limits import Limits
from tests.helpers.callback_api import StoreHarness
from tools.firestore_emulator import FirestoreEmulator

REPO = Path(__file__).resolve().parents[3]
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def settings(firestore_env: FirestoreEmulator, signing_secret: str) -> Settings:
    return Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        max_submissions_per_user_per_hour=2,
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
    for minutes in (0, 10):
        harness.run(limits.take_submission("ana", NOW + timedelta(minutes=minutes)))

    with pytest.raises(RateLimitedError) as refused:
        harness.run(limits.take_submission("ana", NOW + timedelta(minutes=45)))

    assert refused.value.retry_after_s == 15 * 60
    assert refused.value.headers == {"Retry-After": "900"}
    harness.run(limits.take_submission("ben", NOW + timedelta(minutes=45)))  # per user
    harness.run(limits.take_submission("ana", NOW + timedelta(minutes=60)))  # a new hour


def test_the_shipped_index_serves_the_in_flight_query(
    harness: StoreHarness, settings: Settings
) -> None:
    """Equality filters only: an index on exactly those fields serves it."""
    limits = Limits(harness.store, settings)
    query = limits.active_query("ana")._to_protobuf()
    filters = [f.field_filter for f in query.where.composite_filter.filters]
    assert {f.op.name for f in filters} <= {"EQUAL", "IN"}

    index_file = json.loads((REPO / "firestore.indexes.json").read_text())
    queried = {f.field.field_path for f in filters}
    served = [
        index
        for index in index_file["indexes"]
        if index["collectionGroup"] == query.from_[0].collection_id
        and {f["fieldPath"] for f in index["fields"]} == queried
    ]
    assert len(served) == 1
    assert served[0]["queryScope"] == "COLLECTION"
