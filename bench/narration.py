"""Benchmark of the narration endpoint against the Firestore emulator, RunPod faked.

    python -m bench.narration [--stories 480] [--concurrency 16] [--rounds 4]

Starts an emulator, a stand-in for RunPod's `/run` (in this process, answering at once) and
the API (uvicorn, in a subprocess, configured as in production), then, alternating rounds:

1. raw: the emulator's own rate of simple read-then-write transactions, from the same client
   library the API uses, `concurrency` at a time (`bench.callbacks.raw_updates`);
2. work: the narration's own Firestore work issued directly, without HTTP or the API: the
   submission's transaction (one read of the story and the user's limits document, one commit
   writing both), then the job id's conditional write;
3. api: `POST /api/tts/stories/{id}/narration` from `concurrency` concurrent clients, each
   story narrated once, by the app's backend (an app key acting for the story's owner; users
   own four stories each, and a user's requests come one after another, as a user's clicks
   do). Each request is that same work: one transaction (the story's owner and text, the
   user's limits, the new submission), RunPod's `/run`, one write of the job id;
4. correctness: every answer 202 with a job, every story following its job, one `/run` each.

The figures of merit are the ratio of the API's rate to the raw transactions' (target >= 0.8),
its ratio to the narration's own work, and the endpoint's p99. The CPU time each process spent
per request tells where the time goes on a small machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from google.cloud.firestore_v1 import SERVER_TIMESTAMP

from bench.callbacks import Connection, Run, chunks, raw_updates, seed
from callback_api.services.limits import FIELDS as LIMIT_FIELDS
from callback_api.services.rules import READ_FIELDS
from callback_api.services.story_transactions import read_beginning
from shared.signing import generate_secret
from tools.firestore_emulator import FirestoreEmulator, free_port

PROJECT = "demo-bench"
COLLECTION = "stories"
APP_KEY = "bench-app-key-" + "b" * 32
STORY_TEXT = "Once upon a time, a fox sang to the moon. " * 100  # about 4 KB, a short story
STORIES_PER_USER = 4
TARGET_RATIO = 0.8
RUNS = ("raw", "work", "api")
"""Story ids start with the kind's letter: `r…`, `w…`, `a…`."""
PROFILED_UVICORN = """
import cProfile, signal, sys
import uvicorn.main
# uvicorn raises SIGTERM again once it has shut down; exiting instead lets the profile be saved
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
profile, sys.argv = sys.argv[1], ["uvicorn", *sys.argv[2:]]
profiler = cProfile.Profile()
try:
    profiler.runcall(uvicorn.main.main)
except SystemExit:
    pass
finally:
    profiler.dump_stats(profile)
"""


class RunPodStandIn:
    """RunPod's `/run` on 127.0.0.1, HTTP/1.1 keep-alive, in a thread of its own: a job id at
    once, so that the benchmark measures the API and Firestore, not a network."""

    def __init__(self) -> None:
        self.port = free_port()
        self.runs = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> RunPodStandIn:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = asyncio.start_server(self._client, "127.0.0.1", self.port)
        self._loop.run_until_complete(server)
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
                length = int(head.split("content-length: ", 1)[1].split("\r\n", 1)[0])
                await reader.readexactly(length)
                self.runs += 1
                body = json.dumps({"id": f"job-{self.runs}", "status": "IN_QUEUE"}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError):
            writer.close()


def owner(story_id: str) -> str:
    return f"user-{int(story_id[1:]) // STORIES_PER_USER:05d}-{story_id[0]}"


def by_user(story_ids: list[str], clients: int) -> list[list[str]]:
    """The stories shared out by user: each user's stories to one client, in turn."""
    users: dict[str, list[str]] = {}
    for story_id in story_ids:
        users.setdefault(owner(story_id), []).append(story_id)
    shares: list[list[str]] = [[] for _ in range(clients)]
    for n, own in enumerate(users.values()):
        shares[n % clients] += own
    return shares


def cpu_s(pid: int) -> float:
    """The process's CPU time so far (user and system), from /proc."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Cpu:
    """CPU seconds each process spent in one kind of round."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.spent = dict.fromkeys(pids, 0.0)

    @contextmanager
    def counting(self) -> Iterator[None]:
        before = {name: cpu_s(pid) for name, pid in self.pids.items()}
        yield
        for name, pid in self.pids.items():
            self.spent[name] += cpu_s(pid) - before[name]

    def per(self, requests: int) -> str:
        return ", ".join(f"{n} {1000 * s / max(1, requests):.1f}" for n, s in self.spent.items())


def seed_stories(db: firestore.Client, story_ids: list[str]) -> None:
    for start in range(0, len(story_ids), 400):
        batch = db.batch()
        for story_id in story_ids[start : start + 400]:
            ref = db.collection(COLLECTION).document(story_id)
            batch.set(ref, {"title": "A story", "text": STORY_TEXT, "userId": owner(story_id)})
        batch.commit()


async def narrate_all(address: tuple[str, int], story_ids: list[str], clients: int) -> Run:
    run = Run()
    headers = {"authorization": f"Bearer {APP_KEY}", "content-type": "application/json"}

    async def client(own: list[str]) -> None:
        connection = await Connection.open(*address)
        try:
            for story_id in own:
                body = json.dumps({"user_id": owner(story_id)}).encode()
                path = f"/api/tts/stories/{story_id}/narration"
                started = time.perf_counter()
                status, answer = await connection.post(path, body, headers)
                run.latencies.append(time.perf_counter() - started)
                if status != 202 or not json.loads(answer).get("job_id"):
                    run.wrong_answers.append(f"{story_id}: {status} {answer[:120]!r}")
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(own) for own in by_user(story_ids, clients)))
    run.elapsed = time.perf_counter() - started
    return run


async def narration_work(story_ids: list[str], clients: int) -> Run:
    """What one narration asks of Firestore, issued directly, without HTTP or the API: the
    transaction of `StoryStore.begin_request` (begun by its read of the story and the user's
    document, both written in one commit), then the job id written on the condition that the
    story is unchanged since. The same calls, with the same fields, as the API makes."""
    client = firestore.AsyncClient(project=PROJECT, credentials=AnonymousCredentials())
    stories, quotas = client.collection(COLLECTION), client.collection("_quotas")
    fields = [*READ_FIELDS, "userId", "text", *LIMIT_FIELDS]

    async def begin(story: Any, user: Any) -> datetime:
        transaction, read = await read_beginning(client, [story, user], fields, 30)
        previous = (read[story.path].to_dict() or {}).get("audioSubmission") or 0
        batch = client.batch()
        batch.set(user, {"userId": user.id, "hour": 0, "count": 1, "inFlight": {story.id: 1}})
        batch.update(
            story,
            {
                "audioStatus": "pending",
                "audioSubmission": previous + 1,
                "audioRequest": "k",
                "audioSubmittedAt": datetime.now(UTC),
                "updatedAt": SERVER_TIMESTAMP,
            },
        )
        request = {"database": client._database_string, "writes": batch._write_pbs}
        answer = await client._firestore_api.commit(
            request=request | {"transaction": transaction}, metadata=client._rpc_metadata
        )
        committed: datetime = answer.commit_time  # the private API's answer is untyped
        return committed

    run = Run()

    async def worker(own: list[str]) -> None:
        for story_id in own:
            started = time.perf_counter()
            story = stories.document(story_id)
            written_at = await begin(story, quotas.document(owner(story_id)))
            unchanged = client.write_option(last_update_time=written_at)
            await story.update({"audioJobId": "job", "updatedAt": SERVER_TIMESTAMP}, unchanged)
            run.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(own) for own in by_user(story_ids, clients)))
    run.elapsed = time.perf_counter() - started
    return run


def wrong_stories(db: firestore.Client, story_ids: list[str]) -> list[str]:
    refs = [db.collection(COLLECTION).document(story_id) for story_id in story_ids]
    wrong = []
    for snapshot in db.get_all(refs, ["audioStatus", "audioSubmission", "audioJobId"]):
        story = snapshot.to_dict() or {}
        if (story.get("audioStatus"), story.get("audioSubmission")) != ("pending", 1) or not (
            story.get("audioJobId")
        ):
            wrong.append(f"{snapshot.id}: {story}")
    return wrong


@contextmanager
def api_server(
    emulator: FirestoreEmulator, runpod_port: int, profile: str | None = None
) -> Iterator[tuple[str, int, int]]:
    """The API under uvicorn with production settings; limits high enough not to refuse."""
    port = free_port()
    env = {
        **os.environ,
        "FIRESTORE_EMULATOR_HOST": emulator.host_port,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "CALLBACK_SIGNING_SECRET": generate_secret(),
        "RUNPOD_API_KEY": "rp_bench_key",
        "RUNPOD_ENDPOINT_ID": "bench",
        "RUNPOD_API_BASE_URL": f"http://127.0.0.1:{runpod_port}/v2",
        "CALLBACK_API_PUBLIC_URL": "https://api.example.com",
        "APP_API_KEYS": APP_KEY,
        "MAX_ACTIVE_NARRATIONS_PER_USER": "1000",
        "MAX_SUBMISSIONS_PER_USER_PER_HOUR": "100000",
        "RECONCILE_IN_API": "false",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "uvicorn", "callback_api.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log"]
    if profile:
        command[1:3] = ["-c", PROFILED_UVICORN, profile]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(f"http://127.0.0.1:{port}"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.1)
        yield "127.0.0.1", port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Rounds:
    raw: Run = field(default_factory=Run)
    work: Run = field(default_factory=Run)
    api: Run = field(default_factory=Run)
    cpu: dict[str, Cpu] = field(default_factory=dict)


def measure(
    address: tuple[str, int], ids: dict[str, list[str]], pids: dict[str, int], args: Any
) -> Rounds:
    """Alternate raw, work and API rounds, so that drift in the machine's load hits all alike."""
    rounds = Rounds(cpu={kind: Cpu(pids) for kind in ("raw", "work", "api")})
    kinds: dict[str, Callable[[list[str]], None]] = {
        "raw": lambda own: rounds.raw.add(raw_updates(own, 1, args.concurrency)),
        "work": lambda own: rounds.work.add(narration_work(own, args.concurrency)),
        "api": lambda own: rounds.api.add(narrate_all(address, own, args.concurrency)),
    }
    shares = {kind: chunks(ids[kind], args.rounds) for kind in kinds}
    for number in range(args.rounds):
        order = list(kinds) if number % 2 == 0 else list(reversed(kinds))
        for kind in order:
            with rounds.cpu[kind].counting():
                kinds[kind](shares[kind][number])
    return rounds


def report(rounds: Rounds, wrong: list[str], runs: int, args: Any) -> bool:
    """Print the figures; true when every answer and every story was right."""
    raw, work, api = rounds.raw, rounds.work, rounds.api
    ratio = api.rate / raw.rate
    correct = not wrong and not api.wrong_answers and runs == len(api.latencies)

    def timing(run: Run) -> str:
        return f"p50 {run.percentile(0.5):.1f} ms, p99 {run.percentile(0.99):.1f} ms"

    lines = [
        f"concurrent clients        : {args.concurrency:8d}",
        f"raw emulator transactions : {raw.rate:8.1f} /s  ({len(raw.latencies)} read+write "
        f"transactions, {timing(raw)})",
        f"narration's Firestore work: {work.rate:8.1f} /s  ({len(work.latencies)} transactions "
        f"of story + user, then the job id's write, {timing(work)})",
        f"narrations through the API: {api.rate:8.1f} /s  ({len(api.latencies)} requests)",
        f"ratio API / raw           : {ratio:8.2f}     (target >= {TARGET_RATIO})",
        f"ratio API / its own work  : {api.rate / work.rate:8.2f}",
        f"latency p50               : {api.percentile(0.5):8.1f} ms",
        f"latency p99               : {api.percentile(0.99):8.1f} ms",
        f"CPU ms per raw transaction: {rounds.cpu['raw'].per(len(raw.latencies))}",
        f"CPU ms per work item      : {rounds.cpu['work'].per(len(work.latencies))}",
        f"CPU ms per narration      : {rounds.cpu['api'].per(len(api.latencies))}",
        f"wrong answers             : {len(api.wrong_answers):8d}",
        f"wrong stories             : {len(wrong):8d}",
        f"RunPod /run calls         : {runs:8d}",
        f"correctness               : {'ok' if correct else 'FAILED'}",
        f"speed target              : {'met' if ratio >= TARGET_RATIO else 'NOT met'}",
    ]
    print("\n".join(lines))
    for problem in (api.wrong_answers + wrong)[:10]:
        print("  ", problem)
    return correct


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=480)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup-stories", type=int, default=128)
    parser.add_argument("--profile", help="write the API's cProfile statistics to this file")
    args = parser.parse_args(argv)

    with FirestoreEmulator(project=PROJECT) as emulator, RunPodStandIn() as runpod:
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host_port
        db = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
        warmup = [f"u{index:05d}" for index in range(args.warmup_stories)]
        ids = {kind: [f"{kind[0]}{n:05d}" for n in range(args.stories)] for kind in RUNS}
        work_warmup = [f"x{index:05d}" for index in range(args.warmup_stories)]
        seed_stories(db, warmup + work_warmup + ids["api"] + ids["work"])
        seed(db, ids["raw"])
        with api_server(emulator, runpod.port, args.profile) as (host, port, pid):
            api_address = (host, port)
            asyncio.run(narrate_all(api_address, warmup, args.concurrency))
            asyncio.run(raw_updates(ids["raw"][: args.warmup_stories], 2, args.concurrency))
            asyncio.run(narration_work(work_warmup, args.concurrency))
            before = runpod.runs
            assert emulator.pid is not None
            pids = {"API": pid, "emulator": emulator.pid, "bench": os.getpid()}
            rounds = measure(api_address, ids, pids, args)
        runs = runpod.runs - before
        correct = report(rounds, wrong_stories(db, ids["api"]), runs, args)
    # Speed depends on the machine; only a wrong answer or story fails the run.
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
