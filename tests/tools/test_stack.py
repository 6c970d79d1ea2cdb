"""The local bucket serves objects as R2 does: stored headers, the CORS rule, and ETag
revalidation that sees every rewrite (a live playlist changes several times a second)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tools.stack import storage_files
from worker.storage import LocalObjectStore

KEY = "stream/user_1/story_1/job_1/index.m3u8"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LocalObjectStore]:
    with storage_files(tmp_path, allow_origin="http://app.example") as base:
        yield LocalObjectStore(tmp_path, base)


def put(store: LocalObjectStore, text: str) -> str:
    store.put_bytes(
        KEY, text.encode(), "application/vnd.apple.mpegurl", {}, cache_control="no-cache"
    )
    return store.url_for(KEY)


def test_objects_carry_their_stored_headers_and_the_cors_rule(
    store: LocalObjectStore,
) -> None:
    response = requests.get(put(store, "#EXTM3U\n"), timeout=5)
    assert response.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Access-Control-Allow-Origin"] == "http://app.example"
    assert response.headers["ETag"]


def test_a_rewrite_within_the_same_second_is_never_answered_not_modified(
    store: LocalObjectStore, tmp_path: Path
) -> None:
    second = 1_700_000_000 * 10**9
    put(store, "#EXTM3U\n#one\n")
    os.utime(tmp_path / KEY, ns=(second, second + 100_000_000))
    first = requests.get(store.url_for(KEY), timeout=5)
    put(store, "#EXTM3U\n#one\n#two\n")
    os.utime(tmp_path / KEY, ns=(second, second + 600_000_000))
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    for validators in (since, {**since, "If-None-Match": first.headers.get("ETag", "")}):
        again = requests.get(store.url_for(KEY), headers=validators, timeout=5)
        assert again.status_code == 200
        assert again.text.endswith("#two\n")


def test_an_unchanged_object_is_revalidated_by_its_etag(
    store: LocalObjectStore,
) -> None:
    url = put(store, "#EXTM3U\n")
    first = requests.get(url, timeout=5)
    again = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert again.status_code == 304
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize(
    ("wanted", "body", "span"),
    [
        ("bytes=2-5", b"2345", "2-5/10"),
        ("bytes=7-", b"789", "7-9/10"),
        ("bytes=-3", b"789", "7-9/10"),
    ],
)
def test_byte_ranges_are_served_for_seeking(
    store: LocalObjectStore, wanted: str, body: bytes, span: str
) -> None:
    store.put_bytes("audio/story.mp3", b"0123456789", "audio/mpeg", {})
    response = requests.get(store.url_for("audio/story.mp3"), headers={"Range": wanted}, timeout=5)
    assert response.status_code == 206
    assert response.content == body
    assert response.headers["Content-Range"] == f"bytes {span}"
    assert response.headers["Content-Type"] == "audio/mpeg"


def test_a_range_past_the_end_is_refused(store: LocalObjectStore) -> None:
    store.put_bytes("audio/story.mp3", b"0123456789", "audio/mpeg", {})
    url = store.url_for("audio/story.mp3")
    response = requests.get(url, headers={"Range": "bytes=10-"}, timeout=5)
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */10"
    assert requests.get(url, timeout=5).headers["Accept-Ranges"] == "bytes"


def test_readers_never_see_a_half_written_object_or_metadata(
    store: LocalObjectStore, tmp_path: Path
) -> None:
    """The worker rewrites a live playlist and its `.meta.json` several times a second while
    the bucket server reads both: every read sees a whole object and whole metadata."""
    sidecar = tmp_path / f"{KEY}.meta.json"
    url = put(store, "#EXTM3U\n")
    stop = threading.Event()
    written = [0]

    def rewrite() -> None:
        while not stop.is_set():
            written[0] += 1
            put(store, "#EXTM3U\n" + "#EXTINF:6.0,\nsegment.mp3\n" * (written[0] % 50))

    # Read until the writer has rewritten the object 300 times (however slow the machine),
    # so every read below overlaps a rewrite.
    reads, deadline = 0, time.monotonic() + 60
    with ThreadPoolExecutor(1) as pool, requests.Session() as session:
        writes = pool.submit(rewrite)
        try:
            while (reads < 300 or written[0] < 300) and time.monotonic() < deadline:
                reads += 1
                json.loads(sidecar.read_text())["content_type"]  # never empty, never cut
                response = session.get(url, timeout=5)
                assert response.status_code == 200
                assert response.headers["Content-Type"] == "application/vnd.apple.mpegurl"
                assert response.text.startswith("#EXTM3U\n")
                assert response.text.endswith("\n")
        finally:
            stop.set()
        writes.result()
    assert reads >= 300
    assert written[0] >= 300
    assert [p.name for p in sidecar.parent.iterdir() if p.name.startswith(".")] == []
