"""A request's key on the story: which repeat joins the current submission
(`submission_rules.joins`), and a submission whose commit answer was lost, read back by its key
(`StoryStore.begin_request`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.cloud.firestore_v1 import DELETE_FIELD
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.services.rules import Outcome, SubmissionRequest
from callback_api.services.stories import Begun
from callback_api.services.submission_rules import decide_submission, joins
from tests.helpers.callback_api import StoreHarness, Stories
from tests.helpers.grpc_proxy import COMMIT, GrpcProxy
from tools.firestore_emulator import FirestoreEmulator

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def request(key: str = "k", *, idempotent: bool = False, at: datetime = NOW) -> SubmissionRequest:
    return SubmissionRequest(key, at, idempotent, window_s=10)


def story(**fields: Any) -> dict[str, Any]:
    made = {"audioRequest": "k", "audioSubmittedAt": NOW, "audioSubmission": 2}
    return made | {"audioStatus": "pending"} | fields


@pytest.mark.parametrize(
    ("current", "repeat", "joined"),
    [
        (story(), request(at=NOW + timedelta(seconds=9)), True),
        (story(), request(at=NOW + timedelta(seconds=10)), False),
        (story(audioStatus="processing"), request(), False),
        (story(audioStatus="failed"), request(), False),
        (story(), request("other"), False),
        (story(audioSubmission=None), request(), False),
        (story(audioStatus="ready"), request(idempotent=True, at=NOW + timedelta(days=1)), True),
        (story(), request("other", idempotent=True), False),
    ],
    ids=[
        "young-pending",
        "too-old",
        "processing",
        "failed",
        "another-request",
        "unnumbered",
        "idempotency-key-any-time",
        "another-idempotency-key",
    ],
)
def test_which_repeat_joins_the_current_submission(
    current: dict[str, Any], repeat: SubmissionRequest, joined: bool
) -> None:
    decision = decide_submission(current, repeat)

    assert joins(current, repeat) is joined
    assert (decision.outcome is Outcome.DUPLICATE) is joined
    assert (decision.updates == {}) is joined


def test_a_new_submission_records_its_request_and_one_without_clears_it() -> None:
    keyed = decide_submission(story(audioStatus="failed"), request("new"))
    plain = decide_submission(story(audioStatus="failed"))

    assert keyed.updates["audioSubmission"] == plain.updates["audioSubmission"] == 3
    assert (keyed.updates["audioRequest"], keyed.updates["audioSubmittedAt"]) == ("new", NOW)
    assert plain.updates["audioRequest"] is DELETE_FIELD
    assert plain.updates["audioSubmittedAt"] is DELETE_FIELD


@pytest.fixture
def proxy(
    firestore_env: FirestoreEmulator, stories: Stories, monkeypatch: pytest.MonkeyPatch
) -> Iterator[GrpcProxy]:
    with GrpcProxy(firestore_env.host_port) as proxy:
        monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", proxy.host_port)
        yield proxy


@pytest.mark.parametrize("drop", [False, True], ids=["reset", "dropped"])
def test_a_submission_whose_answer_was_lost_is_read_back_by_its_key(
    proxy: GrpcProxy, stories: Stories, signing_secret: str, drop: bool
) -> None:
    stories.create("s", audioStatus="processing", audioSubmission=3, audioJobId="job-3")
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret),
        callback_api_dev_mode=True,
        firestore_timeout_seconds=2,
    )
    harness = StoreHarness(settings)
    plan = proxy.arm(COMMIT, drop=drop)
    try:
        begun = harness.run(harness.store.begin_request("s", request(at=datetime.now(UTC))))
        joined = harness.run(harness.store.begin_request("s", request(at=datetime.now(UTC))))
    finally:
        harness.close()

    assert plan.done == 1  # the commit went through; its answer never came back
    assert begun == Begun(4, False, "processing", "job-3")
    assert joined == Begun(4, True, "pending", None)
    assert stories.get("s")["audioRequest"] == "k"


@pytest.fixture
def harness(firestore_env: FirestoreEmulator, signing_secret: str) -> Iterator[StoreHarness]:
    settings = Settings(
        callback_signing_secret=SecretStr(signing_secret), callback_api_dev_mode=True
    )
    harness = StoreHarness(settings)
    yield harness
    harness.close()


def test_the_job_is_recorded_at_once_only_while_the_story_is_as_the_submission_left_it(
    harness: StoreHarness, stories: Stories
) -> None:
    stories.create("s", audioStatus="failed")
    stories.create("t", audioStatus="failed")
    begun = {s: harness.run(harness.store.begin_request(s, request(s))) for s in ("s", "t")}
    assert all(b.written_at is not None for b in begun.values())
    stories.db.collection("stories").document("t").update({"audioSubmission": 2})  # overtaken

    recorded = harness.run(harness.store.record_job("s", 1, "job-1", begun["s"].written_at))
    overtaken = harness.run(harness.store.record_job("t", 1, "job-1", begun["t"].written_at))

    assert recorded.outcome is Outcome.APPLIED
    assert stories.get("s")["audioJobId"] == "job-1"
    assert overtaken.outcome is Outcome.STALE
    assert "audioJobId" not in stories.get("t")
