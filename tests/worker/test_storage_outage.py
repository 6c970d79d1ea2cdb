"""A finished file waits out a storage outage: moto's S3 behind a proxy that drops every
connection for a while, as an unreachable R2 does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from shared.errors import StorageUploadError
from tests.helpers import servers
from tests.helpers.servers import FaultPlan, fault_proxy, s3_server
from worker.config import ServiceSettings
from worker.storage import R2ObjectStore

BUCKET = "outage-audio"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server(BUCKET) as endpoint:
        yield endpoint


def r2_settings(endpoint: str, **overrides: object) -> ServiceSettings:
    return servers.r2_settings(endpoint, BUCKET, **({"storage_backoff_max_s": 0.5} | overrides))


@dataclass
class Outage:
    """Every request fails for `seconds` from the first one `starts` chooses (None: any)."""

    seconds: float
    starts: str | None = None
    began: float | None = None

    def __call__(self, method: str, path: str) -> bool:
        if self.began is None and (self.starts is None or self.starts in path):
            self.began = time.monotonic()
        return self.began is not None and time.monotonic() - self.began < self.seconds

    def plan(self) -> FaultPlan:
        plan = FaultPlan(only=self, drop=True)
        plan.fail_all()
        return plan


def test_a_finished_file_waits_out_a_three_second_outage(s3_endpoint, tmp_path) -> None:
    outage = Outage(3.0)
    plan = outage.plan()
    path = tmp_path / "story.mp3"
    path.write_bytes(b"the whole story")
    with fault_proxy(s3_endpoint, plan) as proxy:
        started = time.monotonic()
        stored = R2ObjectStore(r2_settings(proxy)).put_file(
            "audio/u/s/j.mp3", path, "audio/mpeg", {}
        )
        elapsed = time.monotonic() - started
    assert plan.faults_served >= 4  # more attempts than STORAGE_MAX_ATTEMPTS allows alone
    assert elapsed >= 3.0
    assert stored.size_bytes == len(b"the whole story")
    assert (
        R2ObjectStore(r2_settings(s3_endpoint)).get_bytes("audio/u/s/j.mp3") == b"the whole story"
    )


def test_an_outage_longer_than_the_retry_window_fails_once_the_window_is_over(
    s3_endpoint, tmp_path
) -> None:
    plan = Outage(3600).plan()
    path = tmp_path / "story.mp3"
    path.write_bytes(b"x")
    with fault_proxy(s3_endpoint, plan) as proxy:
        store = R2ObjectStore(r2_settings(proxy, storage_file_retry_s=1.5))
        started = time.monotonic()
        with pytest.raises(StorageUploadError) as info:
            store.put_file("audio/u/s/late.mp3", path, "audio/mpeg", {})
        elapsed = time.monotonic() - started
    assert 1.5 <= elapsed < 1.5 + 0.5 + 1.0  # the window, one more backoff, one last attempt
    assert info.value.error_type.value == "storage_upload_failed"
    assert "still failing after" in (info.value.details or "")


def test_small_objects_keep_their_few_attempts(s3_endpoint) -> None:
    """Checkpoints, stream segments and dead letters are not worth a minute of a job's time."""
    plan = Outage(3600).plan()
    with fault_proxy(s3_endpoint, plan) as proxy:
        store = R2ObjectStore(r2_settings(proxy, storage_max_attempts=3))
        started = time.monotonic()
        with pytest.raises(StorageUploadError):
            store.put_bytes("callbacks/dead-letter/x.json", b"{}", "application/json", {})
    assert plan.faults_served == 3
    assert time.monotonic() - started < 2.0
