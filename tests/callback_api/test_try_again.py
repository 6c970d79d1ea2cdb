""" "Try again": a story follows its newest submission, whatever the late callbacks of older
jobs and their workers' clocks say.

Two API instances under uvicorn, each with its own Firestore client and per-story lock, share
the emulator, and callbacks go to them in turn, as behind a load balancer. "Try again" goes
through the real submission helper (against a scripted RunPod `/run`), or, in the property
test, through its two Firestore writes, so that callbacks can arrive between them.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callback_api.core.config import Settings
from callback_api.core.webhooks import webhook_url
from callback_api.main import create_app
from shared.callbacks import TTSCallbackRequest
from tests.helpers.callback_api import (
    LiveServer,
    Sender,
    StatusListener,
    StoreHarness,
    Stories,
    error,
    progress,
    submit,
    success,
)
from tests.helpers.runpod_fake import FakeRunPod
from tests.helpers.servers import Script, scripted_server

ERROR_FIELDS = {"audioError", "audioErrorDetails", "audioErrorMetadata"}
AUDIO_FIELDS = {"audioUrl", "audioDuration", "audioMetadata"}
PROGRESS_FIELDS = {"audioProgress", "audioProgressStage"}
NOW = datetime.now(UTC)


@dataclass
class Apis:
    """Two API instances on one emulator; the `n`th request goes to instance `n % 2`."""

    senders: list[Sender]
    runpod: FakeRunPod

    def send(self, callback: TTSCallbackRequest, n: int = 0) -> str:
        sender = self.senders[n % len(self.senders)]
        return _outcome(lambda: sender.send(callback))

    def webhook_failed(self, story_id: str, submission: int, job_id: str, n: int = 0) -> str:
        """RunPod's webhook of a job that ended FAILED without a callback (as RunPod's status
        API, which the webhook asks, says too)."""
        sender = self.senders[n % len(self.senders)]
        url = webhook_url("", sender.secret, story_id, submission)
        body = {"id": job_id, "status": "FAILED"}
        self.runpod.report(body)
        return _outcome(lambda: sender.client.post(url, json=body))


def _outcome(post: Callable[[], httpx.Response], attempts: int = 3) -> str:
    """The API's answer, a 503 (Firestore past its deadline) retried as the worker and RunPod
    retry it."""
    response = post()
    for _ in range(attempts - 1):
        if response.status_code != 503:
            break
        response = post()
    assert response.status_code == 200, response.text
    answer = response.json()
    return "applied" if answer["applied"] else answer["reason"]


@pytest.fixture
def api_settings(production_settings: Settings) -> Settings:
    return production_settings


@pytest.fixture
def apis(api_settings: Settings, signing_secret: str, runpod: FakeRunPod) -> Iterator[Apis]:
    # The emulator makes a transaction wait for another's lock on the story; under load that
    # can outlast the 5 s default. A webhook makes two Firestore calls and asks RunPod, so
    # the client waits longer than all three deadlines together: a slow answer is a 503 (which
    # `_outcome` retries, as the worker does), never a client timeout.
    # The in-API reconciler is off: only the history's writes and callbacks touch the stories.
    patient = api_settings.model_copy(
        update={"firestore_timeout_seconds": 60, "reconcile_in_api": False}
    )
    client_timeout = 3 * patient.firestore_timeout_seconds + patient.runpod_timeout_seconds
    with (
        LiveServer(create_app(patient)) as first,
        LiveServer(create_app(patient)) as second,
        httpx.Client(base_url=first.url, timeout=client_timeout) as one,
        httpx.Client(base_url=second.url, timeout=client_timeout) as other,
    ):
        yield Apis([Sender(one, signing_secret), Sender(other, signing_secret)], runpod)


@dataclass
class App:
    """The storytelling app's "Try again": the submission helper, RunPod giving `job_id`."""

    settings: Settings
    secret: str
    runpod: str
    script: Script

    def try_again(self, story_id: str, job_id: str) -> int:
        self.script.requests.clear()
        self.script.responses = [(200, {}, json.dumps({"id": job_id}).encode())]
        submitted = submit(
            self.settings,
            {
                "text": "The fox looked at the moon.",
                "story_id": story_id,
                "user_id": "user-1",
                "callback_url": "https://api.example.com/api/tts/callback",
            },
            endpoint_url=self.runpod,
            webhook_base_url="https://api.example.com",
            secret=self.secret,
        )
        assert submitted.job_id == job_id
        return submitted.submission


@pytest.fixture
def app(api_settings: Settings, signing_secret: str) -> Iterator[App]:
    script = Script()
    with scripted_server(script) as base:
        yield App(api_settings, signing_secret, base, script)


def attempt_fields(story: dict[str, Any]) -> set[str]:
    return (ERROR_FIELDS | AUDIO_FIELDS | PROGRESS_FIELDS) & set(story)


def assert_ended(story: dict[str, Any], story_id: str, job_id: str, outcome: str) -> None:
    """The story holds `job_id`'s signed outcome and nothing of any other attempt."""
    assert story["audioJobId"] == job_id
    if outcome == "success":
        assert story["audioStatus"] == "ready"
        assert story["audioUrl"] == f"https://audio.example/{story_id}/{job_id}.mp3"
        assert not ERROR_FIELDS & set(story)
    else:
        assert story["audioStatus"] == "failed"
        assert story["audioErrorMetadata"]["error_type"] == "voice_profile_missing"
        assert not AUDIO_FIELDS & set(story)


# --- "Try again" in every interleaving of the old job's late callbacks ----------------------

CLOCKS = {"A's clock 3 min behind": -180, "same clock": 0, "A's clock 3 min ahead": 180}
A_LATE = ("A progress", "A success", "A error redelivered")
B_RUN = ("B progress", "B end")


def interleavings(first: tuple[str, ...], second: tuple[str, ...]) -> Iterator[list[str]]:
    """Every merge of the two sequences that keeps each one's own order."""
    size = len(first) + len(second)
    for places in itertools.combinations(range(size), len(second)):
        a, b = iter(first), iter(second)
        yield [next(b) if n in places else next(a) for n in range(size)]


@dataclass(frozen=True)
class TwoJobs:
    """Job A failed, then "Try again" handed the story to job B."""

    story_id: str
    a: dict[str, Any]
    b: dict[str, Any]
    b_end: Callable[..., TTSCallbackRequest]

    def callback(self, label: str) -> TTSCallbackRequest:
        kinds: dict[str, tuple[Callable[..., TTSCallbackRequest], dict[str, Any]]] = {
            "A progress": (progress, self.a | {"done": 3}),
            "A success": (success, self.a),
            "A error redelivered": (error, self.a),
            "B progress": (progress, self.b | {"done": 1}),
            "B end": (self.b_end, self.b),
        }
        make, fields = kinds[label]
        return make(self.story_id, **fields)


def a_failed_then_try_again(
    apis: Apis, app: App, stories: Stories, story_id: str, a_clock: float, a_numbered: bool
) -> dict[str, Any]:
    """The story after job A failed and the user pressed "Try again": `pending` for job B.
    Job A either had a submission number or ran before numbers existed."""
    stories.create(story_id)
    a: dict[str, Any] = {"job_id": "job-a", "job_started_at": NOW + timedelta(seconds=a_clock)}
    if a_numbered:
        a["submission"] = app.try_again(story_id, "job-a")
    assert apis.send(progress(story_id, done=1, **a), 0) == "applied"
    assert apis.send(error(story_id, **a), 1) == "applied"
    b_number = app.try_again(story_id, "job-b")
    assert b_number == (2 if a_numbered else 1)
    return a | {"b_number": b_number}


@pytest.mark.parametrize("b_end", ["success", "error"])
@pytest.mark.parametrize("clock", list(CLOCKS), ids=list(CLOCKS))
@pytest.mark.parametrize("a_numbered", [True, False], ids=["A numbered", "A before numbers"])
def test_try_again_wins_in_every_interleaving_of_the_old_jobs_late_callbacks(
    apis: Apis, app: App, stories: Stories, b_end: str, clock: str, a_numbered: bool
) -> None:
    orders = list(interleavings(A_LATE, B_RUN))
    assert len(orders) == 10
    for index, order in enumerate(orders):
        story_id = f"s{index}"
        a = a_failed_then_try_again(apis, app, stories, story_id, CLOCKS[clock], a_numbered)
        b_number = a.pop("b_number")
        pending = stories.get(story_id)
        assert (pending["audioStatus"], pending["audioSubmission"]) == ("pending", b_number)
        assert pending["audioJobId"] == "job-b"
        assert not attempt_fields(pending)
        jobs = TwoJobs(
            story_id,
            a,
            {"job_id": "job-b", "job_started_at": NOW, "submission": b_number},
            success if b_end == "success" else error,
        )

        outcomes = {label: apis.send(jobs.callback(label), n) for n, label in enumerate(order)}

        assert {outcomes[label] for label in A_LATE} == {"stale"}, order
        assert outcomes["B end"] == "applied", order
        story = stories.get(story_id)
        assert_ended(story, story_id, "job-b", b_end)
        assert (story["audioSubmission"], story["audioJobStartedAt"]) == (b_number, NOW)


def test_the_old_jobs_redelivered_error_while_the_new_one_waits_changes_nothing(
    apis: Apis, app: App, stories: Stories
) -> None:
    """What the user's listener sees after "Try again": never the old failure again."""
    ref = stories.create("s")
    a = {"job_id": "job-a", "job_started_at": NOW + timedelta(minutes=3)}
    a["submission"] = app.try_again("s", "job-a")
    apis.send(error("s", **a))
    with StatusListener(ref) as listener:
        b = {"job_id": "job-b", "job_started_at": NOW, "submission": app.try_again("s", "job-b")}
        for n in range(3):  # the dead letter, redelivered at each of A's worker's later jobs
            assert apis.send(error("s", **a), n) == "stale"
            assert apis.webhook_failed("s", a["submission"], "job-a", n) == "stale"
        assert apis.send(progress("s", done=2, **b)) == "applied"
        assert apis.send(error("s", **a)) == "stale"
        assert apis.send(success("s", **b)) == "applied"
        assert listener.wait_for("ready"), listener.seen

    assert listener.seen == ["failed", "pending", "processing", "ready"]
    assert_ended(stories.get("s"), "s", "job-b", "success")


def test_an_older_worker_without_numbers_is_followed_once_its_job_id_is_recorded(
    apis: Apis, app: App, stories: Stories
) -> None:
    """A worker that does not echo `submission` (deployed before numbers): its callbacks
    count once the helper has recorded its job id, and another job's never do."""
    stories.create("s")
    app.try_again("s", "job-b")
    old_worker = {"job_id": "job-b", "job_started_at": NOW}

    assert apis.send(progress("s", job_id="job-z", job_started_at=NOW + timedelta(minutes=4))) == (
        "stale"
    )
    assert apis.send(progress("s", done=2, **old_worker)) == "applied"
    assert apis.send(success("s", **old_worker)) == "applied"
    assert_ended(stories.get("s"), "s", "job-b", "success")


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_the_contracts_minimal_payload_still_fails_a_waiting_story(
    apis: Apis, app: App, stories: Stories, status: str
) -> None:
    """`{"story_id", "error"}` names no job: as documented, it applies while the story waits,
    whatever submission it follows, and is stale once the story has ended."""
    stories.create("s")
    number = app.try_again("s", "job-b")
    if status == "processing":
        apis.send(progress("s", job_id="job-b", submission=number))
    minimal = error("s", job_id=None, at=None, error="Voice profile not found", metadata=None)

    assert apis.send(minimal) == "applied"
    story = stories.get("s")
    assert (story["audioStatus"], story["audioError"]) == ("failed", "Voice profile not found")
    assert apis.send(minimal) == "stale"  # finished: a repeat, or any other, changes nothing


# --- the property: any interleaving of two or three submissions ------------------------------


@dataclass(frozen=True)
class History:
    """Submissions 1..count of one story; each event is (kind, submission, argument)."""

    count: int
    ends: dict[int, str]
    clocks: dict[int, int]
    events: list[tuple[str, int, Any]]

    def of(self, submission: int, kind: str) -> list[tuple[str, int, Any]]:
        return [e for e in self.events if e[0] == kind and e[1] == submission]


@st.composite
def histories(draw: st.DrawFn) -> History:
    """Each submission's writes (`begin`, `record`), callbacks (progress, its terminal callback
    0 to 2 times) and RunPod's webhook, each event after its own `begin`; plus late callbacks
    of a job from before numbers. Worker clocks are up to 10 minutes behind or 4 ahead."""
    count = draw(st.integers(min_value=2, max_value=3))
    events: list[tuple[str, int, Any]] = [("begin", n, None) for n in range(1, count + 1)]
    ends = {n: draw(st.sampled_from(["success", "error"])) for n in range(1, count + 1)}
    clocks = {n: draw(st.integers(min_value=-600, max_value=240)) for n in range(1, count + 1)}
    for n in range(1, count + 1):
        own: list[tuple[str, int, Any]] = [("record", n, None)]
        own += [("progress", n, d) for d in draw(st.lists(st.integers(0, 4), max_size=3))]
        own += [("end", n, None)] * draw(st.integers(min_value=0, max_value=2))
        own += [("webhook", n, None)] * draw(st.integers(min_value=0, max_value=1))
        for event in own:
            after = events.index(("begin", n, None)) + 1
            events.insert(draw(st.integers(min_value=after, max_value=len(events))), event)
    for kind in draw(st.lists(st.sampled_from(["progress", "success", "error"]), max_size=2)):
        events.insert(draw(st.integers(min_value=0, max_value=len(events))), ("legacy", 0, kind))
    return History(count, ends, clocks, events)


def expected_end(history: History, story: dict[str, Any], story_id: str) -> None:
    """The invariant: the newest submission's terminal callback if it arrived; else its
    inferred failure; else `processing` at its furthest progress; else `pending`. Never a
    field of another attempt."""
    newest = history.count
    job = f"job-{newest}"
    assert story["audioSubmission"] == newest
    if history.of(newest, "end"):
        assert_ended(story, story_id, job, history.ends[newest])
    elif history.of(newest, "webhook"):
        assert (story["audioStatus"], story["audioJobId"]) == ("failed", job)
        assert story["audioErrorMetadata"]["error_type"] == "worker_lost"
        assert not AUDIO_FIELDS & set(story)
    elif progressed := history.of(newest, "progress"):
        assert (story["audioStatus"], story["audioJobId"]) == ("processing", job)
        assert story["audioProgress"] == max(done for _, _, done in progressed) / 4
        assert not (ERROR_FIELDS | AUDIO_FIELDS) & set(story)
    else:
        assert story["audioStatus"] == "pending"
        assert story.get("audioJobId") == (job if history.of(newest, "record") else None)
        assert not attempt_fields(story)


class Player:
    """Plays a history against the API instances and the helper's Firestore writes; runs of
    callbacks between two writes are sent all at once, spread over both instances."""

    def __init__(self, apis: Apis, harness: StoreHarness, story_id: str, history: History) -> None:
        self.apis, self.harness, self.story_id, self.history = apis, harness, story_id, history

    def play(self) -> None:
        batch: list[tuple[str, int, Any]] = []
        for event in self.history.events:
            if event[0] in ("begin", "record"):
                self._send_all(batch)
                batch = []
                self._write(event)
            else:
                batch.append(event)
        self._send_all(batch)

    def _write(self, event: tuple[str, int, Any]) -> None:
        store = self.harness.store
        kind, n, _ = event
        if kind == "begin":
            assert self.harness.run(store.begin_submission(self.story_id)) == n
        else:
            self.harness.run(store.record_job(self.story_id, n, f"job-{n}"))

    def _send_all(self, batch: list[tuple[str, int, Any]]) -> None:
        with ThreadPoolExecutor(max(1, len(batch))) as pool:
            list(pool.map(self._send, batch, range(len(batch))))

    def _send(self, event: tuple[str, int, Any], turn: int) -> str:
        kind, n, argument = event
        if kind == "webhook":
            return self.apis.webhook_failed(self.story_id, n, f"job-{n}", turn)
        return self.apis.send(self._callback(kind, n, argument), turn)

    def _callback(self, kind: str, n: int, argument: Any) -> TTSCallbackRequest:
        if kind == "legacy":  # a job of the story from before numbers, its clock far ahead
            legacy = {"job_id": "job-0", "job_started_at": NOW + timedelta(minutes=4)}
            return {"progress": progress, "success": success, "error": error}[argument](
                self.story_id, **legacy
            )
        fields: dict[str, Any] = {
            "job_id": f"job-{n}",
            "job_started_at": NOW + timedelta(seconds=self.history.clocks[n]),
            "submission": n,
        }
        if kind == "progress":
            return progress(self.story_id, done=argument, **fields)
        return (success if self.history.ends[n] == "success" else error)(self.story_id, **fields)


@pytest.fixture
def harness(api_settings: Settings) -> Iterator[StoreHarness]:
    """The submission helper's Firestore writes, on a client of their own."""
    harness = StoreHarness(api_settings)
    yield harness
    harness.close()


PLAYED: list[int] = []
TIMES: list[float] = []


# 100 histories take about 4 minutes on the emulator, whose transactions wait on each other's
# locks: the default 300 s per test left no room on a loaded machine.
@pytest.mark.timeout(900)
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_any_interleaving_of_submissions_ends_with_the_newest(
    apis: Apis, harness: StoreHarness, stories: Stories, history: History
) -> None:
    story_id = f"p{len(PLAYED)}"
    PLAYED.append(len(history.events))
    stories.create(story_id)
    started_at = time.monotonic()
    Player(apis, harness, story_id, history).play()

    expected_end(history, stories.get(story_id), story_id)
    TIMES.append(time.monotonic() - started_at)
