"""Submitting story jobs: the story handed to its submission in the Firestore emulator, the
request against a scripted server, then one real job through runpod-python's local API serving
our worker, with its webhook reaching the API."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.errors import StoryNotFoundError
from callback_api.core.webhooks import webhook_token
from callback_api.services.rules import Outcome
from callback_api.services.runpod_api import (
    RunPodConnectError,
    RunPodError,
    RunPodResponseError,
    RunPodStatusError,
)
from callback_api.services.stories import opened_store
from callback_api.services.submission import CONFIGURATION_MESSAGE, SubmittedJob, story_job_request
from shared.deadlines import CALLBACK_GRACE_S, job_deadline_s
from shared.errors import InvalidInputError, SubmissionFailedError
from tests.helpers.callback_api import LiveServer, Stories, started, submit, success
from tests.helpers.servers import Script, scripted_server
from tools.firestore_emulator import FirestoreEmulator, free_port
from tools.stack import runpod_worker

REPO = Path(__file__).resolve().parents[2]
TEXT = "The lighthouse keeper counted the boats. Seven came home before the fog."


def job_input(**overrides: Any) -> dict[str, Any]:
    return {
        "text": TEXT,
        "story_id": "story-1",
        "user_id": "user-1",
        "callback_url": "https://api.example.com/api/tts/callback",
        "is_kids_voice": False,
        **overrides,
    }


SECRET = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA=="
BUSY = SubmissionFailedError.default_message
ACCEPTED = (200, {}, b'{"id": "job-123", "status": "IN_QUEUE"}')


def submitted(
    settings: Settings, script: Script, **overrides: Any
) -> tuple[SubmittedJob, dict[str, Any], dict[str, str]]:
    with scripted_server(script) as base:
        job = submit(
            settings,
            job_input(**overrides),
            endpoint_url=f"{base}/v2/endpoint-1",
            api_key="rp_test_key",
            webhook_base_url="https://api.example.com/",
            secret=SECRET,
        )
    [request] = script.requests
    assert (request.method, request.path) == ("POST", "/v2/endpoint-1/run")
    return job, json.loads(request.body), request.headers


def refused(settings: Settings, script: Script) -> RunPodError:
    with pytest.raises(RunPodError) as caught:
        submitted(settings, script)
    return caught.value


def submit_command(path: Path, endpoint_url: str) -> subprocess.CompletedProcess[str]:
    """`python -m callback_api.submit path --endpoint-url endpoint_url`, as an operator runs it
    (the Firestore emulator's variables come from the test's environment)."""
    environment = {
        **os.environ,
        "CALLBACK_SIGNING_SECRET": SECRET,
        "RUNPOD_API_KEY": "rp_test_key",  # production settings; --endpoint-url overrides
        "RUNPOD_ENDPOINT_ID": "endpoint-1",
        "CALLBACK_API_PUBLIC_URL": "https://api.example.com",
    }
    return subprocess.run(
        [sys.executable, "-m", "callback_api.submit", str(path), "--endpoint-url", endpoint_url],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def settings(firestore_env: FirestoreEmulator) -> Settings:
    return Settings(callback_signing_secret=SecretStr(SECRET), callback_api_dev_mode=True)


def test_the_job_carries_its_submission_deadline_webhook_and_execution_timeout(
    settings: Settings, stories: Stories
) -> None:
    stories.create("story-1")

    job, body, headers = submitted(settings, Script([ACCEPTED]))

    deadline = job_deadline_s(len(TEXT))
    assert job == SubmittedJob("job-123", 1)
    assert headers["Authorization"] == "Bearer rp_test_key"
    assert body == {
        "input": {**job_input(), "deadline_s": deadline, "submission": 1},
        "webhook": "https://api.example.com/api/runpod/webhook/story-1/1/"
        + webhook_token(SECRET, "story-1", 1),
        "policy": {"executionTimeout": (deadline + CALLBACK_GRACE_S) * 1000},
    }


def test_try_again_hands_the_story_to_the_next_submission_with_nothing_of_the_last(
    settings: Settings, stories: Stories
) -> None:
    stories.create(
        "story-1",
        audioStatus="failed",
        audioSubmission=4,
        audioJobId="job-old",
        audioJobStartedAt=started(0),
        audioProgress=0.5,
        audioProgressStage="generating",
        audioError="The narration stopped unexpectedly. Please try again.",
        audioErrorDetails="worker lost",
        audioErrorMetadata={"error_type": "worker_lost"},
        audioUrl="https://audio.example/old.mp3",
        audioDuration=12.5,
        audioMetadata={"format": "mp3"},
    )

    job, body, _ = submitted(settings, Script([ACCEPTED]))

    assert job.submission == body["input"]["submission"] == 5
    story = stories.get("story-1")
    assert {k: v for k, v in story.items() if k.startswith("audio")} == {
        "audioStatus": "pending",
        "audioSubmission": 5,
        "audioJobId": "job-123",
    }


def test_a_long_story_gets_a_longer_deadline() -> None:
    short = story_job_request(
        job_input(), submission=1, webhook_base_url="https://a.example", secret=SECRET
    )
    long = story_job_request(
        job_input(text="word " * 10_000),
        submission=1,
        webhook_base_url="https://a.example",
        secret=SECRET,
    )

    assert long["input"]["deadline_s"] > short["input"]["deadline_s"]
    assert long["policy"]["executionTimeout"] > long["input"]["deadline_s"] * 1000


def test_an_earlier_deadline_given_by_the_app_is_kept() -> None:
    request = story_job_request(
        job_input(deadline_s=120), submission=1, webhook_base_url="https://a.example", secret=SECRET
    )

    assert request["input"]["deadline_s"] == 120
    assert request["policy"]["executionTimeout"] == (120 + CALLBACK_GRACE_S) * 1000


@pytest.mark.parametrize("content", ["{not json", "[1, 2]"])
def test_the_command_refuses_a_file_that_is_not_a_job(tmp_path: Path, content: str) -> None:
    path = tmp_path / "job.json"
    path.write_text(content)

    result = submit_command(path, "http://x")

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "job.json" in result.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        {"story_id": "a/b"},
        {"callback_url": "ftp://x"},
        {"text": None},
        {"user_id": ""},
        {"submission": "2"},
        {"voice_storage_key": "voices/someone_else/v1.pt"},
    ],
)
def test_invalid_input_is_refused_before_anything_is_written_or_submitted(
    settings: Settings, stories: Stories, overrides: dict[str, Any]
) -> None:
    stories.create("story-1", audioStatus="failed", audioError="before")
    before = stories.all_documents()
    script = Script()

    with scripted_server(script) as base, pytest.raises(InvalidInputError) as caught:
        submit(
            settings,
            job_input(**overrides),
            endpoint_url=base,
            webhook_base_url="https://api.example.com",
            secret=SECRET,
        )

    assert caught.value.error_type == "invalid_input"
    assert script.requests == []
    assert stories.all_documents() == before


@pytest.mark.parametrize("prefix", [None, "narrators/"])
def test_a_narrators_voice_is_submitted_exactly_when_the_worker_would_take_it(
    settings: Settings, stories: Stories, prefix: str | None
) -> None:
    stories.create("story-1")
    narrator = job_input(voice_storage_key="narrators/old_sailor.pt")
    script = Script([ACCEPTED])

    with scripted_server(script) as base:
        options = {"endpoint_url": base, "webhook_base_url": "https://api.example.com"}
        if prefix is None:
            with pytest.raises(InvalidInputError):
                submit(settings, narrator, secret=SECRET, **options)
        else:
            submit(settings, narrator, secret=SECRET, shared_voice_prefix=prefix, **options)

    sent = [json.loads(request.body)["input"] for request in script.requests]
    expected = [] if prefix is None else ["narrators/old_sailor.pt"]
    assert [job["voice_storage_key"] for job in sent] == expected


def test_a_story_that_does_not_exist_is_not_submitted(settings: Settings, stories: Stories) -> None:
    script = Script()

    with scripted_server(script) as base, pytest.raises(StoryNotFoundError):
        submit(
            settings,
            job_input(),
            endpoint_url=base,
            webhook_base_url="https://api.example.com",
            secret=SECRET,
        )

    assert script.requests == []
    assert stories.ids() == set()


@pytest.mark.parametrize(
    ("answer", "expected", "message"),
    [
        ((401, {}, b'{"error": "unauthorized"}'), RunPodStatusError, CONFIGURATION_MESSAGE),
        ((404, {}, b"no such endpoint"), RunPodStatusError, CONFIGURATION_MESSAGE),
        ((429, {}, b"slow down"), RunPodStatusError, SubmissionFailedError.default_message),
        ((500, {}, b"oops"), RunPodStatusError, SubmissionFailedError.default_message),
        ((200, {}, b"<html>"), RunPodResponseError, SubmissionFailedError.default_message),
        (
            (200, {}, b'{"status": "IN_QUEUE"}'),
            RunPodResponseError,
            SubmissionFailedError.default_message,
        ),
    ],
)
def test_a_refusal_is_a_typed_error_and_fails_the_story(
    settings: Settings,
    stories: Stories,
    answer: tuple[int, dict[str, str], bytes],
    expected: type[Exception],
    message: str,
) -> None:
    stories.create("story-1")

    exc = refused(settings, Script([answer]))

    assert isinstance(exc, expected)
    assert "rp_test_key" not in str(exc)
    if isinstance(exc, RunPodStatusError):
        assert exc.status_code == answer[0]
    story = stories.get("story-1")
    assert (story["audioStatus"], story["audioSubmission"], story["audioError"]) == (
        "failed",
        1,
        message,
    )
    assert story["audioErrorMetadata"]["error_type"] == "submission_failed"
    assert story["audioErrorMetadata"]["source"] == "submission"
    assert "audioJobId" not in story


def test_an_unreachable_runpod_is_a_connect_error_and_fails_the_story(
    settings: Settings, stories: Stories
) -> None:
    stories.create("story-1")

    with pytest.raises(RunPodConnectError):
        submit(
            settings,
            job_input(),
            endpoint_url=f"http://127.0.0.1:{free_port()}",
            webhook_base_url="https://api.example.com",
            secret=SECRET,
            timeout=2,
        )

    assert stories.get("story-1")["audioErrorMetadata"]["error_type"] == "submission_failed"


def test_a_job_that_started_although_its_answer_was_lost_still_ends_the_story(
    settings: Settings, stories: Stories
) -> None:
    """RunPod created the job, then the answer was lost: the story is failed as not started,
    and the job's signed success, of the same submission, supersedes that."""
    stories.create("story-1")
    refused(settings, Script([(502, {}, b"bad gateway")]))

    async def its_success() -> Outcome:
        async with opened_store(settings) as store:
            late = success("story-1", job_id="job-lost", submission=1)
            return (await store.apply(late)).outcome

    assert asyncio.run(its_success()) is Outcome.APPLIED
    story = stories.get("story-1")
    assert (story["audioStatus"], story["audioJobId"]) == ("ready", "job-lost")
    assert "audioError" not in story


def test_the_command_submits_from_a_file(tmp_path: Path, stories: Stories) -> None:
    stories.create("story-1")
    script = Script([(200, {}, b'{"id": "job-9"}')])
    path = tmp_path / "job.json"
    path.write_text(json.dumps({k: v for k, v in job_input().items() if k != "callback_url"}))

    with scripted_server(script) as base:
        result = submit_command(path, base)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "job-9"
    body = json.loads(script.requests[0].body)
    assert body["input"]["callback_url"] == "https://api.example.com/api/tts/callback"
    assert body["input"]["submission"] == 1
    assert SECRET not in result.stdout + result.stderr
    assert stories.get("story-1")["audioJobId"] == "job-9"


def test_the_command_names_a_story_that_does_not_exist(
    tmp_path: Path, firestore_env: FirestoreEmulator
) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(job_input()))

    result = submit_command(path, "http://127.0.0.1:1")

    assert result.returncode == 2
    assert "no story 'story-1'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_job_submitted_to_runpods_local_api_reports_back_through_the_webhook(
    live_api: LiveServer,
    api_settings: Settings,
    signing_secret: str,
    stories: Stories,
    tmp_path: Path,
) -> None:
    """One short story through `python -m worker.handler --rp_serve_api`: `/run` accepts the
    extra `policy`, the job runs when `/status` is polled, the worker's callbacks make the story
    ready, and the local API then posts `{"output": …}` to the story's webhook, which answers
    200 (a duplicate once the worker embeds its signed callback, `no_callback` before)."""
    worker_env = {
        "TTS_ENGINE": "piper",
        "STORAGE_BACKEND": "local",
        "LOCAL_STORAGE_DIR": str(tmp_path / "storage"),
        "LOCAL_STORAGE_PUBLIC_URL": "http://127.0.0.1:1",
        "CALLBACK_SIGNING_SECRET": signing_secret,
        "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
        "WORKER_DEV_MODE": "true",
    }
    stories.create("story-1")

    with runpod_worker(worker_env, tmp_path / "worker.log") as runpod_url:
        job_id = submit(
            api_settings,
            job_input(callback_url=f"{live_api.url}/api/tts/callback"),
            endpoint_url=runpod_url,
            webhook_base_url=live_api.url,
            secret=signing_secret,
        ).job_id
        status = requests.post(f"{runpod_url}/status/{job_id}", timeout=300).json()
        webhooks = wait_for_webhooks(live_api.url)

    assert status["status"] == "COMPLETED", status
    story = stories.get("story-1")
    assert story["audioStatus"] == "ready"
    assert story["audioJobId"] == job_id
    assert story["audioUrl"] == status["output"]["audio_url"]
    assert set(webhooks) <= {"duplicate", "no_callback"}
    assert sum(webhooks.values()) == 1


def wait_for_webhooks(api_url: str, timeout_s: float = 30) -> dict[str, float]:
    """The webhook's outcomes counted by the API's metrics, once there is one."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        lines = requests.get(f"{api_url}/metrics", timeout=10).text.splitlines()
        counted = {
            line.split('outcome="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in lines
            if line.startswith("tts_callbacks_total{") and 'type="runpod_webhook"' in line
        }
        if counted:
            return counted
        time.sleep(0.2)
    raise AssertionError("no webhook arrived")
