"""The API under uvicorn: parallel callbacks on two instances, a frontend-style listener,
Firestore outages.

The parallel tests send to two API instances at once, each with its own Firestore client and
per-story lock, so that only the Firestore transaction stands between their writes: with it
replaced by a plain read and update, they fail."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from google.auth.credentials import AnonymousCredentials
from google.cloud.firestore import Client
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.main import create_app
from shared.callbacks import TTSCallbackRequest
from tests.helpers.callback_api import (
    LiveServer,
    Sender,
    StatusListener,
    Stories,
    error,
    progress,
    success,
)
from tests.helpers.firestore import FIRESTORE_PROJECT_ID
from tools.firestore_emulator import FirestoreEmulator

INSTANCES = 3


@pytest.fixture
def live_apis(api_settings: Settings) -> Iterator[list[str]]:
    """Several API instances on the one emulator, as behind a load balancer."""
    # One transaction waits for another's lock in the emulator; under load that can outlast
    # the 5 s default, which would be a 503, not the disagreement these tests look for.
    patient = api_settings.model_copy(update={"firestore_timeout_seconds": 60})
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(LiveServer(create_app(patient))) for _ in range(INSTANCES)]
        yield [server.url for server in servers]


def send_in_parallel(
    urls: list[str], secret: str, callbacks: list[TTSCallbackRequest]
) -> list[Any]:
    """Every callback at once, each on its own connection, spread over the instances; their
    answers in the same order."""
    barrier = threading.Barrier(len(callbacks))

    def send(callback: TTSCallbackRequest, n: int) -> Any:
        with httpx.Client(base_url=urls[n % len(urls)], timeout=90) as client:
            barrier.wait()
            response = Sender(client, secret).send(callback)
        assert response.status_code == 200, response.text
        return response.json()

    with ThreadPoolExecutor(len(callbacks)) as pool:
        return list(pool.map(send, callbacks, range(len(callbacks))))


def outcome(answer: dict[str, Any]) -> str:
    return "applied" if answer["applied"] else answer["reason"]


def test_20_identical_callbacks_in_parallel_apply_once(
    live_apis: list[str], signing_secret: str, stories: Stories
) -> None:
    stories.create("s", audioStatus="processing")

    answers = send_in_parallel(live_apis, signing_secret, [success("s")] * 20)

    assert sorted(map(outcome, answers)) == ["applied"] + ["duplicate"] * 19
    story = stories.get("s")
    assert story["audioStatus"] == "ready"
    assert story["audioUrl"] == "https://audio.example/s/job-a.mp3"
    assert story["audioJobId"] == "job-a"


def test_20_conflicting_callbacks_in_parallel_leave_one_whole_result(
    live_apis: list[str], signing_secret: str, stories: Stories
) -> None:
    stories.create("s", audioStatus="processing")
    callbacks: list[TTSCallbackRequest] = [success("s")] * 8 + [error("s")] * 8
    callbacks += [progress("s", done=n) for n in range(4)]
    random.Random(3).shuffle(callbacks)

    answers = send_in_parallel(live_apis, signing_secret, callbacks)

    terminal = [
        (type(callback).__name__, outcome(answer))
        for callback, answer in zip(callbacks, answers, strict=True)
        if "Progress" not in type(callback).__name__
    ]
    winners = [kind for kind, result in terminal if result == "applied"]
    assert len(winners) == 1
    winner = winners[0]
    for kind, result in terminal:
        if result != "applied":
            assert result == ("duplicate" if kind == winner else "conflict")
    story = stories.get("s")
    if winner == "TTSSuccessCallbackRequest":
        assert story["audioStatus"] == "ready"
        assert story["audioUrl"] == "https://audio.example/s/job-a.mp3"
        assert "audioError" not in story
    else:
        assert story["audioStatus"] == "failed"
        assert story["audioError"].startswith("The selected voice was not found")
        assert "audioUrl" not in story


@pytest.mark.parametrize("numbered", [True, False], ids=["by submission", "by clock"])
def test_callbacks_of_many_jobs_in_parallel_end_with_the_newest(
    live_apis: list[str], signing_secret: str, stories: Stories, numbered: bool
) -> None:
    stories.create("s", **({"audioSubmission": 1} if numbered else {}))
    callbacks: list[TTSCallbackRequest] = []
    for job in range(5):
        # By submission, the workers' clocks run backwards: only the numbers order the jobs.
        of_job = {"job_id": f"job-{job}", "at": -job if numbered else job}
        if numbered:
            of_job["submission"] = job + 1
        callbacks += [progress("s", done=n, **of_job) for n in (1, 2)]
        callbacks += [success("s", **of_job), error("s", **of_job)]
    random.Random(7).shuffle(callbacks)

    send_in_parallel(live_apis, signing_secret, callbacks)

    story = stories.get("s")
    assert story["audioJobId"] == "job-4"
    assert story["audioStatus"] in {"ready", "failed"}
    if story["audioStatus"] == "ready":
        assert story["audioUrl"] == "https://audio.example/s/job-4.mp3"
        assert not {"audioError", "audioErrorDetails", "audioErrorMetadata"} & set(story)
    else:
        assert not {"audioUrl", "audioDuration", "audioMetadata"} & set(story)


def test_a_listener_sees_pending_processing_ready_in_order(
    live_api: LiveServer, signing_secret: str, stories: Stories
) -> None:
    ref = stories.create("s")

    with (
        StatusListener(ref) as listener,
        httpx.Client(base_url=live_api.url, timeout=30) as client,
    ):
        sender = Sender(client, signing_secret)
        for callback in [progress("s", done=1), progress("s", done=3), success("s")]:
            assert sender.send(callback).json()["applied"] is True
        assert listener.wait_for("ready"), listener.seen

    assert listener.seen == ["pending", "processing", "ready"]


@pytest.mark.parametrize("make", [success, error, progress])
def test_firestore_down_is_503_with_retry_after(
    unreachable_firestore: Settings,
    signing_secret: str,
    make: Callable[[str], TTSCallbackRequest],
) -> None:
    with TestClient(create_app(unreachable_firestore)) as client:
        response = Sender(client, signing_secret).send(make("s"))
        metrics = client.get("/metrics").text

    assert response.status_code == 503
    assert response.headers["retry-after"] == "7"
    assert response.json() == {
        "success": False,
        "error": "firestore unavailable, retry later",
        "error_type": "firestore_unavailable",
    }
    assert 'tts_callbacks_total{outcome="unavailable"' in metrics
    assert "firestore_errors_total" in metrics


def test_stopped_emulator_is_503_then_recovers(
    monkeypatch: pytest.MonkeyPatch, signing_secret: str
) -> None:
    # An emulator of its own: stopping the session's one would disturb other tests.
    with FirestoreEmulator(project=FIRESTORE_PROJECT_ID) as emulator:
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", emulator.host_port)
        monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", FIRESTORE_PROJECT_ID)
        db = Client(project=FIRESTORE_PROJECT_ID, credentials=AnonymousCredentials())
        stories = Stories(db)
        settings = Settings(
            callback_signing_secret=SecretStr(signing_secret),
            callback_api_dev_mode=True,
            firestore_timeout_seconds=2,
        )
        stories.create("s")
        live_server = LiveServer(create_app(settings))
        with live_server as live, httpx.Client(base_url=live.url, timeout=30) as client:
            sender = Sender(client, signing_secret)
            assert sender.send(progress("s", done=1)).status_code == 200
            emulator.stop()
            try:
                down = sender.send(progress("s", done=2))
            finally:
                emulator.start()
            assert down.status_code == 503
            assert down.headers["retry-after"] == str(settings.retry_after_seconds)

            stories.create("s")
            # The API's channel reconnects with gRPC's backoff, answering 503 until it has: a
            # sender that retries 503s, as the worker does, gets through within a few seconds.
            deadline = time.monotonic() + 6 * settings.retry_after_seconds
            while (answer := sender.send(progress("s", done=3))).status_code == 503:
                assert time.monotonic() < deadline, "the API did not recover"
                time.sleep(1)
            assert answer.status_code == 200
        assert stories.get("s")["audioProgress"] == 0.75
