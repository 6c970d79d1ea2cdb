"""The job runner: one clear outcome per job, reported through signed callbacks."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import soundfile as sf

from shared.errors import GPUOutOfMemoryError, ModelUnavailableError, VoiceProfileMissingError
from shared.job_input import field_label
from shared.signing import Verifier, generate_secret
from tests.helpers.fakes import ToneEngine
from tests.helpers.servers import Script, scripted_server
from worker.bucket import DEAD_LETTER_PREFIX
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.engines.base import EngineAudio
from worker.jobs.common import Loaded
from worker.jobs.story import TTSJobRunner
from worker.storage import LocalObjectStore
from worker.synthesis.synthesizer import StorySynthesizer

SECRET = generate_secret()
STORY = "The owl woke at dusk. She stretched her wings and looked at the moon.\n\n" * 4


def make_runner(tmp_path, engine=None, **overrides):
    values: dict[str, object] = {
        "callback_signing_secret": SECRET,
        "callback_allow_loopback_http": True,
        "callback_backoff_initial_s": 0.01,
        "callback_backoff_max_s": 0.02,
        "callback_max_attempts": 2,
        "progress_min_interval_s": 0,
        "local_storage_public_url": "https://audio.example.com",
    }
    values.update(overrides)
    service = ServiceSettings(**values)
    store = LocalObjectStore(tmp_path / "bucket", service.local_storage_public_url)
    synthesizer = (
        Loaded.failed(engine)
        if isinstance(engine, Exception)
        else Loaded.ready(
            StorySynthesizer(
                engine or ToneEngine(), SynthesisSettings(chunk_max_chars=80, output_format="mp3")
            )
        )
    )
    return TTSJobRunner(synthesizer, store, CallbackSender(service, store), service), store


def job_input(base: str, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "text": STORY,
        "story_id": "story_1",
        "user_id": "user_1",
        "voice_id": "tone",
        "story_type": "user",
        "callback_url": f"{base}/api/tts/callback",
        "metadata": {"app_version": "1.2.3"},
    }
    values.update(overrides)
    return values


def bodies(script: Script, path: str) -> list[dict]:
    return [json.loads(r.body) for r in script.requests if r.path == path]


def test_success_uploads_and_calls_back_in_order(tmp_path) -> None:
    script = Script()
    runner, store = make_runner(tmp_path)
    console: list[dict] = []
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base), console=console.append)

    paths = [r.path for r in script.requests]
    assert paths[0] == "/api/tts/progress"
    assert paths[-1] == "/api/tts/callback"
    assert set(paths) == {"/api/tts/progress", "/api/tts/callback"}
    for request in script.requests:
        Verifier([SECRET]).verify(request.headers, request.body)
    first_progress = bodies(script, "/api/tts/progress")[0]
    assert first_progress["chunks_done"] == 0
    assert first_progress["chunks_total"] == output["chunk_count"]
    assert all(p["chunks_done"] < p["chunks_total"] for p in bodies(script, "/api/tts/progress"))
    assert all(c["chunks_done"] < c["chunks_total"] for c in console)

    [success] = bodies(script, "/api/tts/callback")
    assert success["audio_url"] == "https://audio.example.com/audio/user_1/story_1/job-1.mp3"
    assert success["storage_key"] == "audio/user_1/story_1/job-1.mp3"
    assert success["job_id"] == "job-1"
    assert success["metadata"]["app_version"] == "1.2.3"
    assert success["duration_seconds"] == pytest.approx(output["duration_seconds"])

    assert output["callback_delivered"] is True
    assert output["audio_url"] == success["audio_url"]
    assert "error" not in output
    assert str(tmp_path) not in json.dumps(output)
    audio = tmp_path / "bucket" / success["storage_key"]
    assert sf.info(audio).duration == pytest.approx(output["duration_seconds"], abs=0.05)
    assert store.list_keys(DEAD_LETTER_PREFIX) == []


def test_failed_callback_keeps_the_audio_and_dead_letters(tmp_path) -> None:
    script = Script([(503, {}, b"")])
    runner, store = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-2", job_input(base))
    assert "error" not in output
    assert output["callback_delivered"] is False
    assert output["audio_url"].endswith("/audio/user_1/story_1/job-2.mp3")
    [letter] = store.list_keys(DEAD_LETTER_PREFIX)
    assert letter.endswith("-job-2-success.json")
    signed = output["callback"]  # what RunPod's webhook can still deliver
    assert signed["type"] == "success"
    assert json.loads(signed["body"])["audio_url"] == output["audio_url"]
    Verifier([SECRET]).verify(signed["headers"], signed["body"].encode())
    assert signed["headers"]["webhook-id"] == json.loads(store.get_bytes(letter))["webhook_id"]


def test_invalid_input_is_reported_naming_the_field(tmp_path) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-3", job_input(base, exaggeration=7, seed=-1))
    assert output["error_type"] == "invalid_input"
    assert "exaggeration" in output["error"]
    assert "seed" in output["error"]
    [error] = bodies(script, "/api/tts/error-callback")
    assert error["story_id"] == "story_1"
    assert error["metadata"]["error_type"] == "invalid_input"
    assert error["metadata"]["stage"] == "validate"


def test_empty_text_fails_before_any_progress(tmp_path) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-4", job_input(base, text="   "))
    assert output["error_type"] == "text_empty"
    assert [r.path for r in script.requests] == ["/api/tts/error-callback"]
    metadata = bodies(script, "/api/tts/error-callback")[0]["metadata"]
    assert metadata == {
        "language": "en",
        "story_type": "user",
        "text_length": 0,
        "error_type": "text_empty",
        "retryable": False,
        "stage": "text",
    }


def test_missing_voice_is_voice_profile_missing(tmp_path) -> None:
    class NoVoices(ToneEngine):
        def prepare_voice(self, source):
            raise VoiceProfileMissingError(context={"voice_id": source.voice_id})

    script = Script()
    runner, _ = make_runner(tmp_path, NoVoices())
    with scripted_server(script) as base:
        output = runner.run("job-5", job_input(base, voice_id="ghost"))
    assert output["error_type"] == "voice_profile_missing"
    [error] = bodies(script, "/api/tts/error-callback")
    assert error["voice_id"] == "ghost"
    assert error["job_id"] == "job-5"
    assert error["error"] == VoiceProfileMissingError.default_message


def test_a_part_that_fails_the_same_way_every_time_is_not_worth_retrying(tmp_path) -> None:
    class Mute(ToneEngine):
        def synthesize(self, text, voice, params):
            audio = super().synthesize(text, voice, params)
            audio.samples[:] = 0
            return audio

    script = Script()
    runner, _ = make_runner(tmp_path, Mute())
    with scripted_server(script) as base:
        output = runner.run("job-6", job_input(base))
    assert output["error_type"] == "text_unspeakable"
    assert output["retryable"] is False
    assert output["error"].startswith("Part 1 of ")
    assert "try again" not in output["error"].lower()
    metadata = bodies(script, "/api/tts/error-callback")[0]["metadata"]
    assert metadata["chunk_index"] == 0
    assert metadata["stage"] == "generation"


def test_a_part_that_fails_differently_each_time_may_be_retried(tmp_path) -> None:
    class Unlucky(ToneEngine):
        def synthesize(self, text, voice, params):
            audio = super().synthesize(text, voice, params)
            if len(self.calls) % 2:
                return EngineAudio(audio.samples * 0, audio.sample_rate)  # silent
            return EngineAudio(np.tile(audio.samples, 8), audio.sample_rate)  # far too long

    script = Script()
    runner, _ = make_runner(tmp_path, Unlucky())
    with scripted_server(script) as base:
        output = runner.run("job-6b", job_input(base))
    assert output["error_type"] == "generation_failed"
    assert output["retryable"] is True


def test_engine_that_failed_to_load_fails_every_job_cleanly(tmp_path) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path, ModelUnavailableError(details="no weights"))
    with scripted_server(script) as base:
        output = runner.run("job-7", job_input(base))
    assert output["error_type"] == "model_unavailable"
    assert output["error"] == ModelUnavailableError.default_message
    assert bodies(script, "/api/tts/error-callback")[0]["error_details"] == "no weights"


def test_repeated_out_of_memory_asks_runpod_to_recycle_the_worker(tmp_path) -> None:
    class Oom(ToneEngine):
        def synthesize(self, text, voice, params):
            raise GPUOutOfMemoryError(details="CUDA out of memory")

    runner, _ = make_runner(tmp_path, Oom())
    with scripted_server(Script()) as base:
        first = runner.run("job-8", job_input(base))
        second = runner.run("job-9", job_input(base))
    assert first["error_type"] == second["error_type"] == "gpu_out_of_memory"
    assert "refresh_worker" not in first
    assert second["refresh_worker"] is True


def test_unsafe_callback_url_is_refused_and_never_called(tmp_path) -> None:
    runner, _ = make_runner(tmp_path, callback_allow_loopback_http=False)
    script = Script()
    with scripted_server(script) as base:
        output = runner.run("job-10", job_input(base))
    assert output["error_type"] == "invalid_input"
    assert "the callback address is not allowed" in output["error"]
    assert output["callback_delivered"] is False
    assert script.requests == []


def test_non_object_input_is_invalid(tmp_path) -> None:
    runner, _ = make_runner(tmp_path)
    output = runner.run("job-11", "just a string")
    assert output["error_type"] == "invalid_input"


def test_undecodable_inline_profile_is_voice_profile_invalid(tmp_path) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-12", job_input(base, profile_base64="!!not base64!!"))
    assert output["error_type"] == "voice_profile_invalid"
    assert output["stage"] == "voice"
    assert [r.path for r in script.requests] == ["/api/tts/error-callback"]


def test_an_id_with_surrounding_whitespace_is_the_same_story_everywhere(tmp_path) -> None:
    class NoVoices(ToneEngine):
        def prepare_voice(self, source):
            raise VoiceProfileMissingError()

    script = Script()
    runner, _ = make_runner(tmp_path, NoVoices())
    with scripted_server(script) as base:
        output = runner.run("job-13", job_input(base, story_id="  story_1\n", voice_id="ghost"))
    assert output["story_id"] == "story_1"
    [error] = bodies(script, "/api/tts/error-callback")
    assert error["story_id"] == "story_1"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("language", "en" + "-abcdefgh" * 400),
        ("metadata", {"x": [[1]]}),
        ("metadata", {"blob": "x" * 85_000}),
        ("progress_callback_url", "ftp://example.com/progress"),
        ("story_type", "y" * 5_000),
    ],
)
def test_bad_input_is_refused_before_any_work_with_its_error_callback(
    tmp_path, field: str, value: object
) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-14", job_input(base, **{field: value}))
    assert output["error_type"] == "invalid_input"
    assert output["stage"] == "validate"
    assert f"the {field_label(field)} " in output["error"]
    assert output["callback_delivered"] is True
    assert [r.path for r in script.requests] == ["/api/tts/error-callback"]
    [error] = bodies(script, "/api/tts/error-callback")
    assert error["metadata"]["error_type"] == "invalid_input"
    assert error["error_details"].startswith(f"{field}: ")
    assert len(script.requests[0].body) < 16_384


def test_an_explicit_error_url_is_salvaged_when_the_callback_url_is_refused(tmp_path) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run(
            "job-15",
            job_input(
                base,
                callback_url="https://10.0.0.7/api/tts/callback",
                error_callback_url=f"{base}/hooks/failed",
            ),
        )
    assert output["error_type"] == "invalid_input"
    assert "the callback address is not allowed" in output["error"]
    assert [r.path for r in script.requests] == ["/hooks/failed"]


def test_a_story_that_cannot_finish_in_time_fails_as_timed_out(tmp_path) -> None:
    class Slow(ToneEngine):
        def synthesize(self, text, voice, params):
            time.sleep(0.15)
            return super().synthesize(text, voice, params)

    script = Script()
    runner, _ = make_runner(tmp_path, Slow(), job_deadline_s=1.0)
    with scripted_server(script) as base:
        started = time.monotonic()
        output = runner.run("job-16", job_input(base, text=STORY * 3))  # 12 parts: 1.8 s
        elapsed = time.monotonic() - started
    assert output["error_type"] == "job_timed_out"
    assert output["retryable"] is True
    assert output["stage"] == "generation"
    assert elapsed < 1.0  # it stopped once a fair sample showed the rest could not fit
    [error] = bodies(script, "/api/tts/error-callback")
    assert error["metadata"]["error_type"] == "job_timed_out"
    signed = output["callback"]
    assert signed["type"] == "error"
    assert json.loads(signed["body"]) == error


def test_every_callback_carries_the_jobs_submission(tmp_path) -> None:
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base, submission=7))

    sent = [json.loads(r.body) for r in script.requests]
    assert {r.path for r in script.requests} == {"/api/tts/progress", "/api/tts/callback"}
    assert [body["submission"] for body in sent] == [7] * len(sent)
    assert json.loads(output["callback"]["body"])["submission"] == 7


@pytest.mark.parametrize(
    ("submission", "echoed"), [(3, 3), ("3", None), (0, None)], ids=["valid", "text", "zero"]
)
def test_invalid_input_still_reports_a_valid_submission(
    tmp_path, submission: object, echoed: int | None
) -> None:
    """An error the app's newest submission cannot recognise as its own would be stale."""
    script = Script()
    runner, _ = make_runner(tmp_path)
    with scripted_server(script) as base:
        output = runner.run("job-1", job_input(base, text=None, submission=submission))

    [body] = bodies(script, "/api/tts/error-callback")
    assert output["error_type"] == "invalid_input"
    assert body.get("submission") == echoed
