"""The create_voice_profile job: validation, callbacks, and its routing in the handler."""

from __future__ import annotations

import base64
import json

import pytest

from shared.errors import InvalidInputError, ModelUnavailableError
from shared.job_input import TTSJobInput, parse_job_input
from shared.signing import Verifier, generate_secret
from tests.helpers import chatterbox_standin as standin
from tests.helpers.servers import Script, scripted_server
from worker.config import ServiceSettings, SynthesisSettings
from worker.delivery.sender import CallbackSender
from worker.engines.base import VoiceSource
from worker.engines.reference_audio import VoiceLimits
from worker.engines.voice_resolution import fetch_payload
from worker.jobs.common import Loaded
from worker.jobs.voice_profile import VoiceProfileJobRunner
from worker.storage import LocalObjectStore

SECRET = generate_secret()
LIMITS = VoiceLimits(2**24, 2**24, 1.0, 60.0)


@pytest.fixture
def store(tmp_path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "bucket", "https://cdn.example.com")


def runner(tmp_path, store, engine=None) -> VoiceProfileJobRunner:
    settings = ServiceSettings(
        callback_signing_secret=SECRET,
        callback_allow_loopback_http=True,
        callback_max_attempts=1,
    )
    engine = engine or standin.build_engine(tmp_path / "w", "english", warmup=False, store=store)
    loaded = Loaded.failed(engine) if isinstance(engine, Exception) else Loaded.ready(engine)
    return VoiceProfileJobRunner(
        loaded, store, CallbackSender(settings, store), settings, SynthesisSettings()
    )


def voice_job(base: str | None = None, **overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "action": "create_voice_profile",
        "user_id": "user_1",
        "voice_id": "grandma",
        "name": "Grandma",
        "reference_audio_base64": base64.b64encode(standin.tone_wav(8)).decode(),
    }
    if base:
        values["callback_url"] = f"{base}/api/voices/callback"
    values.update(overrides)
    return values


def test_profile_is_created_stored_and_announced(tmp_path, store) -> None:
    script = Script()
    with scripted_server(script) as base:
        output = runner(tmp_path, store).run("vjob-1", voice_job(base))
    assert output["profile_key"] == "voices/user_1/grandma.pt"
    assert output["generation_method"]
    assert output["callback_delivered"] is True
    [request] = script.requests
    Verifier([SECRET]).verify(request.headers, request.body)
    body = json.loads(request.body)
    assert request.path == "/api/voices/callback"
    assert body["voice_id"] == "grandma"
    assert body["sample_url"] == "https://cdn.example.com/voices/user_1/grandma_sample.mp3"
    assert store.get_bytes("voices/user_1/grandma.pt")


def test_without_a_callback_url_only_the_output_reports(tmp_path, store) -> None:
    output = runner(tmp_path, store).run("vjob-2", voice_job())
    assert output["callback_delivered"] is None
    assert output["voice_id"] == "grandma"


def test_two_recordings_are_invalid_input(tmp_path, store) -> None:
    script = Script()
    with scripted_server(script) as base:
        output = runner(tmp_path, store).run(
            "vjob-3", voice_job(base, reference_audio_key="uploads/user_1/rec.wav")
        )
    assert output["error_type"] == "invalid_input"
    assert output["error"] == "Please record or upload one voice recording and try again."
    [request] = script.requests
    assert request.path == "/api/voices/error-callback"
    assert json.loads(request.body)["metadata"]["error_type"] == "invalid_input"
    assert "reference_audio_key" in json.loads(request.body)["error_details"]


def test_another_users_recording_is_refused_before_any_work(tmp_path, store) -> None:
    store.put_bytes("uploads/user_2/rec.wav", standin.tone_wav(8), "audio/wav", {})
    job = voice_job(reference_audio_key="uploads/user_2/rec.wav")
    del job["reference_audio_base64"]
    output = runner(tmp_path, store).run("vjob-5", job)
    assert output["error_type"] == "invalid_input"
    assert output["error"] == (
        "The voice recording belongs to another account. "
        "Please record or upload your own voice and try again."
    )
    assert store.list_keys("voices/") == []


def test_missing_recording_in_storage_is_voice_profile_missing(tmp_path, store) -> None:
    job = voice_job(reference_audio_key="uploads/user_1/none.wav")
    del job["reference_audio_base64"]
    output = runner(tmp_path, store).run("vjob-4", job)
    assert output["error_type"] == "voice_profile_missing"
    assert store.list_keys("voices/") == []


def test_engine_that_cannot_load_fails_the_job_cleanly(tmp_path, store) -> None:
    broken = runner(tmp_path, store, engine=ModelUnavailableError(details="no weights"))
    output = broken.run("vjob-5", voice_job())
    assert output["error_type"] == "model_unavailable"
    assert output["error"] == ModelUnavailableError.default_message


def test_the_start_is_told_and_every_callback_echoes_the_submission(tmp_path, store) -> None:
    script = Script()
    with scripted_server(script) as base:
        job = voice_job(
            base,
            submission=3,
            callback_url=f"{base}/api/tts/voices/callback",
            progress_callback_url=f"{base}/api/tts/voices/progress",
        )
        runner(tmp_path, store).run("vjob-6", job)
    started, done = script.requests
    for request in (started, done):
        Verifier([SECRET]).verify(request.headers, request.body)
    assert started.path == "/api/tts/voices/progress"
    assert json.loads(started.body) == {
        "user_id": "user_1",
        "voice_id": "grandma",
        "job_id": "vjob-6",
        "submission": 3,
        "stage": "started",
    }
    assert done.path == "/api/tts/voices/callback"
    assert json.loads(done.body)["submission"] == 3


def test_an_invalid_job_reports_its_voice_and_submission(tmp_path, store) -> None:
    script = Script()
    with scripted_server(script) as base:
        job = voice_job(
            base,
            submission=2,
            callback_url=f"{base}/api/tts/voices/callback",
            reference_audio_key="uploads/user_1/rec.wav",  # two recordings
        )
        runner(tmp_path, store).run("vjob-7", job)
    [request] = script.requests  # no start: the job never started
    assert request.path == "/api/tts/voices/error-callback"
    body = json.loads(request.body)
    assert (body["voice_id"], body["submission"]) == ("grandma", 2)


def test_each_submission_stores_its_own_profile_so_a_late_older_one_overwrites_nothing(
    tmp_path, store
) -> None:
    newer = runner(tmp_path, store).run("vjob-8", voice_job(submission=2))
    stored = store.get_bytes("voices/user_1/grandma/2.pt")
    assert (newer["profile_key"], newer["sample_key"]) == (
        "voices/user_1/grandma/2.pt",
        "voices/user_1/grandma/2_sample.mp3",
    )

    recording = base64.b64encode(standin.tone_wav(9)).decode()
    older = runner(tmp_path, store).run(
        "vjob-7", voice_job(submission=1, reference_audio_base64=recording)
    )

    assert older["profile_key"] == "voices/user_1/grandma/1.pt"
    assert store.get_bytes("voices/user_1/grandma/2.pt") == stored
    assert store.get_bytes("voices/user_1/grandma/1.pt")
    assert not store.get_bytes("voices/user_1/grandma.pt")


def test_a_submissions_profile_is_a_voice_a_story_job_of_its_user_may_name(tmp_path, store) -> None:
    key = runner(tmp_path, store).run("vjob-9", voice_job(submission=4))["profile_key"]
    story = {
        "text": "Once upon a time.",
        "story_id": "s1",
        "voice_storage_key": key,
        "callback_url": "https://api.example.com/api/tts/callback",
    }

    parsed = parse_job_input({**story, "user_id": "user_1"}, TTSJobInput)
    payload = fetch_payload(VoiceSource(storage_key=parsed.voice_storage_key), store, LIMITS)

    assert payload is not None
    assert (payload.kind, payload.data) == ("profile", store.get_bytes(key))
    with pytest.raises(InvalidInputError, match="belongs to another account"):
        parse_job_input({**story, "user_id": "user_2"}, TTSJobInput)


def test_the_apis_voice_limits_are_the_workers() -> None:
    from shared.voice_job_input import MIN_REFERENCE_SECONDS, SAMPLE_LANGUAGES
    from worker.engines.chatterbox.config import ChatterboxSettings
    from worker.voices.creation import SAMPLE_TEXTS

    assert ChatterboxSettings().min_reference_seconds == MIN_REFERENCE_SECONDS
    assert set(SAMPLE_TEXTS) == SAMPLE_LANGUAGES
