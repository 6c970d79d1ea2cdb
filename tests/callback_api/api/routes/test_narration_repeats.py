"""The narration endpoint when requests repeat or overlap: an `Idempotency-Key`, identical
clicks, three simultaneous "Try again" clicks on one or two API instances (real uvicorn
servers, real concurrency), and the superseded job cancelled in RunPod."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from callback_api.core.config import Settings
from callback_api.main import create_app
from tests.helpers.callback_api import LiveServer, Sender, Stories, success
from tests.helpers.narration import TEXT, api, narrate, narration_settings
from tests.helpers.runpod_fake import FakeRunPod
from tools.auth_emulator import AuthEmulator, User


@pytest.fixture
def story(stories: Stories, ana: User) -> str:
    stories.create("story-1", userId=ana.uid, text=TEXT, audioStatus="failed")
    return "story-1"


def update(stories: Stories, story_id: str, **fields: Any) -> None:
    stories.db.collection(stories.collection).document(story_id).update(fields)


def answer(response: httpx.Response) -> tuple[int, str]:
    assert response.status_code == 202, response.text
    body = response.json()
    return body["submission"], body["job_id"]


def clicks(urls: list[str], story: str, token: str, count: int = 3) -> list[httpx.Response]:
    """`count` identical requests released together, spread over the API instances at `urls`."""
    start = threading.Barrier(count)

    def click(n: int) -> httpx.Response:
        with httpx.Client(base_url=urls[n % len(urls)], timeout=30) as http:
            start.wait()
            response = narrate(http, story, token)
            for _ in range(3):  # as the app does: 503 is "retry after", e.g. on a loaded emulator
                if response.status_code != 503:
                    break
                time.sleep(float(response.headers["Retry-After"]))
                response = narrate(http, story, token)
            return response

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(click, range(count)))


def test_a_repeat_with_the_same_idempotency_key_gets_the_same_submission(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    first = narrate(client, story, ana.id_token, {"language": "en"}, **{"Idempotency-Key": "k1"})
    update(stories, story, audioStatus="ready")
    again = narrate(client, story, ana.id_token, {"language": "en"}, **{"Idempotency-Key": "k1"})

    assert answer(first) == answer(again) == (1, "job-1")
    assert len(fake.runs) == 1


def test_another_idempotency_key_starts_again_and_cancels_the_superseded_job(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    first = narrate(client, story, ana.id_token, **{"Idempotency-Key": "k1"})
    second = narrate(client, story, ana.id_token, **{"Idempotency-Key": "k2"})

    assert (answer(first), answer(second)) == ((1, "job-1"), (2, "job-2"))
    assert fake.cancelled == ["job-1"]
    assert fake.status("job-1") == {"id": "job-1", "status": "CANCELLED"}
    assert stories.get(story)["audioJobId"] == "job-2"


def test_an_identical_click_joins_a_young_pending_submission_and_not_an_older_one(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    first = answer(narrate(client, story, ana.id_token))
    joined = answer(narrate(client, story, ana.id_token))
    old = datetime.now(UTC) - timedelta(seconds=30)
    update(stories, story, audioSubmittedAt=old)
    later = answer(narrate(client, story, ana.id_token))

    assert first == joined == (1, "job-1")
    assert later == (2, "job-2")
    assert len(fake.runs) == 2
    assert fake.cancelled == ["job-1"]


def test_a_story_that_ended_is_narrated_again_without_cancelling_anything(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    answer(narrate(client, story, ana.id_token))
    update(stories, story, audioStatus="ready")

    assert answer(narrate(client, story, ana.id_token)) == (2, "job-2")
    assert fake.cancelled == []


def test_a_story_still_running_an_earlier_job_has_that_job_cancelled(
    client: TestClient, fake: FakeRunPod, stories: Stories, ana: User
) -> None:
    stories.create(
        "running", userId=ana.uid, text=TEXT, audioStatus="processing", audioSubmission=4,
        audioJobId="old-job",
    )  # fmt: skip

    # RunPod does not know old-job (404): logged, and the narration still starts
    assert answer(narrate(client, "running", ana.id_token)) == (5, "job-1")
    assert fake.cancelled == ["old-job"]


def test_three_simultaneous_clicks_make_one_submission_that_the_story_follows(
    settings: Settings,
    signing_secret: str,
    fake: FakeRunPod,
    stories: Stories,
    ana: User,
    story: str,
) -> None:
    fake.run_delay_s = 0.5  # the later clicks arrive while the first waits for RunPod
    with LiveServer(create_app(settings)) as server:
        answers = {answer(response) for response in clicks([server.url], story, ana.id_token)}
        with httpx.Client(base_url=server.url) as http:
            ended = Sender(http, signing_secret).send(success(story, job_id="job-1", submission=1))

    assert answers == {(1, "job-1")}
    assert len(fake.runs) == 1
    assert ended.json()["applied"] is True
    saved = stories.get(story)
    assert (saved["audioStatus"], saved["audioSubmission"], saved["audioJobId"]) == (
        "ready",
        1,
        "job-1",
    )


def test_two_api_instances_share_one_submission(
    settings: Settings, fake: FakeRunPod, stories: Stories, ana: User, story: str
) -> None:
    fake.run_delay_s = 0.5
    with LiveServer(create_app(settings)) as one, LiveServer(create_app(settings)) as two:
        answers = {answer(r) for r in clicks([one.url, two.url], story, ana.id_token, count=4)}
        with httpx.Client(base_url=two.url, timeout=30) as http:
            keyed = [
                answer(narrate(http, story, ana.id_token, {"reuse_chunks": False}, **key))
                for key in ({"Idempotency-Key": "k"}, {"Idempotency-Key": "k"})
            ]

    assert answers == {(1, "job-1")}
    assert keyed == [(2, "job-2"), (2, "job-2")]
    assert len(fake.runs) == 2
    assert stories.get(story)["audioJobId"] == "job-2"


def test_a_joined_submission_that_never_gets_a_job_is_replaced_not_followed(
    auth_env: AuthEmulator, signing_secret: str, fake: FakeRunPod, stories: Stories, ana: User
) -> None:
    """The submission a click joins was written by a request that then died (or was told its
    commit failed although it landed): after waiting for its job, the click starts anew."""
    key = hashlib.sha256(json.dumps([ana.uid, "s", {"idempotency_key": "k"}]).encode())
    stories.create(
        "s", userId=ana.uid, text=TEXT, audioStatus="pending", audioSubmission=3,
        audioRequest=key.hexdigest(), audioSubmittedAt=datetime.now(UTC),
    )  # fmt: skip
    quick = {"runpod_timeout_seconds": 1, "firestore_timeout_seconds": 1}
    with api(narration_settings(signing_secret, fake, **quick)) as client:
        replaced = answer(narrate(client, "s", ana.id_token, **{"Idempotency-Key": "k"}))

    assert replaced == (4, "job-1")
    saved = stories.get("s")
    assert (saved["audioSubmission"], saved["audioJobId"]) == (4, "job-1")
