"""The story job stores the read-along track beside the audio and announces it; a track that
cannot be stored never fails a story; a resumed story's track is a fresh run's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.signing import generate_secret
from tests.helpers.fakes import SentencePauseEngine
from tests.helpers.servers import Script, scripted_server
from worker.bucket import timings_key, vtt_key
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore, StoredObject
from worker.synthesis.synthesizer import StorySynthesizer

SECRET = generate_secret()
STORY = "\n\n".join(
    f"Night {n} came to the harbour. The boats rocked. The gulls, one by one, went quiet."
    for n in range(1, 6)
)


class BrokenTrackStore(LocalObjectStore):
    """Takes the audio and the checkpoints, refuses the track."""

    def put_bytes(self, key: str, data: bytes, *args: Any, **kwargs: Any) -> StoredObject:
        if key.startswith("audio/"):
            raise OSError("storage refused the track")
        return super().put_bytes(key, data, *args, **kwargs)


def make_runner(
    tmp_path: Path,
    engine: SentencePauseEngine,
    store_type: type[LocalObjectStore] = LocalObjectStore,
) -> tuple[TTSJobRunner, LocalObjectStore]:
    service = ServiceSettings(
        callback_signing_secret=SECRET,
        callback_allow_loopback_http=True,
        callback_backoff_initial_s=0.01,
        callback_backoff_max_s=0.02,
        callback_max_attempts=2,
        progress_min_interval_s=0,
        local_storage_public_url="https://audio.example.com",
    )
    store = store_type(tmp_path / "bucket", service.local_storage_public_url)
    settings = SynthesisSettings(chunk_max_chars=90, output_format="mp3")
    synthesizer = Loaded.ready(StorySynthesizer(engine, settings))
    return TTSJobRunner(synthesizer, store, CallbackSender(service, store), service), store


def job_input(base: str, story_id: str = "story_1", **overrides: object) -> dict[str, object]:
    return {
        "text": STORY,
        "story_id": story_id,
        "user_id": "user_1",
        "voice_id": "pausing",
        "callback_url": f"{base}/api/tts/callback",
    } | overrides


def success(script: Script) -> dict:
    [body] = [json.loads(r.body) for r in script.requests if r.path == "/api/tts/callback"]
    return body


def test_the_track_is_stored_beside_the_audio_and_announced(tmp_path: Path) -> None:
    script = Script()
    runner, store = make_runner(tmp_path, SentencePauseEngine(pause_s=0.2))
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))

    key = timings_key("user_1", "story_1", "job-1")
    assert key == "audio/user_1/story_1/job-1.json"
    assert vtt_key("user_1", "story_1", "job-1") == "audio/user_1/story_1/job-1.vtt"
    assert output["timings_url"] == store.url_for(key)
    assert success(script)["timings_url"] == output["timings_url"]
    assert output["audio_url"] == store.url_for("audio/user_1/story_1/job-1.mp3")

    track = json.loads(store.get_bytes(key) or b"")
    sentences = track["sentences"]
    assert len(sentences) == 15
    assert track["duration"] == output["duration_seconds"]
    for number, sentence in enumerate(sentences):
        assert sentence["index"] == number
        assert STORY[sentence["char_start"] : sentence["char_end"]] == sentence["text"]
        assert 0 <= sentence["start"] < sentence["end"] <= track["duration"]
    assert [s["text"] for s in sentences[:3]] == [
        "Night 1 came to the harbour.",
        "The boats rocked.",
        "The gulls, one by one, went quiet.",
    ]

    vtt = (store.get_bytes("audio/user_1/story_1/job-1.vtt") or b"").decode()
    assert vtt.startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert vtt.count(" --> ") == 15
    meta = tmp_path / "bucket" / "audio/user_1/story_1"
    assert json.loads((meta / "job-1.json.meta.json").read_text())["content_type"] == (
        "application/json"
    )
    assert json.loads((meta / "job-1.vtt.meta.json").read_text())["content_type"] == "text/vtt"


def test_a_track_that_cannot_be_stored_leaves_the_story_finished(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path, SentencePauseEngine(pause_s=0.2), BrokenTrackStore)
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base))

    assert "error" not in output
    assert output["status"] == "ready"
    assert output["timings_url"] is None
    body = success(script)
    assert body["audio_url"] == output["audio_url"]
    assert body.get("timings_url") is None
    assert "read-along track not stored" in caplog.text


def test_a_resumed_story_has_a_fresh_runs_track(tmp_path: Path) -> None:
    script = Script()
    broken = SentencePauseEngine(pause_s=0.2, fail_on="Night four")
    with scripted_server(script) as base:
        failed = make_runner(tmp_path, broken)[0].run("job-1", job_input(base, "story_r"))
        engine = SentencePauseEngine(pause_s=0.2)
        runner, store = make_runner(tmp_path, engine)
        resumed = runner.run("job-2", job_input(base, "story_r"))
        fresh = make_runner(tmp_path, SentencePauseEngine(pause_s=0.2))[0].run(
            "job-3", job_input(base, "story_f")
        )

    assert failed["error_type"] == "model_unavailable"
    assert resumed["chunks_reused"] > 0
    track = json.loads(store.get_bytes(timings_key("user_1", "story_r", "job-2")) or b"")
    expected = json.loads(store.get_bytes(timings_key("user_1", "story_f", "job-3")) or b"")
    assert fresh["chunks_reused"] < resumed["chunks_reused"]
    assert len(track["sentences"]) == len(expected["sentences"]) == 15
    for got, want in zip(track["sentences"], expected["sentences"], strict=True):
        assert got["text"] == want["text"]
        assert got["start"] == pytest.approx(want["start"], abs=0.001)
        assert got["end"] == pytest.approx(want["end"], abs=0.001)


def test_an_edited_story_has_a_fresh_runs_track(tmp_path: Path) -> None:
    """Its opening sentence rewritten, a story reuses the rest from its checkpoints: every
    sentence's cue is a fresh run's of the edited text, to the millisecond."""
    edited = STORY.replace("Night 1 came to the harbour.", "At last the first night came.")
    script = Script()
    with scripted_server(script) as base:
        make_runner(tmp_path, SentencePauseEngine(pause_s=0.2))[0].run(
            "job-1", job_input(base, "story_e")
        )
        runner, store = make_runner(tmp_path, SentencePauseEngine(pause_s=0.2))
        again = runner.run("job-2", job_input(base, "story_e", text=edited))
        fresh = make_runner(tmp_path, SentencePauseEngine(pause_s=0.2))[0].run(
            "job-3", job_input(base, "story_g", text=edited)
        )

    assert again["chunks_reused"] > 0
    assert fresh["chunks_reused"] == 0
    track = json.loads(store.get_bytes(timings_key("user_1", "story_e", "job-2")) or b"")
    expected = json.loads(store.get_bytes(timings_key("user_1", "story_g", "job-3")) or b"")
    assert track["sentences"][0]["text"] == "At last the first night came."
    assert len(track["sentences"]) == len(expected["sentences"]) == 15
    for got, want in zip(track["sentences"], expected["sentences"], strict=True):
        assert (got["text"], got["char_start"]) == (want["text"], want["char_start"])
        assert got["start"] == pytest.approx(want["start"], abs=0.001)
        assert got["end"] == pytest.approx(want["end"], abs=0.001)
