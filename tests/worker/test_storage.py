"""Storage against a real S3 HTTP server (moto, in process) and a fault-injecting proxy."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
import requests

from shared.errors import StorageAuthError, StorageUploadError, WorkerMisconfiguredError
from tests.helpers import servers
from tests.helpers.servers import FaultPlan, fault_proxy, s3_server
from worker.bucket import audio_key
from worker.config import ServiceSettings
from worker.storage import LocalObjectStore, R2ObjectStore, make_store

LOCAL_URL = "https://audio.example.com"

BUCKET = "story-audio"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server(BUCKET, public_read=True) as endpoint:
        yield endpoint


def r2_settings(endpoint: str, **overrides: object) -> ServiceSettings:
    return servers.r2_settings(endpoint, BUCKET, **({"r2_multipart_threshold_mb": 5} | overrides))


def test_upload_sets_type_cache_and_metadata(s3_endpoint, tmp_path) -> None:
    store = R2ObjectStore(r2_settings(s3_endpoint))
    path = tmp_path / "story.mp3"
    path.write_bytes(b"ID3" + os.urandom(2048))
    key = audio_key("user_1", "story_1", "job-1", ".mp3")
    stored = store.put_file(key, path, "audio/mpeg", {"story_id": "story_1", "job_id": "job-1"})
    head = store.client.head_object(Bucket=BUCKET, Key=key)
    assert stored.key == "audio/user_1/story_1/job-1.mp3"
    assert stored.size_bytes == 2051
    assert head["ContentType"] == "audio/mpeg"
    assert "immutable" in head["CacheControl"]
    assert head["Metadata"] == {"story_id": "story_1", "job_id": "job-1"}
    assert store.get_bytes(key) == path.read_bytes()


def test_large_files_go_up_in_parts(s3_endpoint, tmp_path) -> None:
    store = R2ObjectStore(r2_settings(s3_endpoint))
    path = tmp_path / "long.mp3"
    path.write_bytes(os.urandom(11 * 1024 * 1024))
    store.put_file("audio/u/s/long.mp3", path, "audio/mpeg", {})
    head = store.client.head_object(Bucket=BUCKET, Key="audio/u/s/long.mp3")
    assert head["ETag"].strip('"').endswith("-3")  # three parts of at most 5 MiB
    assert store.get_bytes("audio/u/s/long.mp3") == path.read_bytes()


def test_a_retried_job_overwrites_its_object(s3_endpoint, tmp_path) -> None:
    store = R2ObjectStore(r2_settings(s3_endpoint))
    key = audio_key("u", "overwrite", "job-7", ".mp3")
    for content in (b"first", b"second"):
        path = tmp_path / "a.mp3"
        path.write_bytes(content)
        store.put_file(key, path, "audio/mpeg", {})
    assert store.list_keys("audio/u/overwrite/") == [key]
    assert store.get_bytes(key) == b"second"


def test_presigned_url_fetches_the_object(s3_endpoint) -> None:
    settings = r2_settings(
        s3_endpoint, r2_public_base_url=None, r2_presigned_urls=True, r2_presign_expiry_s=600
    )
    store = R2ObjectStore(settings)
    store.put_bytes("audio/u/s/p.mp3", b"audio-bytes", "audio/mpeg", {})
    url = store.url_for("audio/u/s/p.mp3")
    assert "X-Amz-Signature=" in url
    assert "Expires=600" in url
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert response.content == b"audio-bytes"


def test_public_base_url_is_used_when_set(s3_endpoint) -> None:
    settings = r2_settings(s3_endpoint, r2_public_base_url="https://audio.example.com/")
    store = R2ObjectStore(settings)
    stored = store.put_bytes("audio/u/s/j.mp3", b"x", "audio/mpeg", {})
    assert stored.url == "https://audio.example.com/audio/u/s/j.mp3"


def test_the_public_base_url_of_a_path_style_bucket_fetches_the_object(s3_endpoint) -> None:
    """What the end-to-end tests configure: the bucket's own URL on the S3 server."""
    store = R2ObjectStore(r2_settings(s3_endpoint, r2_public_base_url=f"{s3_endpoint}/{BUCKET}"))
    stored = store.put_bytes("audio/u/s/public.mp3", b"public-bytes", "audio/mpeg", {})
    assert stored.url == f"{s3_endpoint}/{BUCKET}/audio/u/s/public.mp3"
    assert requests.get(stored.url, timeout=10).content == b"public-bytes"


def test_an_audio_url_that_would_expire_must_be_chosen(s3_endpoint) -> None:
    """Without R2_PUBLIC_BASE_URL, a presigned URL (dead within 7 days) is never the default."""
    store = R2ObjectStore(r2_settings(s3_endpoint, r2_public_base_url=None))
    with pytest.raises(WorkerMisconfiguredError) as info:
        store.put_bytes("audio/u/s/expiring.mp3", b"x", "audio/mpeg", {})
    assert "R2_PUBLIC_BASE_URL" in str(info.value.details)


def test_transient_503_is_retried_until_success(s3_endpoint, tmp_path) -> None:
    plan = FaultPlan(count=2, status=503)
    with fault_proxy(s3_endpoint, plan) as proxy:
        store = R2ObjectStore(r2_settings(proxy))
        path = tmp_path / "a.mp3"
        path.write_bytes(b"payload")
        store.put_file("audio/u/s/retry.mp3", path, "audio/mpeg", {})
    assert plan.faults_served == 2
    assert plan.seen == 3
    assert R2ObjectStore(r2_settings(s3_endpoint)).get_bytes("audio/u/s/retry.mp3") == b"payload"


def test_persistent_5xx_becomes_storage_upload_failed(s3_endpoint) -> None:
    plan = FaultPlan(count=100, status=500)
    with fault_proxy(s3_endpoint, plan) as proxy:
        store = R2ObjectStore(r2_settings(proxy, storage_max_attempts=3))
        with pytest.raises(StorageUploadError) as info:
            store.put_bytes("audio/u/s/x.mp3", b"x", "audio/mpeg", {})
    assert plan.seen == 3
    assert info.value.error_type.value == "storage_upload_failed"
    assert info.value.retryable


def test_403_is_storage_auth_failed_and_not_retried(s3_endpoint) -> None:
    body = b"<Error><Code>AccessDenied</Code><Message>no</Message></Error>"
    plan = FaultPlan(count=100, status=403, body=body)
    with fault_proxy(s3_endpoint, plan) as proxy:
        store = R2ObjectStore(r2_settings(proxy))
        with pytest.raises(StorageAuthError) as info:
            store.put_bytes("audio/u/s/x.mp3", b"x", "audio/mpeg", {})
    assert plan.seen == 1
    assert not info.value.retryable


def test_missing_object_reads_as_none(s3_endpoint) -> None:
    assert R2ObjectStore(r2_settings(s3_endpoint)).get_bytes("voices/u/none.pt") is None


def test_an_incomplete_r2_configuration_is_worker_misconfigured() -> None:
    with pytest.raises(WorkerMisconfiguredError) as info:
        make_store(ServiceSettings(storage_backend="r2", r2_bucket="b"))
    assert "R2_ACCESS_KEY_ID" in str(info.value.details)
    with pytest.raises(WorkerMisconfiguredError):
        R2ObjectStore(ServiceSettings(storage_backend="r2"), client=object())


@pytest.mark.parametrize(
    "settings",
    [
        ServiceSettings(),  # no STORAGE_BACKEND: no silent default
        ServiceSettings(storage_backend="local"),  # outside development
    ],
    ids=["unset", "local-outside-development"],
)
def test_make_store_refuses_what_the_deployment_policy_refuses(settings) -> None:
    with pytest.raises(WorkerMisconfiguredError) as info:
        make_store(settings)
    assert "STORAGE_BACKEND" in str(info.value.details)


def test_local_store_has_the_same_interface(tmp_path) -> None:
    store = make_store(
        ServiceSettings(
            worker_dev_mode=True,
            storage_backend="local",
            local_storage_dir=tmp_path,
            local_storage_public_url="http://127.0.0.1:9/",
        )
    )
    assert isinstance(store, LocalObjectStore)
    source = tmp_path / "in.mp3"
    source.write_bytes(b"abc")
    stored = store.put_file("audio/u/s/j.mp3", source, "audio/mpeg", {"job_id": "j"})
    assert stored.url == "http://127.0.0.1:9/audio/u/s/j.mp3"
    assert store.get_bytes("audio/u/s/j.mp3") == b"abc"
    assert store.list_keys("audio/") == ["audio/u/s/j.mp3"]
    store.delete("audio/u/s/j.mp3")
    assert store.get_bytes("audio/u/s/j.mp3") is None


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a/../b", "a//b/.."])
def test_unsafe_keys_are_refused(tmp_path, key: str) -> None:
    with pytest.raises(StorageUploadError):
        LocalObjectStore(tmp_path, LOCAL_URL).put_bytes(key, b"x", "text/plain", {})


def test_job_ids_cannot_escape_the_key() -> None:
    assert audio_key("u", "s", "../../x", ".mp3") == "audio/u/s/______x.mp3"


def test_the_local_store_prunes_old_checkpoints_by_age(tmp_path) -> None:
    store = LocalObjectStore(tmp_path, LOCAL_URL)
    for key in ("chunks/u/s/old.flac", "chunks/u/s/new.flac", "audio/u/s/old.mp3"):
        store.put_bytes(key, b"x", "audio/flac", {})
    month_ago = time.time() - 30 * 86_400
    for key in ("chunks/u/s/old.flac", "audio/u/s/old.mp3"):
        os.utime(tmp_path / key, (month_ago, month_ago))

    assert store.prune("chunks/", older_than_s=14 * 86_400) == 1
    assert store.list_keys("") == ["audio/u/s/old.mp3", "chunks/u/s/new.flac"]
    assert not (tmp_path / "chunks/u/s/old.flac.meta.json").exists()
