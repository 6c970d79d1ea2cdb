"""Listening while it renders, for real: the reference player in headless Chromium follows the
story document in the Firestore emulator and plays the live stream that the worker (Piper,
under RunPod's local API, local storage served as the public bucket is) publishes as it goes."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests
import soundfile as sf
from google.cloud import firestore
from playwright.sync_api import Browser, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from shared.signing import generate_secret
from tests.helpers.browser import PLAYER, chromium, events, first
from tests.helpers.browser import open_player as browser_page
from tools.stack import REPO_ROOT, callback_api, runpod_worker, static_files, storage_files
from worker.bucket import PLAYLIST_NAME, segment_name
from worker.storage import LocalObjectStore
from worker.streaming.hls import DECODER_DELAY, ENCODER_DELAY, PLAYLIST_CONTENT_TYPE

pytestmark = pytest.mark.slow

SECRET = generate_secret()
LISTEN_MS = 180_000
TEXT_CHARS = 2_400
"""About 2.5 minutes of speech: Piper renders it in seconds, long enough to listen in."""
PLAYBACK_RATE = 8  # the media clock is what is measured; faster than Piper renders on 2 cores


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bucket")


@pytest.fixture(scope="module")
def bucket(storage: Path) -> Iterator[str]:
    with storage_files(storage) as base:  # another origin than the page's: CORS is exercised
        yield base


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with static_files(PLAYER) as base:
        yield base


@pytest.fixture(scope="module")
def api(firestore_env_module: dict[str, str]) -> Iterator[str]:
    env = {
        **firestore_env_module,
        "CALLBACK_SIGNING_SECRET": SECRET,
        "CALLBACK_API_DEV_MODE": "true",  # no RunPod status API to confirm jobs with here
        "LOG_LEVEL": "WARNING",
    }
    with callback_api(env) as base:
        yield base


@pytest.fixture(scope="module")
def runpod(storage: Path, bucket: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {
        "TTS_ENGINE": "piper",
        "WORKER_DEV_MODE": "true",
        "STORAGE_BACKEND": "local",
        "LOCAL_STORAGE_DIR": str(storage),
        "LOCAL_STORAGE_PUBLIC_URL": bucket,
        "CALLBACK_SIGNING_SECRET": SECRET,
        "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
        "PROGRESS_MIN_INTERVAL_S": "0.5",
        "DEAD_LETTER_BUDGET_S": "0",
    }
    with runpod_worker(env, tmp_path_factory.mktemp("worker") / "worker.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def open_player(browser: Browser, site: str, story_id: str, emulator: str) -> Page:
    return browser_page(browser, site, story_id, emulator, PLAYBACK_RATE)


def opening_of_the_sample(chars: int) -> str:
    paragraphs, text = (REPO_ROOT / "samples" / "story.txt").read_text().split("\n\n"), ""
    while len(text) < chars:
        text += paragraphs.pop(0) + "\n\n"
    return text


def narrate(runpod: str, api: str, story_id: str) -> dict[str, Any]:
    job = {
        "text": opening_of_the_sample(TEXT_CHARS),
        "story_id": story_id,
        "user_id": "user_listen",
        "story_type": "user",
        "callback_url": f"{api}/api/tts/callback",
    }
    response = requests.post(f"{runpod}/runsync", json={"input": job}, timeout=300)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def listened(
    db: firestore.Client,
    firestore_env_module: dict[str, str],
    api: str,
    runpod: str,
    site: str,
    browser: Browser,
) -> dict[str, Any]:
    """One story narrated while the player, opened before the job, listens to all of it."""
    doc = db.collection("stories").document("listen_1")
    doc.set({"title": "The lighthouse", "audioStatus": "pending"})
    page = open_player(browser, site, "listen_1", firestore_env_module["FIRESTORE_EMULATOR_HOST"])
    page.wait_for_function("window.playerLog.some(e => e.state?.status === 'pending')")
    page.on("console", lambda message: console.append(message.text))
    console: list[str] = []
    with ThreadPoolExecutor(1) as pool:
        job = pool.submit(narrate, runpod, api, "listen_1")
        try:
            page.wait_for_function(
                "window.playerLog.some(e => e.event === 'ended')", timeout=LISTEN_MS
            )
        except PlaywrightTimeout:
            pytest.fail(f"the story never ended playing: {events(page)[-8:]} {console[-8:]}")
        result = job.result(timeout=60)
    log = events(page)
    page.close()
    assert result["status"] == "COMPLETED", result
    story = doc.get().to_dict()
    return {"log": log, "output": result["output"], "story": story, "console": console}


def short_stream(
    output: dict[str, Any], storage: Path, bucket: str, name: str
) -> tuple[str, float]:
    """The job's live playlist as it stood with two segments, never to grow again (a stale
    cache, a lost upload, a job that failed): its URL and how many seconds it holds."""
    stream_key = output["stream_url"].removeprefix(f"{bucket}/")
    full = (storage / stream_key).read_text()
    stale = full[: full.index(segment_name(2))].rsplit("#EXTINF", 1)[0]
    stale_key = stream_key.replace(PLAYLIST_NAME, name)
    store = LocalObjectStore(storage, bucket)
    store.put_bytes(stale_key, stale.encode(), PLAYLIST_CONTENT_TYPE, {}, cache_control="no-cache")
    seconds = sum(float(d) for d in re.findall(r"#EXTINF:([\d.]+),", stale))
    return store.url_for(stale_key), seconds


def test_playback_starts_before_the_job_finishes(listened: dict[str, Any]) -> None:
    log = listened["log"]
    playing = first(log, "playing")
    ready = first(log, "state", status="ready")
    assert playing["at"] < ready["at"]
    before = [e for e in log if e["event"] == "state" and e["at"] <= playing["at"]]
    assert before[-1]["state"]["source"] == "stream"
    assert before[-1]["state"]["status"] == "processing"


def test_playback_continues_across_segments_published_after_it_started(
    listened: dict[str, Any],
) -> None:
    log, output = listened["log"], listened["output"]
    playing = first(log, "playing")
    states_before = [e for e in log[: log.index(playing)] if e["event"] == "state"]
    known = max(e["story"].get("audioStreamSegments") or 0 for e in states_before)
    assert 2 <= known < output["stream_segments"]
    ended = first(log, "ended")
    assert ended["time"] > known * 5.9  # it played beyond what was published when it started
    assert [e["state"]["source"] for e in log if e["event"] == "state"][-1] == "stream"
    assert max(e["state"]["rereads"] for e in log if e["event"] == "state") >= 1


def test_the_live_playlist_is_never_read_half_written(listened: dict[str, Any]) -> None:
    """The worker rewrites the playlist and its headers while the page reads them."""
    playlist_errors = re.compile(r"hls\.js: (manifest|level)(Load|Parsing)Error")
    assert [line for line in listened["console"] if playlist_errors.search(line)] == []


def test_the_played_duration_is_the_final_files(listened: dict[str, Any]) -> None:
    ended, story = first(listened["log"], "ended"), listened["story"]
    assert story["audioStatus"] == "ready"
    assert abs(ended["time"] - story["audioDuration"]) <= 0.05
    assert "audioStreamUrl" not in story  # ready: the final file is the one to play


def test_the_segments_decode_end_to_end_without_a_gap(
    listened: dict[str, Any], storage: Path
) -> None:
    output = listened["output"]
    playlist_path = storage / output["stream_url"].split("/", 3)[3]
    playlist = playlist_path.read_text()
    assert playlist.endswith("#EXT-X-ENDLIST\n")
    names = re.findall(r"^(\d+\.mp3)$", playlist, re.M)
    assert len(names) == output["stream_segments"]
    stream = b"".join((playlist_path.parent / name).read_bytes()[73:] for name in names)
    decoded, rate = sf.read(io.BytesIO(stream), dtype="float32")
    final, _ = sf.read(storage / output["storage_key"], dtype="float32")
    delay = ENCODER_DELAY + DECODER_DELAY
    aligned = decoded[delay : delay + len(final)]
    assert len(aligned) >= len(final) - 0.3 * rate  # at most the closing pause is cut
    np.testing.assert_allclose(aligned, final[: len(aligned)], atol=2e-4)
    per_segment = 6 * rate // 576 * 576
    for join in range(per_segment - delay, len(aligned) - 64, per_segment):
        around = slice(join - 64, join + 64)
        np.testing.assert_allclose(aligned[around], final[around], atol=2e-4)


def test_a_page_opened_after_the_story_is_ready_plays_the_final_file(
    listened: dict[str, Any],
    firestore_env_module: dict[str, str],
    site: str,
    browser: Browser,
) -> None:
    page = open_player(browser, site, "listen_1", firestore_env_module["FIRESTORE_EMULATOR_HOST"])
    page.wait_for_function("window.playerLog.some(e => e.event === 'playing')", timeout=30_000)
    log = events(page)
    source = page.evaluate("document.getElementById('audio').currentSrc")
    page.close()
    assert [e["state"]["source"] for e in log if e["event"] == "state"][-1] == "file"
    assert source == listened["output"]["audio_url"]


def test_a_stream_that_stalls_short_of_a_ready_story_plays_on_from_the_final_file(
    listened: dict[str, Any],
    db: firestore.Client,
    firestore_env_module: dict[str, str],
    storage: Path,
    bucket: str,
    site: str,
    browser: Browser,
) -> None:
    """A playlist that never grows again (a stale cache, a lost upload): the story is ready,
    so the listener hears the rest from the final file instead of waiting for ever."""
    output, story = listened["output"], listened["story"]
    stale_url, two_segments = short_stream(output, storage, bucket, "stale.m3u8")
    doc = db.collection("stories").document("listen_stale")
    doc.set({"audioStatus": "processing", "audioStreamUrl": stale_url, "audioStreamSegments": 2})
    page = open_player(
        browser, site, "listen_stale", firestore_env_module["FIRESTORE_EMULATOR_HOST"]
    )
    page.wait_for_function("window.playerLog.some(e => e.event === 'playing')", timeout=30_000)
    doc.set(ready(listened))
    try:
        page.wait_for_function("window.playerLog.some(e => e.event === 'ended')", timeout=60_000)
    except PlaywrightTimeout:
        pytest.fail(f"the story never ended playing: {events(page)[-6:]}")
    log = events(page)
    page.close()
    switched = first(log, "state", source="file")
    stalled = next(e for e in reversed(log[: log.index(switched)]) if e["event"] == "waiting")
    resumed = first(log[log.index(switched) :], "playing")
    assert two_segments - 1 < stalled["time"] <= two_segments  # it played what was published
    assert abs(resumed["time"] - stalled["time"]) < 0.05  # and went on from there
    assert abs(first(log, "ended")["time"] - story["audioDuration"]) <= 0.05


ATTEMPT_ERROR = "Part of the story could not be narrated. Please try again."
IDENTITIES = {
    # What tells the second attempt from the first, as each kind of app writes it.
    "submission": ({"audioSubmission": 1, "audioJobId": "job_a"}, {"audioSubmission": 2}),
    "job": ({"audioJobId": "job_a"}, {"audioJobId": "job_b"}),
    "stream": ({}, {}),  # only the stream's URL differs
}


def page_text(page: Page, element: str) -> str:
    return page.inner_text(f"#{element}")


def ready(listened: dict[str, Any], **attempt: Any) -> dict[str, Any]:
    """The document of the story once `attempt` is ready: the job's final file."""
    return {
        "audioStatus": "ready",
        **attempt,
        "audioUrl": listened["output"]["audio_url"],
        "audioDuration": listened["story"]["audioDuration"],
    }


@pytest.fixture
def open_page(firestore_env_module: dict[str, str], site: str, browser: Browser) -> Iterator[Any]:
    pages: list[Page] = []

    def open_one(story_id: str, **query: str) -> Page:
        emulator = firestore_env_module["FIRESTORE_EMULATOR_HOST"]
        pages.append(browser_page(browser, site, story_id, emulator, PLAYBACK_RATE, **query))
        return pages[-1]

    yield open_one
    for page in pages:
        page.close()


FailedOnce = Callable[[str, dict[str, Any]], tuple[firestore.DocumentReference, Page]]


@pytest.fixture
def first_attempt_failed(
    listened: dict[str, Any], db: firestore.Client, storage: Path, bucket: str, open_page: Any
) -> FailedOnce:
    """Story `story_id` streamed as `first_attempt`, the listener heard what was published,
    then the job failed: its document and the page that shows the failure."""

    def fail(
        story_id: str, first_attempt: dict[str, Any]
    ) -> tuple[firestore.DocumentReference, Page]:
        doc = db.collection("stories").document(story_id)
        stream_url, seconds = short_stream(listened["output"], storage, bucket, f"{story_id}.m3u8")
        attempt = {**first_attempt, "audioStreamUrl": stream_url, "audioStreamSegments": 2}
        doc.set({"audioStatus": "processing", **attempt})
        page = open_page(story_id)
        page.wait_for_function(
            f"window.playerLog.some(e => e.event === 'waiting' && e.time > {seconds - 1})",
            timeout=30_000,
        )
        doc.set({"audioStatus": "failed", **first_attempt, "audioError": ATTEMPT_ERROR})
        page.wait_for_function(
            f"document.getElementById('error').textContent === {ATTEMPT_ERROR!r}", timeout=10_000
        )
        return doc, page

    return fail


@pytest.mark.parametrize("identity", IDENTITIES)
def test_try_again_in_an_open_page_plays_the_new_attempts_stream_from_the_start(
    identity: str, listened: dict[str, Any], first_attempt_failed: FailedOnce
) -> None:
    output = listened["output"]
    first_attempt, second_attempt = IDENTITIES[identity]
    doc, page = first_attempt_failed(f"try_again_{identity}", first_attempt)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    if identity == "submission":  # the app hands the story to a new submission first
        doc.set({"audioStatus": "pending", **second_attempt})
        page.wait_for_function("document.getElementById('status').textContent === 'Queued…'")
        assert page_text(page, "error") == ""
        assert page.is_hidden("#tap")  # nothing to play until the new attempt streams
    since = len(events(page))
    streaming = {"audioStreamUrl": output["stream_url"], "audioStreamSegments": 5}
    doc.set({"audioStatus": "processing", "audioProgress": 0.5, **second_attempt, **streaming})
    page.wait_for_function(
        f"window.playerLog.slice({since}).some(e => e.event === 'playing')", timeout=30_000
    )
    doc.set(ready(listened, **second_attempt))
    page.wait_for_function("document.getElementById('status').textContent === 'Ready.'")
    page.wait_for_timeout(1_000)  # the stream plays on; nothing may restart it
    log = events(page)[since:]
    assert output["stream_url"] in requested  # the new attempt's stream was loaded
    assert first(log, "playing")["time"] < 1.0  # from its start, not where the first stopped
    assert all(e["state"]["error"] is None for e in log if e["event"] == "state")
    played = log[log.index(first(log, "playing")) :]
    assert "emptied" not in [e["event"] for e in played]  # nothing restarted or replaced it
    assert {e["state"]["source"] for e in played if e["event"] == "state"} <= {"stream"}
    assert page.evaluate("document.getElementById('audio').currentTime") > 2
    assert page_text(page, "error") == ""


@pytest.mark.parametrize("identity", ["submission", "job"])
def test_try_again_that_is_ready_before_its_stream_plays_the_final_file_from_the_start(
    identity: str, listened: dict[str, Any], first_attempt_failed: FailedOnce
) -> None:
    output = listened["output"]
    first_attempt, second_attempt = IDENTITIES[identity]
    doc, page = first_attempt_failed(f"try_again_ready_{identity}", first_attempt)
    since = len(events(page))
    doc.set(ready(listened, **second_attempt))
    page.wait_for_function(
        f"window.playerLog.slice({since}).some(e => e.event === 'playing')", timeout=30_000
    )
    log = events(page)[since:]
    assert first(log, "playing")["time"] < 0.5
    assert first(log, "state", source="file")
    assert page.evaluate("document.getElementById('audio').currentSrc") == output["audio_url"]
    assert page_text(page, "error") == ""


def test_the_button_says_what_it_will_do(listened: dict[str, Any], open_page: Any) -> None:
    page = open_page("listen_1", missingAfter="1")
    page.wait_for_function("window.playerLog.some(e => e.event === 'playing')", timeout=30_000)
    assert page.is_visible("#tap")
    assert page_text(page, "tap") == "Pause"
    page.click("#tap")
    page.wait_for_function("document.getElementById('audio').paused")
    assert page_text(page, "tap") == "Play"
    page.click("#tap")
    page.wait_for_function("!document.getElementById('audio').paused")
    page.wait_for_function("document.getElementById('tap').textContent === 'Pause'")
    page.evaluate("document.getElementById('audio').pause()")  # the browser's own controls
    page.wait_for_function("document.getElementById('tap').textContent === 'Play'")
    page.wait_for_timeout(1_500)  # past missingAfter: a story that is there is never "missing"
    assert page_text(page, "error") == ""
    assert page_text(page, "status") == "Ready."


def test_a_link_to_a_story_that_never_appears_says_so(db: firestore.Client, open_page: Any) -> None:
    page = open_page("never_written", missingAfter="1")
    assert page_text(page, "status") == "Waiting for the story…"
    page.wait_for_function(
        "document.getElementById('error').textContent.startsWith('There is no story at this link')",
        timeout=10_000,
    )
    assert page_text(page, "status") == "No story found."
    db.collection("stories").document("never_written").set({"audioStatus": "pending"})
    page.wait_for_function("document.getElementById('status').textContent === 'Queued…'")
    assert page_text(page, "error") == ""
