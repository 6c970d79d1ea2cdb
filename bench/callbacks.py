"""Benchmark of the callback API against the Firestore emulator.

    python -m bench.callbacks [--stories 240] [--concurrency 16]

Starts an emulator and the API (uvicorn, in a subprocess), then:

1. raw: the emulator's own transactional-update rate, from the same client library the API uses
   (`google-cloud-firestore`'s AsyncClient through firebase-admin), `concurrency` at a time;
2. api: signed callbacks from `concurrency` concurrent senders over the same number of stories,
   each story following a script (progress, success, failure, a retried job with stale and
   duplicate callbacks, conflicting terminals), one callback at a time per story, as a worker
   sends them;
3. correctness: every answer's outcome and every story's final document against the script.

Both phases run after a warm-up, since the emulator's JIT makes the first seconds slower.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from callback_api.services.rules import READ_FIELDS
from shared.callbacks import (
    TTSCallbackRequest,
    TTSErrorCallbackRequest,
    TTSProgressCallbackRequest,
    TTSSuccessCallbackRequest,
)
from shared.signing import generate_secret, sign
from tools.firestore_emulator import FirestoreEmulator, free_port

PROJECT = "demo-bench"
COLLECTION = "stories"
PATHS = {
    TTSSuccessCallbackRequest: "/api/tts/callback",
    TTSErrorCallbackRequest: "/api/tts/error-callback",
    TTSProgressCallbackRequest: "/api/tts/progress",
}
STORY_TEXT = "Once upon a time, a fox sang to the moon. " * 100  # about 4 KB, like a short story
TARGET_RATIO = 0.8
TARGET_P99_MS = 100.0


@dataclass
class Step:
    callback: TTSCallbackRequest
    expected: str  # applied | stale | duplicate | conflict


@dataclass
class Script:
    story_id: str
    steps: list[Step]
    final: dict[str, Any]


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    wrong_answers: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def add(self, work: Coroutine[Any, Any, Run]) -> None:
        other = asyncio.run(work)
        self.latencies += other.latencies
        self.wrong_answers += other.wrong_answers
        self.elapsed += other.elapsed

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] * 1000


def _progress(story: str, job: str, at: datetime, done: int, total: int = 4) -> Step:
    callback = TTSProgressCallbackRequest(
        story_id=story, job_id=job, job_started_at=at, chunks_done=done, chunks_total=total
    )
    return Step(callback, "applied")


def _success(story: str, job: str, at: datetime, expected: str = "applied") -> Step:
    callback = TTSSuccessCallbackRequest(
        story_id=story,
        job_id=job,
        job_started_at=at,
        audio_url=f"https://audio.example/{story}/{job}.mp3",
        duration_seconds=61.5,
        format="mp3",
        sample_rate=24000,
        chunk_count=4,
        engine="piper",
    )
    return Step(callback, expected)


def _error(story: str, job: str, at: datetime, expected: str = "applied") -> Step:
    callback = TTSErrorCallbackRequest(
        story_id=story,
        job_id=job,
        job_started_at=at,
        error="The narration could not be generated. Please try again.",
        metadata={"error_type": "generation_failed"},
    )
    return Step(callback, expected)


def make_script(index: int, prefix: str, now: datetime) -> Script:
    """One of four story histories, with its expected answers and final document."""
    story = f"{prefix}{index:05d}"
    first, second = now - timedelta(minutes=2), now - timedelta(minutes=1)
    kind = index % 4
    if kind == 0:  # a plain success
        steps = [
            *(_progress(story, "a", first, n) for n in range(1, 4)),
            _success(story, "a", first),
        ]
        return Script(story, steps, {"audioStatus": "ready", "audioJobId": "a"})
    if kind == 1:  # a failure, then a repeat of it
        steps = [_progress(story, "a", first, 1), _error(story, "a", first)]
        steps.append(Step(steps[-1].callback, "duplicate"))
        steps.append(Step(_progress(story, "a", first, 2).callback, "stale"))
        return Script(story, steps, {"audioStatus": "failed", "audioJobId": "a"})
    if kind == 2:  # failed, "Try again", late callbacks of the first job
        steps = [
            _progress(story, "a", first, 1),
            _error(story, "a", first),
            _progress(story, "b", second, 1),
            Step(_progress(story, "a", first, 3).callback, "stale"),
            _success(story, "b", second),
            _success(story, "a", first, expected="stale"),
        ]
        return Script(story, steps, {"audioStatus": "ready", "audioJobId": "b"})
    steps = [  # a success, its duplicate, and a conflicting late error of the same job
        _progress(story, "a", first, 2),
        _success(story, "a", first),
        _success(story, "a", first, expected="duplicate"),
        _error(story, "a", first, expected="conflict"),
    ]
    return Script(story, steps, {"audioStatus": "ready", "audioJobId": "a"})


def make_scripts(count: int, prefix: str) -> list[Script]:
    now = datetime.now(UTC)
    return [make_script(index, prefix, now) for index in range(count)]


def by_sender(items: list[Any], senders: int) -> list[list[Any]]:
    return [items[sender::senders] for sender in range(senders)]


def interleaved(scripts: list[Script]) -> Iterator[Step]:
    """The steps of several stories, round-robin, so each story's steps stay in order."""
    longest = max((len(script.steps) for script in scripts), default=0)
    for position in range(longest):
        for script in scripts:
            if position < len(script.steps):
                yield script.steps[position]


def seed(db: firestore.Client, story_ids: list[str]) -> None:
    for start in range(0, len(story_ids), 400):
        batch = db.batch()
        for story_id in story_ids[start : start + 400]:
            ref = db.collection(COLLECTION).document(story_id)
            batch.set(ref, {"title": "A story", "text": STORY_TEXT, "audioStatus": "pending"})
        batch.commit()


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must not eat the CPU that the
    API and the emulator share on a small machine (httpx costs several times more per call)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader, self._writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        lines = [f"POST {path} HTTP/1.1", "host: bench", f"content-length: {len(body)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        fields = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
        return int(head[0].split()[1]), await self._reader.readexactly(
            int(fields["content-length"])
        )

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def send_all(
    address: tuple[str, int], secret: str, scripts: list[Script], senders: int
) -> Run:
    run = Run()

    async def sender(own: list[Script]) -> None:
        connection = await Connection.open(*address)
        try:
            for step in interleaved(own):
                body = step.callback.to_body()
                headers = {**sign(secret, body), "content-type": "application/json"}
                started = time.perf_counter()
                status, answer_body = await connection.post(
                    PATHS[type(step.callback)], body, headers
                )
                run.latencies.append(time.perf_counter() - started)
                answer = json.loads(answer_body)
                got = "applied" if answer.get("applied") else answer.get("reason")
                if status != 200 or got != step.expected:
                    run.wrong_answers.append(f"{step.callback.story_id}: {got} != {step.expected}")
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender(own) for own in by_sender(scripts, senders)))
    run.elapsed = time.perf_counter() - started
    return run


async def raw_updates(story_ids: list[str], updates_per_story: int, concurrency: int) -> Run:
    """Transactional read-then-update of each story, `concurrency` stories at a time: the same
    read as the API (its fields only) and a write of four fields, through the same library."""
    client = firestore.AsyncClient(project=PROJECT, credentials=AnonymousCredentials())
    collection = client.collection(COLLECTION)

    @firestore.async_transactional
    async def update(transaction: Any, ref: Any, n: int) -> None:
        snapshot = await ref.get(READ_FIELDS, transaction=transaction)
        transaction.update(
            ref,
            {
                "audioStatus": "processing",
                "audioProgress": n / updates_per_story,
                "audioJobId": f"raw-{n}" if snapshot.exists else None,
                "updatedAt": firestore.SERVER_TIMESTAMP,
            },
        )

    run = Run()

    async def worker(own: list[str]) -> None:
        for n in range(updates_per_story):
            for story_id in own:
                started = time.perf_counter()
                await update(client.transaction(), collection.document(story_id), n)
                run.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker(own) for own in by_sender(story_ids, concurrency)))
    run.elapsed = time.perf_counter() - started
    return run


def wrong_final_states(db: firestore.Client, scripts: list[Script]) -> list[str]:
    wrong = []
    refs = [db.collection(COLLECTION).document(script.story_id) for script in scripts]
    stored = {snapshot.id: snapshot.to_dict() or {} for snapshot in db.get_all(refs)}
    for script in scripts:
        document = stored.get(script.story_id, {})
        expected = dict(script.final)
        if expected["audioStatus"] == "ready":
            expected["audioUrl"] = (
                f"https://audio.example/{script.story_id}/{expected['audioJobId']}.mp3"
            )
        mismatched = {k: document.get(k) for k, v in expected.items() if document.get(k) != v}
        if mismatched or (expected["audioStatus"] == "ready" and "audioError" in document):
            wrong.append(f"{script.story_id}: {mismatched}")
    return wrong


@contextmanager
def api_server(
    emulator: FirestoreEmulator, secret: str, log_level: str
) -> Iterator[tuple[str, int]]:
    """The API under uvicorn, configured as in production; its JSON logs go to /dev/null."""
    port = free_port()
    env = {
        **os.environ,
        "FIRESTORE_EMULATOR_HOST": emulator.host_port,
        "GOOGLE_CLOUD_PROJECT": PROJECT,
        "CALLBACK_SIGNING_SECRET": secret,
        "RUNPOD_API_KEY": "rp_bench_key",  # required in production; callbacks never ask RunPod
        "RUNPOD_ENDPOINT_ID": "bench",
        "LOG_LEVEL": log_level,
    }
    command = [sys.executable, "-m", "uvicorn", "callback_api.main:app", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-access-log"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        _wait_for_health(f"http://127.0.0.1:{port}", process)
        yield "127.0.0.1", port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_health(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the API exited during start-up")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API did not answer /health within 60s")


def report(raw: Run, api: Run, wrong_states: list[str], senders: int) -> bool:
    """Print the figures; true when every answer and every final state was right."""
    ratio = api.rate / raw.rate
    p50, p99 = api.percentile(0.5), api.percentile(0.99)
    correct = not wrong_states and not api.wrong_answers
    fast = ratio >= TARGET_RATIO and p99 <= TARGET_P99_MS
    lines = [
        f"concurrent senders        : {senders:8d}",
        f"raw emulator transactions : {raw.rate:8.1f} /s  ({len(raw.latencies)} transactions, "
        f"p50 {raw.percentile(0.5):.1f} ms, p99 {raw.percentile(0.99):.1f} ms)",
        f"callbacks through the API : {api.rate:8.1f} /s  ({len(api.latencies)} callbacks)",
        f"ratio API / raw           : {ratio:8.2f}     (target >= {TARGET_RATIO})",
        f"latency p50               : {p50:8.1f} ms",
        f"latency p99               : {p99:8.1f} ms  (target <= {TARGET_P99_MS:.0f})",
        f"wrong answers             : {len(api.wrong_answers):8d}",
        f"wrong final states        : {len(wrong_states):8d}",
        f"correctness               : {'ok' if correct else 'FAILED'}",
        f"speed targets             : {'met' if fast else 'NOT met'}",
    ]
    print("\n".join(lines))
    for problem in (api.wrong_answers + wrong_states)[:10]:
        print("  ", problem)
    return correct


def chunks(items: list[Any], count: int) -> list[list[Any]]:
    return [items[index::count] for index in range(count)]


def measure(
    address: tuple[str, int], secret: str, scripts: list[Script], raw_ids: list[str], args: Any
) -> tuple[Run, Run]:
    """Alternate raw and API rounds, so that drift in the machine's load hits both alike."""
    raw, api = Run(), Run()
    per_story = max(1, round(sum(len(script.steps) for script in scripts) / len(scripts)))
    rounds = zip(chunks(scripts, args.rounds), chunks(raw_ids, args.rounds), strict=True)
    for number, (round_scripts, round_ids) in enumerate(rounds):
        phases = [
            lambda ids=round_ids: raw.add(raw_updates(ids, per_story, args.concurrency)),
            lambda own=round_scripts: api.add(send_all(address, secret, own, args.concurrency)),
        ]
        for phase in phases if number % 2 == 0 else reversed(phases):
            phase()
    return raw, api


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=480)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--warmup-stories", type=int, default=128)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)

    secret = generate_secret()
    with FirestoreEmulator(project=PROJECT) as emulator:
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host_port
        db = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
        warmup, scripts = make_scripts(args.warmup_stories, "w"), make_scripts(args.stories, "s")
        raw_ids = [f"r{index:05d}" for index in range(args.stories)]
        seed(db, [script.story_id for script in warmup + scripts] + raw_ids)
        with api_server(emulator, secret, args.log_level) as address:
            asyncio.run(send_all(address, secret, warmup, args.concurrency))
            asyncio.run(raw_updates(raw_ids[: args.warmup_stories], 2, args.concurrency))
            raw, api = measure(address, secret, scripts, raw_ids, args)
        correct = report(raw, api, wrong_final_states(db, scripts), args.concurrency)
    # Speed depends on the machine; only a wrong answer or final state fails the run.
    return 0 if correct else 1


if __name__ == "__main__":
    sys.exit(main())
