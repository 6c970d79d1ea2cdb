"""Publishing a live stream behind the job: in order, the playlist never ahead of its
segments, announced at two segments, closed at the end, and never a cost to the job."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from tests.helpers.servers import FaultPlan, fault_proxy, r2_settings, s3_server
from worker.storage import LocalObjectStore, R2ObjectStore
from worker.streaming.hls import Segment, id3_timestamp
from worker.streaming.publisher import CLOSE_MARGIN_S, StreamPublisher, StreamState

BUCKET = "streams"
PREFIX = "stream/user_1/story_1/job-1"


def segment(index: int) -> Segment:
    return Segment(index, index * 250, 250, 6.0, id3_timestamp(index * 540_000) + bytes([index]))


class Watched(LocalObjectStore):
    """A local store that checks, at every playlist upload, that each listed segment exists,
    and that fails or stalls on request (every upload, or those whose key ends `stalls`)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root, "http://127.0.0.1:9/files")
        self.failing = 0
        self.stall = threading.Event()
        self.stall.set()
        self.stalls = ""
        self.playlists: list[str] = []
        self.attempts: list[float] = []
        self.stored: list[str] = []

    def put_bytes(self, key: str, data: bytes, content_type: str, metadata, **kw):  # type: ignore[no-untyped-def]
        self.attempts.append(time.monotonic())
        if key.endswith(self.stalls):
            self.stall.wait()
        if self.failing:
            self.failing -= 1
            raise OSError("storage is down")
        if key.endswith(".m3u8"):
            text = data.decode()
            for name in re.findall(r"^(\d+\.mp3)$", text, re.M):
                assert self.get_bytes(f"{PREFIX}/{name}") is not None, "listed before stored"
            self.playlists.append(text)
        self.stored.append(key)
        return super().put_bytes(key, data, content_type, metadata, **kw)


@pytest.fixture
def store(tmp_path: Path) -> Watched:
    return Watched(tmp_path)


def publisher(store, updates: list[StreamState], flush_s: float = 5.0) -> StreamPublisher:  # type: ignore[no-untyped-def]
    return StreamPublisher(store, PREFIX, updates.append, flush_s=flush_s)


def wait_until(condition, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_segments_are_published_in_order_and_announced_from_the_second(store: Watched) -> None:
    updates: list[StreamState] = []
    stream = publisher(store, updates)
    stream.offer(segment(0))
    wait_until(lambda: len(store.playlists) == 1)
    assert updates == []  # one segment: a player would run dry at its end
    stream.offer(segment(1))
    wait_until(lambda: updates)
    url = "http://127.0.0.1:9/files/stream/user_1/story_1/job-1/index.m3u8"
    assert updates == [StreamState(url, 2)]
    assert "#EXT-X-ENDLIST" not in store.playlists[-1]
    stream.offer(segment(2))
    stats = stream.close()
    assert (stats.url, stats.segments, stats.unpublished, stats.failures) == (url, 3, 0, 0)
    assert stats.ended
    assert stats.first_segment_s is not None
    assert store.playlists[-1].endswith("00002.mp3\n#EXT-X-ENDLIST\n")
    assert updates[-1] == StreamState(url, 3)
    assert store.get_bytes(f"{PREFIX}/00001.mp3") == segment(1).data


def test_offering_never_waits_for_storage(store: Watched) -> None:
    store.stall.clear()
    stream = publisher(store, [], flush_s=0.2)
    started = time.perf_counter()
    for index in range(50):
        stream.offer(segment(index))
    assert time.perf_counter() - started < 0.05
    store.stall.set()
    stats = stream.close()
    assert stats.segments + stats.unpublished == 50


def test_a_failed_upload_is_tried_again_and_nothing_is_skipped(store: Watched) -> None:
    store.failing = 2
    updates: list[StreamState] = []
    stream = publisher(store, updates)
    for index in range(4):
        stream.offer(segment(index))
    stats = stream.close()
    assert (stats.segments, stats.unpublished, stats.failures, stats.ended) == (4, 0, 2, True)
    listed = re.findall(r"^(\d+\.mp3)$", store.playlists[-1], re.M)
    assert listed == ["00000.mp3", "00001.mp3", "00002.mp3", "00003.mp3"]


def test_storage_down_to_the_end_costs_the_stream_only(store: Watched) -> None:
    store.failing = 10_000
    stream = publisher(store, [], flush_s=0.5)
    for index in range(3):
        stream.offer(segment(index))
    started = time.perf_counter()
    stats = stream.close()
    assert time.perf_counter() - started < 1.5
    assert (stats.url, stats.segments, stats.unpublished, stats.ended) == (None, 0, 3, False)
    assert stats.failures >= 1


def test_a_failing_store_is_asked_further_apart_each_time(store: Watched) -> None:
    store.failing = 10_000
    stream = publisher(store, [], flush_s=0.1)
    for index in range(44):  # a segment every 50 ms: each one wakes the publisher
        stream.offer(segment(index))
        time.sleep(0.05)
    stats = stream.close()
    gaps = [later - earlier for earlier, later in pairwise(store.attempts)]
    assert 2 <= len(gaps) <= 3  # 0.5 s, then 1 s (then 2 s); not one try per segment
    assert all(later > 1.5 * earlier for earlier, later in pairwise(gaps))
    assert gaps[0] >= 0.45
    assert (stats.segments, stats.unpublished, stats.failures) == (0, 44, len(store.attempts))


@pytest.mark.parametrize("cut", [1, 3])
def test_close_returns_once_publishing_has_stopped(store: Watched, cut: int) -> None:
    updates: list[StreamState] = []
    stream = publisher(store, updates, flush_s=0.1)
    store.stall.clear()  # the first upload hangs until released, within the close's margin
    for index in range(cut):
        stream.offer(segment(index))
    threading.Timer(0.6, store.stall.set).start()
    started = time.perf_counter()
    stats = stream.close()
    assert time.perf_counter() - started >= 0.5  # it waited for the upload under way
    stored, announced = list(store.stored), list(updates)
    time.sleep(0.3)
    assert (store.stored, updates) == (stored, announced)  # nothing happens after close
    # the upload under way finished; none started after the flush's time was up, not even
    # the playlist's
    assert stored == [f"{PREFIX}/00000.mp3"]
    assert (stats.segments, stats.unpublished, stats.ended, stats.url) == (1, cut - 1, False, None)


def hang_until_after_close(store: Watched, stalls: str) -> threading.Timer:
    """Uploads whose key ends `stalls` hang for far longer than a close may take."""
    store.stalls = stalls
    store.stall.clear()
    release = threading.Timer(4 * CLOSE_MARGIN_S, store.stall.set)
    release.start()
    return release


@pytest.mark.parametrize("stalls", [".mp3", ".m3u8"])
def test_close_never_waits_long_for_a_hanging_store(store: Watched, stalls: str) -> None:
    updates: list[StreamState] = []
    stream = publisher(store, updates, flush_s=0.2)
    release = hang_until_after_close(store, stalls)
    for index in range(2):
        stream.offer(segment(index))
    wait_until(lambda: store.attempts)  # an upload is under way, and hangs
    started = time.perf_counter()
    stats = stream.close()
    assert time.perf_counter() - started < 0.2 + CLOSE_MARGIN_S + 0.3
    assert (stats.url, stats.ended) == (None, False)
    assert stats.segments == (2 if stalls == ".m3u8" else 0)
    release.join()  # the hanging upload ends, after `close`
    names = ["00000.mp3", "00001.mp3", "index.m3u8"] if stalls == ".m3u8" else ["00000.mp3"]
    wait_until(lambda: store.stored == [f"{PREFIX}/{name}" for name in names])
    time.sleep(0.3)
    assert len(store.stored) == len(names)  # nothing started after it
    assert updates == []  # nor was anything announced, not even what it stored


def test_a_job_that_cut_nothing_publishes_nothing(store: Watched) -> None:
    stats = publisher(store, []).close()
    assert (stats.url, stats.segments, stats.ended) == (None, 0, True)
    assert store.list_keys("stream/") == []


def test_local_objects_carry_their_cache_headers(store: Watched) -> None:
    stream = publisher(store, [])
    stream.offer(segment(0))
    stream.close()

    def headers(name: str) -> tuple[str, str]:
        meta = json.loads((store.root / PREFIX / f"{name}.meta.json").read_text())
        return meta["content_type"], meta["cache_control"]

    assert headers("00000.mp3") == ("audio/mpeg", "public, max-age=31536000, immutable")
    assert headers("index.m3u8") == ("application/vnd.apple.mpegurl", "no-cache")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with s3_server(BUCKET) as url:
        yield url


def test_on_r2_segments_are_immutable_and_the_playlist_is_revalidated(endpoint: str) -> None:
    store = R2ObjectStore(r2_settings(endpoint, BUCKET))
    updates: list[StreamState] = []
    stream = StreamPublisher(store, PREFIX, updates.append, flush_s=5)
    for index in range(2):
        stream.offer(segment(index))
    stats = stream.close()
    assert stats.url == f"https://audio.example.com/{PREFIX}/index.m3u8"
    head = store.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/00001.mp3")
    assert (head["ContentType"], head["CacheControl"]) == (
        "audio/mpeg",
        "public, max-age=31536000, immutable",
    )
    head = store.client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/index.m3u8")
    assert (head["ContentType"], head["CacheControl"]) == (
        "application/vnd.apple.mpegurl",
        "no-cache",
    )
    body = store.get_bytes(f"{PREFIX}/index.m3u8")
    assert body is not None
    assert body.decode().endswith("#EXT-X-ENDLIST\n")


def test_on_r2_a_storage_outage_delays_the_stream_and_loses_nothing(endpoint: str) -> None:
    plan = FaultPlan(status=503, count=6, only=lambda method, path: method == "PUT")
    with fault_proxy(endpoint, plan) as proxy:
        store = R2ObjectStore(r2_settings(proxy, BUCKET, storage_max_attempts=2))
        stream = StreamPublisher(store, PREFIX + "-outage", lambda _: None, flush_s=15)
        for index in range(3):
            stream.offer(segment(index))
        stats = stream.close()
    assert (stats.segments, stats.unpublished, stats.ended) == (3, 0, True)
    assert stats.failures >= 2


class Track:
    """A live read-along track that says what it was asked for; `broken` after so many."""

    def __init__(self, broken: int | None = None) -> None:
        self.prepared = 0
        self.asked: list[float] = []
        self.broken = broken

    def prepare(self) -> None:
        self.prepared += 1

    def snapshot(self, heard_s: float) -> bytes:
        if self.broken is not None and len(self.asked) >= self.broken:
            raise ValueError("the track broke")
        self.asked.append(heard_s)
        return json.dumps({"version": 1, "duration": heard_s, "sentences": []}).encode()


TRACK_URL = f"http://127.0.0.1:9/files/{PREFIX}/timings.json"


def test_the_live_track_is_rewritten_with_each_playlist_as_far_as_it_is_heard(
    store: Watched,
) -> None:
    track = Track()
    updates: list[StreamState] = []
    stream = StreamPublisher(store, PREFIX, updates.append, flush_s=5, track=track)
    wait_until(lambda: track.prepared)  # before any segment: the sentences are ready early
    for index in range(3):
        stream.offer(segment(index))
        wait_until(lambda index=index: len(store.playlists) == index + 1)
    stream.close()
    names = [key.removeprefix(PREFIX + "/") for key in store.stored]
    rounds = [names[i : i + 3] for i in range(0, len(names), 3)]
    assert rounds[:3] == [[f"0000{i}.mp3", "timings.json", "index.m3u8"] for i in range(3)]
    assert track.asked[:3] == [6.0, 12.0, 18.0]  # the stored segments' length, no further
    assert [state.timings_url for state in updates] == [TRACK_URL] * len(updates)
    assert updates[0] == StreamState(f"http://127.0.0.1:9/files/{PREFIX}/index.m3u8", 2, TRACK_URL)
    meta = json.loads((store.root / PREFIX / "timings.json.meta.json").read_text())
    assert (meta["content_type"], meta["cache_control"]) == ("application/json", "no-cache")
    stored = store.get_bytes(f"{PREFIX}/timings.json")
    assert stored is not None
    assert json.loads(stored)["duration"] == 18.0


def test_a_broken_track_stops_the_track_never_the_stream(store: Watched) -> None:
    track = Track(broken=2)
    updates: list[StreamState] = []
    stream = StreamPublisher(store, PREFIX, updates.append, flush_s=5, track=track)
    for index in range(4):
        stream.offer(segment(index))
        wait_until(lambda index=index: len(store.playlists) == index + 1)
    stats = stream.close()
    assert (stats.segments, stats.unpublished, stats.failures, stats.ended) == (4, 0, 0, True)
    assert track.asked == [6.0, 12.0]  # never asked again once it failed
    assert [state.timings_url for state in updates] == [TRACK_URL] + [None] * (len(updates) - 1)
    assert sum(key.endswith("timings.json") for key in store.stored) == 2


def test_without_a_track_nothing_but_the_stream_is_stored(store: Watched) -> None:
    updates: list[StreamState] = []
    stream = publisher(store, updates)
    for index in range(2):
        stream.offer(segment(index))
    stream.close()
    assert not any(key.endswith("timings.json") for key in store.stored)
    assert all(state.timings_url is None for state in updates)
