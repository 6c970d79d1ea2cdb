"""Benchmark of the narration endpoint against the Firestore emulator, RunPod faked.

    python -m bench.narration [--stories 480] [--concurrency 16] [--rounds 4]

Starts an emulator, a stand-in for RunPod's `/run` (in this process, answering at once) and
the API (uvicorn, in a subprocess, configured as in production), then, alternating rounds:

1. raw: the emulator's own rate of simple read-then-write transactions, from the same client
   library the API uses, `concurrency` at a time (`bench.callbacks.raw_updates`);
2. api: `POST /api/tts/stories/{id}/narration` from `concurrency` concurrent clients, each
   story narrated once, by the app's backend (an app key acting for the story's owner; users
   own four stories each). Each request reads the story, counts the user's stories in flight,
   takes the user's hourly quota (a transaction), hands the story to its submission (a
   transaction), submits the job and records its id (a transaction);
3. correctness: every answer 202 with a job, every story following its job, one `/run` each.

The figure of merit is the ratio of the two rates (target >= 0.8) and the endpoint's p99.
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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from bench.callbacks import Connection, Run, by_sender, chunks, raw_updates, seed
from shared.signing import generate_secret
from tools.firestore_emulator import FirestoreEmulator, free_port

PROJECT = "demo-bench"
COLLECTION = "stories"
APP_KEY = "bench-app-key-" + "b" * 32
STORY_TEXT = "Once upon a time, a fox sang to the moon. " * 100  # about 4 KB, a short story
STORIES_PER_USER = 4
TARGET_RATIO = 0.8


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
    await asyncio.gather(*(client(own) for own in by_sender(story_ids, clients)))
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
def api_server(emulator: FirestoreEmulator, runpod_port: int) -> Iterator[tuple[str, int]]:
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
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _healthy(f"http://127.0.0.1:{port}"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def measure(
    address: tuple[str, int], story_ids: list[str], raw_ids: list[str], args: Any
) -> tuple[Run, Run]:
    """Alternate raw and API rounds, so that drift in the machine's load hits both alike."""
    raw, api = Run(), Run()
    rounds = zip(chunks(story_ids, args.rounds), chunks(raw_ids, args.rounds), strict=True)
    for number, (own, ids) in enumerate(rounds):
        phases = [
            lambda ids=ids: raw.add(raw_updates(ids, 1, args.concurrency)),
            lambda own=own: api.add(narrate_all(address, own, args.concurrency)),
        ]
        for phase in phases if number % 2 == 0 else reversed(phases):
            phase()
    return raw, api


def report(raw: Run, api: Run, wrong: list[str], runs: int, args: Any) -> bool:
    """Print the figures; true when every answer and every story was right."""
    ratio = api.rate / raw.rate
    correct = not wrong and not api.wrong_answers and runs == len(api.latencies)
    lines = [
        f"concurrent clients        : {args.concurrency:8d}",
        f"raw emulator transactions : {raw.rate:8.1f} /s  ({len(raw.latencies)} read+write "
        f"transactions, p50 {raw.percentile(0.5):.1f} ms, p99 {raw.percentile(0.99):.1f} ms)",
        f"narrations through the API: {api.rate:8.1f} /s  ({len(api.latencies)} requests)",
        f"ratio API / raw           : {ratio:8.2f}     (target >= {TARGET_RATIO})",
        f"latency p50               : {api.percentile(0.5):8.1f} ms",
        f"latency p99               : {api.percentile(0.99):8.1f} ms",
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
    args = parser.parse_args(argv)

    with FirestoreEmulator(project=PROJECT) as emulator, RunPodStandIn() as runpod:
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host_port
        db = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
        warmup = [f"w{index:05d}" for index in range(args.warmup_stories)]
        story_ids = [f"s{index:05d}" for index in range(args.stories)]
        raw_ids = [f"r{index:05d}" for index in range(args.stories)]
        seed_stories(db, warmup + story_ids)
        seed(db, raw_ids)
        with api_server(emulator, runpod.port) as address:
            asyncio.run(narrate_all(address, warmup, args.concurrency))
            asyncio.run(raw_updates(raw_ids[: args.warmup_stories], 2, args.concurrency))
            before = runpod.runs
            raw, api = measure(address, story_ids, raw_ids, args)
        runs = runpod.runs - before
        correct = report(raw, api, wrong_stories(db, story_ids), runs, args)
    # Speed depends on the machine; only a wrong answer or story fails the run.
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
