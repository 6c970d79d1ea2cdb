"""The RunPod handler started with an incomplete deployment: it imports, stays up, and fails
every job fast with `worker_misconfigured`, instead of crashing at import in a loop.

Each case imports `worker.handler` in a fresh interpreter, since the runners are built at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from shared.signing import generate_secret
from tools.stack import REPO_ROOT
from worker.config import ServiceSettings, SynthesisSettings

pytestmark = pytest.mark.slow

SECRET = generate_secret()
SCRIPT = """
import json, sys
import worker.handler as worker
for job_input in json.loads(sys.argv[1]):
    print(json.dumps(worker.handler({"id": "job-1", "input": job_input})))
"""
STORY = {
    "text": "Once upon a time.",
    "story_id": "story_1",
    "user_id": "user_1",
    "callback_url": "https://api.example.com/api/tts/callback",
}
VOICE = {"action": "create_voice_profile", "user_id": "user_1", "name": "Grandma"}


def clean_environment(**values: str) -> dict[str, str]:
    """This process's environment without any worker setting, plus `values`."""
    settings = {
        name.upper()
        for model in (SynthesisSettings, ServiceSettings)
        for name in model.model_fields
    }
    kept = {k: v for k, v in os.environ.items() if k not in settings and k != "TTS_ENGINE"}
    return {**kept, "TTS_ENGINE": "piper", **values}


def run_jobs(env: dict[str, str], *inputs: Any) -> tuple[list[dict[str, Any]], str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(inputs)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # no exception at import
    outputs = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return outputs, done.stdout + done.stderr


def test_without_secret_or_storage_every_job_fails_fast_naming_what_is_missing() -> None:
    outputs, _ = run_jobs(clean_environment(), STORY, VOICE, "not even a dict")

    assert len(outputs) == 3
    for output in outputs:
        assert output["error_type"] == "worker_misconfigured"
        assert output["retryable"] is True
        assert output["callback_delivered"] is False
        assert "configuration problem" in output["error"]
        assert "CALLBACK_SIGNING_SECRET is not set" in output["error_details"]
        assert "STORAGE_BACKEND is not set" in output["error_details"]
        assert "refresh_worker" not in output
    assert outputs[0]["story_id"] == "story_1"
    assert outputs[2]["story_id"] is None


def test_local_storage_outside_development_is_refused_without_showing_the_secret() -> None:
    env = clean_environment(
        CALLBACK_SIGNING_SECRET=SECRET,
        STORAGE_BACKEND="local",
        CALLBACK_ALLOW_LOOPBACK_HTTP="true",
    )
    outputs, logs = run_jobs(env, STORY)

    (output,) = outputs
    assert output["error_type"] == "worker_misconfigured"
    details = output["error_details"]
    assert "STORAGE_BACKEND=local needs WORKER_DEV_MODE=true" in details
    assert "CALLBACK_ALLOW_LOOPBACK_HTTP=true needs WORKER_DEV_MODE=true" in details
    assert "CALLBACK_ALLOWED_HOSTS is not set" in details
    assert "CALLBACK_SIGNING_SECRET" not in details
    assert "worker failed to load" in logs  # said once, at start-up, in the JSON log
    assert SECRET not in logs


def test_r2_without_a_public_base_url_is_refused() -> None:
    env = clean_environment(
        CALLBACK_SIGNING_SECRET=SECRET,
        CALLBACK_ALLOWED_HOSTS="api.example.com",
        STORAGE_BACKEND="r2",
        R2_ACCOUNT_ID="0123",
        R2_ACCESS_KEY_ID="key-id",
        R2_SECRET_ACCESS_KEY="key-secret",
        R2_BUCKET="story-audio",
    )
    (output,), logs = run_jobs(env, STORY)

    assert output["error_type"] == "worker_misconfigured"
    assert output["error_details"].startswith("R2_PUBLIC_BASE_URL is not set")
    assert "key-secret" not in logs
