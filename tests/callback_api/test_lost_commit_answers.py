"""Firestore's ambiguous answers are read back: a callback whose commit went through but whose
answer was lost is answered as written (`applied`), never `conflict` or 422.

The API talks to the Firestore emulator through a TCP proxy (`tests/helpers/grpc_proxy.py`)
that lets a commit reach the emulator and then resets the connection before the answer comes
back (the client retries the commit and Firestore answers INVALID_ARGUMENT, "Transaction is
invalid or closed": in production, 2 in 120 callbacks were then answered `200 conflict` or
422), or drops the answer so that the API's deadline passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.core.errors import FirestoreRequestError, FirestoreUnavailableError
from callback_api.main import create_app
from shared.callbacks import TTSCallbackRequest
from tests.helpers.callback_api import Sender, StoreHarness, Stories, error, progress, success
from tests.helpers.grpc_proxy import COMMIT, GrpcProxy
from tools.firestore_emulator import FirestoreEmulator

APPLIED = {"success": True, "applied": True}
METADATA = {"title": "The Fox and the Moon", "voiceName": "Ada"}
"""Pass-through metadata: without the read-back, the lean retry of a success answered
`conflict` against its own full write."""


@pytest.fixture
def proxy(
    firestore_env: FirestoreEmulator, stories: Stories, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GrpcProxy]:
    """The API's way to the emulator; `stories` keeps its own direct client for checking."""
    with GrpcProxy(firestore_env.host_port) as proxy:
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", proxy.host_port)
        yield proxy


@pytest.fixture
def sender(proxy: GrpcProxy, signing_secret: str) -> Iterator[Sender]:
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        firestore_timeout_seconds=2,
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Sender(client, signing_secret)


@dataclass(frozen=True)
class Case:
    """A callback to story `s`, and the fields it writes there."""

    kind: str
    callback: TTSCallbackRequest
    expected: dict[str, Any]

    @property
    def waiting(self) -> str:
        """The story's status before it: a job's first progress finds the story pending."""
        return "pending" if self.kind == "progress" else "processing"


CASES = [
    Case(
        "progress",
        progress("s", done=2),
        {"audioStatus": "processing", "audioProgress": 0.5, "audioJobId": "job-a"},
    ),
    Case(
        "success",
        success("s", metadata=METADATA),
        {"audioStatus": "ready", "audioUrl": "https://audio.example/s/job-a.mp3"},
    ),
    Case(
        "error",
        error("s"),
        {"audioStatus": "failed", "audioErrorMetadata": error("s").metadata},
    ),
]


@pytest.fixture(params=CASES, ids=[case.kind for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


@pytest.mark.parametrize("lost", ["reset", "dropped"])
def test_a_written_callback_whose_answer_was_lost_is_answered_applied(
    proxy: GrpcProxy, sender: Sender, stories: Stories, case: Case, lost: str
) -> None:
    stories.create("s", audioStatus=case.waiting)
    plan = proxy.arm(COMMIT, drop=lost == "dropped")

    response = sender.send(case.callback)

    assert (response.status_code, response.json()) == (200, APPLIED)
    assert plan.done == 1  # the commit went through and its answer never came back
    if lost == "reset":
        assert plan.calls[COMMIT] == 2  # the client retried it: INVALID_ARGUMENT
    story = stories.get("s")
    assert {key: story.get(key) for key in case.expected} == case.expected
    if case.kind == "success":
        assert story["audioMetadata"]["voiceName"] == "Ada"  # the full write, not the lean one


def test_the_workers_retry_after_a_lost_answer_changes_nothing(
    proxy: GrpcProxy, sender: Sender, stories: Stories, case: Case
) -> None:
    """A worker that timed out on the lost answer sends the same callback again."""
    stories.create("s", audioStatus=case.waiting)
    proxy.arm(COMMIT)
    assert sender.send(case.callback).json() == APPLIED
    written = stories.get("s")

    repeat = sender.send(case.callback).json()

    story = stories.get("s")
    if case.kind == "progress":  # a heartbeat: it refreshes updatedAt and nothing else
        assert repeat == APPLIED
        assert {k: v for k, v in story.items() if k != "updatedAt"} == {
            k: v for k, v in written.items() if k != "updatedAt"
        }
    else:
        assert repeat == {"success": True, "applied": False, "reason": "duplicate"}
        assert story == written
    assert {key: story.get(key) for key in case.expected} == case.expected


def test_a_commit_that_never_reached_firestore_is_retried_and_written_once(
    proxy: GrpcProxy, sender: Sender, stories: Stories
) -> None:
    """The same reset, for the read before the commit: nothing was written, the transaction
    runs again, and the story holds the callback once."""
    stories.create("s", audioStatus="processing")
    plan = proxy.arm("/google.firestore.v1.Firestore/BatchGetDocuments")

    response = sender.send(success("s", metadata=METADATA))

    assert (response.status_code, response.json()) == (200, APPLIED)
    assert plan.done == 1
    story = stories.get("s")
    assert (story["audioStatus"], story["audioMetadata"]["voiceName"]) == ("ready", "Ada")


def test_a_submission_whose_answer_was_lost_is_not_claimed_as_written(
    proxy: GrpcProxy, stories: Stories, signing_secret: str
) -> None:
    """Two "Try again" clicks write the same next number: a story holding it does not say
    whose write landed, so a lost answer is a failure the caller reports, not a number."""
    stories.create("s", audioStatus="failed", audioSubmission=3)
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        firestore_timeout_seconds=2,
    )
    harness = StoreHarness(settings)
    plan = proxy.arm(COMMIT)
    try:
        with pytest.raises((FirestoreUnavailableError, FirestoreRequestError)):
            harness.run(harness.store.begin_submission("s"))
    finally:
        harness.close()
    assert plan.done == 1  # the commit went through; its answer never came back
    assert stories.get("s")["audioSubmission"] == 4
