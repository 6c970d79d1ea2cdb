"""The whole loop, for real, on 127.0.0.1: RunPod local API `/runsync` → worker (Piper) →
moto's S3 server → signed callbacks → callback API → Firestore emulator."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests
import soundfile as sf
from google.cloud import firestore

from shared.signing import generate_secret
from tests.helpers.servers import s3_server
from tools.firestore_emulator import free_port
from tools.stack import REPO_ROOT, callback_api, runpod_worker

pytestmark = pytest.mark.slow

BUCKET = "e2e-audio"  # moto keeps one backend per process: a bucket per module
SECRET = generate_secret()
TEXT = (
    "The night train hummed across the valley. In the last carriage, a girl named Ivy pressed "
    "her nose to the window and counted the lights of the farms below.\n\n"
    '"12," she whispered. "13." Her grandfather smiled over his newspaper.\n\n'
    "* * *\n\n"
    "At 7:45 a.m. the train stopped in St. Albans, and the tickets cost $3.50 each."
)  # numbers, a scene break and dialogue: what users write


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with s3_server(BUCKET, public_read=True) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def api_env(firestore_env_module: dict[str, str]) -> dict[str, str]:
    return {
        **firestore_env_module,
        "CALLBACK_SIGNING_SECRET": SECRET,
        "CALLBACK_API_DEV_MODE": "true",  # no RunPod status API here: RunPod's local API only
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="module")
def worker_env(s3_endpoint: str) -> dict[str, str]:
    return {
        "TTS_ENGINE": "piper",
        "WORKER_DEV_MODE": "true",  # loopback callbacks, a plain-http bucket URL
        "STORAGE_BACKEND": "r2",
        "R2_ENDPOINT_URL": s3_endpoint,
        "R2_ACCESS_KEY_ID": "test",
        "R2_SECRET_ACCESS_KEY": "test",
        "R2_BUCKET": BUCKET,
        "R2_PUBLIC_BASE_URL": f"{s3_endpoint}/{BUCKET}",  # the bucket's public URL on moto
        "CALLBACK_SIGNING_SECRET": SECRET,
        "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
        "CALLBACK_MAX_ATTEMPTS": "2",
        "CALLBACK_BACKOFF_INITIAL_S": "0.05",
        "CALLBACK_BACKOFF_MAX_S": "0.2",
        "CALLBACK_BREAKER_FAIL_MAX": "50",
        "PROGRESS_MIN_INTERVAL_S": "0",
        "DEAD_LETTER_BUDGET_S": "0",  # only the operator's replay, for the test that runs it
    }


@pytest.fixture(scope="module")
def api(api_env: dict[str, str]) -> Iterator[str]:
    with callback_api(api_env) as base:
        yield base


@pytest.fixture(scope="module")
def runpod(worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    try:
        with runpod_worker(worker_env, log) as base:
            yield base
    finally:
        # Secrets and story text must never reach the worker's logs.
        written = log.read_text(errors="replace") if log.exists() else ""
        assert SECRET not in written
        assert "counted the lights" not in written


def pending_story(db: firestore.Client, story_id: str) -> firestore.DocumentReference:
    doc = db.collection("stories").document(story_id)
    doc.set({"title": "The night train", "audioStatus": "pending"})
    return doc


def runsync(runpod: str, **job_input: object) -> dict:
    response = requests.post(f"{runpod}/runsync", json={"input": job_input}, timeout=300)
    response.raise_for_status()
    return response.json()


def job(story_id: str, callback_url: str, **overrides: object) -> dict[str, object]:
    return {
        "text": TEXT,
        "story_id": story_id,
        "user_id": "user_e2e",
        "story_type": "user",
        "callback_url": callback_url,
        **overrides,
    }


def test_story_ends_ready_with_audio_of_plausible_duration(db, api, runpod, worker_env) -> None:
    doc = pending_story(db, "e2e_ready")
    result = runsync(runpod, **job("e2e_ready", f"{api}/api/tts/callback"))

    assert result["status"] == "COMPLETED", result
    output = result["output"]
    assert output["callback_delivered"] is True
    story = doc.get().to_dict()
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == output["audio_url"]
    assert story["audioJobId"] == result["id"]
    assert story["audioDuration"] == pytest.approx(output["duration_seconds"])

    assert story["audioUrl"].startswith(f"{worker_env['R2_PUBLIC_BASE_URL']}/audio/")  # no expiry
    audio = requests.get(story["audioUrl"], timeout=30)
    assert audio.status_code == 200
    samples, rate = sf.read(io.BytesIO(audio.content), dtype="float32")
    seconds = len(samples) / rate
    assert abs(seconds - output["duration_seconds"]) <= 0.05
    assert len(TEXT) / 22 <= seconds <= len(TEXT) / 8
    assert output["storage_key"] == f"audio/user_e2e/e2e_ready/{result['id']}.mp3"


def test_missing_voice_profile_fails_the_story_and_the_runpod_job(db, api, runpod) -> None:
    doc = pending_story(db, "e2e_no_voice")
    result = runsync(runpod, **job("e2e_no_voice", f"{api}/api/tts/callback", voice_id="ghost"))

    assert result["status"] == "FAILED"
    assert isinstance(result["error"], str)
    story = doc.get().to_dict()
    assert story["audioStatus"] == "failed"
    assert story["audioError"] == result["error"]
    assert story["audioErrorMetadata"]["error_type"] == "voice_profile_missing"
    assert story["audioErrorMetadata"]["stage"] == "voice"
    assert story["audioJobId"] == result["id"]


def test_callback_api_down_dead_letters_then_replay_makes_the_story_ready(
    db, api_env, runpod, worker_env
) -> None:
    doc = pending_story(db, "e2e_replay")
    port = free_port()  # the API is "down": nothing listens here yet
    result = runsync(runpod, **job("e2e_replay", f"http://127.0.0.1:{port}/api/tts/callback"))

    assert result["status"] == "COMPLETED", result
    assert result["output"]["callback_delivered"] is False
    assert doc.get().to_dict()["audioStatus"] == "pending"

    with callback_api(api_env, port=port):
        replay = subprocess.run(
            [sys.executable, "-m", "worker", "replay-callbacks"],
            cwd=REPO_ROOT,
            env={**os.environ, **worker_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert replay.returncode == 0, replay.stderr
    assert "replayed 1 callbacks; 0 still undelivered" in replay.stdout
    story = doc.get().to_dict()
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == result["output"]["audio_url"]


def test_voice_profile_jobs_are_routed_and_fail_cleanly_on_piper(runpod) -> None:
    result = runsync(
        runpod,
        action="create_voice_profile",
        user_id="user_e2e",
        name="Grandma",
        reference_audio_key="uploads/user_e2e/recording.wav",
    )
    assert result["status"] == "FAILED"
    assert result["error"] == "Creating a voice is not available right now. Please try again later."


def test_a_worker_without_its_secret_stays_up_and_fails_every_job(
    worker_env: dict[str, str], tmp_path
) -> None:
    """No crash loop: every job is FAILED at once, and the log says what to fix.

    (RunPod's local API keeps only `error` of a failed job's output; `tests/worker/
    test_handler.py` checks the rest: `error_type`, `error_details`.)
    """
    env = {**worker_env, "CALLBACK_SIGNING_SECRET": ""}
    log = tmp_path / "worker.log"
    with runpod_worker(env, log) as misconfigured:
        for story_id in ("e2e_misconfigured_1", "e2e_misconfigured_2"):
            result = runsync(misconfigured, **job(story_id, "https://api.example.com/x"))
            assert result["status"] == "FAILED"
            assert "configuration problem" in result["error"]
    startup = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    (failure,) = [entry for entry in startup if entry["message"] == "worker failed to load"]
    assert failure["error_type"] == "worker_misconfigured"
    assert failure["details"] == "CALLBACK_SIGNING_SECRET is not set"
