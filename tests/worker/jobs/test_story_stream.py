"""The story job publishes its live stream: announced in progress callbacks once two segments
are playable, closed at the end whatever happens, and never a reason for the job to fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.signing import generate_secret
from tests.helpers.fakes import SeededToneEngine
from tests.helpers.servers import Script, scripted_server
from worker.bucket import stream_prefix, timings_key
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore
from worker.streaming.hls import ENCODER_DELAY
from worker.synthesis.encoding import Mp3Frames
from worker.synthesis.speech import split_pauses
from worker.synthesis.synthesizer import StorySynthesizer

SECRET = generate_secret()
SETTINGS = SynthesisSettings(chunk_max_chars=80, output_format="mp3")
PUBLIC = "https://audio.example.com"
STORY = "\n\n".join(
    f"Night {n} came to the harbour. The boats rocked, and the gulls went quiet one by one."
    for n in range(1, 9)
)
PREFIX = stream_prefix("user_1", "story_1", "job-1")
PLAYLIST = f"{PREFIX}/index.m3u8"


class FlakyStore(LocalObjectStore):
    """Local storage whose stream uploads fail (the audio file and callbacks still work)."""

    def put_bytes(self, key: str, data: bytes, *args, **kwargs):  # type: ignore[no-untyped-def]
        if key.startswith("stream/"):
            raise OSError("the stream's bucket is down")
        return super().put_bytes(key, data, *args, **kwargs)


def make_runner(
    tmp_path: Path, engine: SeededToneEngine, store_class=LocalObjectStore, **overrides
):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "callback_signing_secret": SECRET,
        "callback_allow_loopback_http": True,
        "callback_backoff_initial_s": 0.01,
        "callback_max_attempts": 2,
        "progress_min_interval_s": 0,
        "local_storage_public_url": PUBLIC,
        "stream_flush_s": 2,
    } | overrides
    service = ServiceSettings(**values)
    store = store_class(tmp_path / "bucket", PUBLIC)
    synthesizer = Loaded.ready(StorySynthesizer(engine, SETTINGS))
    return TTSJobRunner(synthesizer, store, CallbackSender(service, store), service), store


def job_input(base: str) -> dict[str, object]:
    return {
        "text": STORY,
        "story_id": "story_1",
        "user_id": "user_1",
        "voice_id": "granny",
        "callback_url": f"{base}/api/tts/callback",
    }


def progress(script: Script) -> list[dict]:
    return [json.loads(r.body) for r in script.requests if r.path == "/api/tts/progress"]


def listed(store: LocalObjectStore) -> list[str]:
    text = (store.root / PLAYLIST).read_text()
    return re.findall(r"^(\d+\.mp3)$", text, re.M)


def test_the_stream_is_announced_at_two_segments_and_closed_with_the_story(tmp_path) -> None:
    script = Script()
    runner, store = make_runner(tmp_path, SeededToneEngine(delay_s=0.05))
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))

    url = f"{PUBLIC}/{PLAYLIST}"
    assert output["status"] == "ready"
    assert (output["stream_url"], output["stream_unpublished"]) == (url, 0)
    announced = [p for p in progress(script) if "stream_url" in p]
    assert announced
    assert all(p["stream_url"] == url for p in announced)
    counts = [p["stream_segments"] for p in announced]
    assert counts[0] >= 2
    assert counts == sorted(counts)
    assert not any("stream_url" in p for p in progress(script)[:1])  # not before it can play

    playlist = (store.root / PLAYLIST).read_text()
    assert playlist.endswith("#EXT-X-ENDLIST\n")
    assert len(listed(store)) == output["stream_segments"] >= 3
    assert output["timings"]["first_segment_s"] < output["timings"]["total_s"]

    streamed = b""
    for name in listed(store):
        data = (store.root / PREFIX / name).read_bytes()
        streamed += data[73:]  # after the ID3 timestamp tag
    _, *music = Mp3Frames().feed((store.root / output["storage_key"]).read_bytes())
    assert streamed == b"".join(music)[: len(streamed)]  # the final file's own frames
    frames = len(Mp3Frames().feed(streamed))
    samples = round(output["duration_seconds"] * output["sample_rate"])
    assert abs(frames * 576 - samples) <= 288  # as long as the final file, to half a frame
    assert samples > ENCODER_DELAY


def test_a_failed_job_closes_its_playlist_on_what_it_streamed(tmp_path) -> None:
    plan = StorySynthesizer(SeededToneEngine(), SETTINGS).prepare(STORY, "en")
    said = [speech for chunk in plan.chunks for speech, _ in split_pauses(chunk.speech)]
    broken = SeededToneEngine(fail_on=lambda text: text == said[len(said) * 3 // 4])
    script = Script()
    runner, store = make_runner(tmp_path, broken)
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))

    assert output["error_type"] == "model_unavailable"
    assert (store.root / PLAYLIST).read_text().endswith("#EXT-X-ENDLIST\n")  # no player waits
    assert len(listed(store)) >= 2
    assert any("stream_url" in p for p in progress(script))


def test_a_stream_that_storage_refuses_costs_nothing_but_the_stream(tmp_path) -> None:
    script = Script()
    runner, _store = make_runner(tmp_path, SeededToneEngine(), FlakyStore, stream_flush_s=0.3)
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))

    assert output["status"] == "ready"
    assert output["callback_delivered"] is True
    assert output["stream_url"] is None
    assert output["stream_segments"] == 0
    assert output["stream_unpublished"] >= 3
    assert not any("stream_url" in p for p in progress(script))


@pytest.mark.parametrize(
    "overrides",
    [
        {"stream_enabled": False},
        {
            "storage_backend": "r2",
            "r2_endpoint_url": "http://127.0.0.1:9",
            "r2_bucket": "b",
            "r2_access_key_id": "k",
            "r2_secret_access_key": "s",
            "r2_presigned_urls": True,  # a presigned playlist cannot name its segments
        },
    ],
    ids=["disabled", "presigned-r2"],
)
def test_no_stream_where_it_is_turned_off_or_cannot_be_played(tmp_path, overrides) -> None:
    """The settings decide; the audio still goes to the (local) store the runner was given."""
    runner, store = make_runner(tmp_path, SeededToneEngine(), **overrides)
    script = Script()
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))
    assert output["status"] == "ready"
    assert output["stream_url"] is None
    assert output["stream_segments"] == 0
    assert store.list_keys("stream/") == []


def test_the_live_read_along_track_is_announced_with_the_stream(tmp_path) -> None:
    script = Script()
    runner, store = make_runner(tmp_path, SeededToneEngine(delay_s=0.05))
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))

    assert output["status"] == "ready"
    track_url = f"{PUBLIC}/{PREFIX}/timings.json"
    announced = [p for p in progress(script) if "stream_url" in p]
    assert announced
    assert all(p["stream_timings_url"] == track_url for p in announced)
    assert not any("stream_timings_url" in p for p in progress(script) if "stream_url" not in p)
    live = json.loads((store.root / PREFIX / "timings.json").read_text())
    final = json.loads((store.root / timings_key("user_1", "story_1", "job-1")).read_text())
    assert output["timings_url"].endswith(timings_key("user_1", "story_1", "job-1"))
    assert live["sentences"] == final["sentences"]  # the story's end: the whole final track
    assert len(final["sentences"]) == 16
    assert live["duration"] == pytest.approx(final["duration"], abs=0.03)  # to half a frame
