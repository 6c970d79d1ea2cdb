"""`make demo`: the whole loop on this machine, on the embedded defaults.

Firestore emulator → callback API → RunPod's local API serving the worker (Piper, local
storage) → the sample story narrated → the story document's transitions printed as the app's
frontend would see them, with the live stream's URL → where the audio is. The reference player
is served too: open its URL to listen while the story renders (`--keep-serving`, or
`DEMO_KEEP_SERVING=true`, keeps everything up after the job, until Ctrl-C). A second run reuses
the first run's chunks (the worker's checkpoints, in `out/storage/chunks/`) and is over in
seconds; `--fresh`, or `DEMO_FRESH=true`, forgets them first.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from callback_api.core.config import Settings
from callback_api.services.stories import opened_store
from callback_api.services.submission import submit_story_job
from shared.signing import generate_secret
from tools.firestore_emulator import FirestoreEmulator
from tools.stack import REPO_ROOT, callback_api, runpod_worker, static_files, storage_files
from worker.checkpoints.keys import CHECKPOINT_PREFIX

PROJECT = "demo-story-tts"
STORY_ID = "demo_story"
USER_ID = "demo_user"
OUT = REPO_ROOT / "out"


def watch_story(doc: firestore.DocumentReference) -> tuple[threading.Event, Any]:
    """Print every change of the story's audio fields, like the frontend's listener; returns
    the event set once the story is ready or failed, and the watch (to unsubscribe)."""
    done = threading.Event()
    last: tuple[Any, ...] = ()
    streams: set[str] = set()

    def on_change(snapshots: list[firestore.DocumentSnapshot], *_: object) -> None:
        nonlocal last
        for snapshot in snapshots:
            data = snapshot.to_dict() or {}
            state = (data.get("audioStatus"), data.get("audioProgress"), data.get("audioUrl"))
            stream = data.get("audioStreamUrl")
            if stream and stream not in streams:
                streams.add(stream)
                print(f"  story {STORY_ID}: audioStreamUrl={stream}", flush=True)
            if state == last:
                continue
            last = state
            progress = data.get("audioProgress")
            shown = f" {progress:.0%}" if isinstance(progress, float) else ""
            print(f"  story {STORY_ID}: audioStatus={data.get('audioStatus')}{shown}", flush=True)
            if data.get("audioStatus") in ("ready", "failed"):
                done.set()

    return done, doc.on_snapshot(on_change)


async def submit(runpod_url: str, api: str, secret: str, job_input: dict[str, Any]) -> str:
    """Submit as the app does: the submission helper hands the story to a new submission in
    Firestore, then sends the job with its deadline, execution timeout and webhook."""
    async with opened_store(Settings()) as stories:  # the callback API's environment
        submitted = await submit_story_job(
            job_input,
            stories=stories,
            endpoint_url=runpod_url,
            api_key=None,
            webhook_base_url=api,
            secret=secret,
        )
    return submitted.job_id


def run_job(runpod_url: str, api: str, secret: str, job_input: dict[str, Any]) -> dict[str, Any]:
    """Submit the job, then poll `/status` (RunPod's local API runs the job then)."""
    job_id = asyncio.run(submit(runpod_url, api, secret, job_input))
    while True:
        status = requests.post(f"{runpod_url}/status/{job_id}", timeout=900).json()
        if status.get("status") in ("COMPLETED", "FAILED"):
            return status
        time.sleep(1)


def report(status: dict[str, Any], story: dict[str, Any], storage: Path, elapsed: float) -> int:
    """What the job made: the local file (it outlives the servers; the URLs do not)."""
    print(f"RunPod job {status['status']} in {elapsed:.0f} s")
    if status["status"] != "COMPLETED":
        print(json.dumps(status, indent=2))
        return 1
    output = status["output"]
    local = storage / output["storage_key"]
    print(
        f"story audioStatus={story.get('audioStatus')} audioDuration={story.get('audioDuration')}"
    )
    print(f"audio: {local} ({output['duration_seconds'] / 60:.1f} min, {output['format']})")
    if output.get("stream_url"):
        first = output.get("timings", {}).get("first_segment_s")
        print(
            f"stream: {output['stream_segments']} segments, the first playable {first} s"
            " into the job"
        )
    note = reuse_note(output, storage)
    if note:
        print(note)
    return 0


def reuse_note(output: dict[str, Any], storage: Path) -> str | None:
    """Said when nothing was narrated: every chunk came from an earlier run's checkpoints."""
    if output.get("chunks_generated") != 0 or not output.get("chunks_reused"):
        return None
    return (
        f"note: all {output['chunks_reused']} chunks were reused from an earlier run's "
        f"checkpoints ({storage / CHECKPOINT_PREFIX}), so nothing was narrated and the stream "
        "was over at once; `DEMO_FRESH=true make demo` (or `python -m tools.demo --fresh`) "
        "narrates the story again from nothing"
    )


def closing_line(kept_serving: bool) -> str:
    """The last line, printed once every server has stopped."""
    if kept_serving:
        return "servers stopped"
    return (
        "servers stopped, so the player and stream links above no longer answer; "
        "`DEMO_KEEP_SERVING=true make demo` (or `python -m tools.demo --keep-serving`) keeps "
        "them up after the job, until Ctrl-C"
    )


def forget_checkpoints(storage: Path) -> None:
    """`--fresh`: the next job finds no chunk to reuse and narrates (and streams) it all."""
    shutil.rmtree(storage / CHECKPOINT_PREFIX, ignore_errors=True)


def player_url(site: str, emulator: str) -> str:
    return f"{site}/player.html?story={STORY_ID}&project={PROJECT}&emulator={emulator}"


def keep_serving(player: str) -> None:
    print(f"still serving the player ({player}) and the audio; Ctrl-C stops", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        threading.Event().wait()


def _flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "true", "yes")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo", description="The whole loop on this machine (`make demo`)."
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        default=_flag("DEMO_FRESH"),
        help="forget the chunks earlier runs narrated (DEMO_FRESH=true)",
    )
    parser.add_argument(
        "--keep-serving",
        action="store_true",
        default=_flag("DEMO_KEEP_SERVING"),
        help="keep the servers up after the job, until Ctrl-C (DEMO_KEEP_SERVING=true)",
    )
    parser.add_argument("--text-file", type=Path, default=REPO_ROOT / "samples" / "story.txt")
    parser.add_argument("--out", type=Path, default=OUT, help="where storage and logs go")
    return parser.parse_args(argv)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the context managers, which stop every server


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    storage = out / "storage"
    if args.fresh:
        forget_checkpoints(storage)
    secret = generate_secret()
    text = args.text_file.read_text(encoding="utf-8")
    print("starting the Firestore emulator …", flush=True)
    with (
        FirestoreEmulator(project=PROJECT) as emulator,
        storage_files(storage) as files,
        static_files(REPO_ROOT / "player") as site,
    ):
        api_env = {
            "FIRESTORE_EMULATOR_HOST": emulator.host_port,
            "GOOGLE_CLOUD_PROJECT": PROJECT,
            "CALLBACK_SIGNING_SECRET": secret,
            "CALLBACK_API_DEV_MODE": "true",  # no RunPod status API: RunPod's local API only
            "LOG_LEVEL": "WARNING",
        }
        worker_env = {
            "TTS_ENGINE": "piper",
            "WORKER_DEV_MODE": "true",  # local storage and loopback callbacks
            "STORAGE_BACKEND": "local",
            "LOCAL_STORAGE_DIR": str(storage),
            "LOCAL_STORAGE_PUBLIC_URL": files,
            "CALLBACK_SIGNING_SECRET": secret,
            "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
            "LOG_LEVEL": "WARNING",
        }
        with callback_api(api_env) as api:
            print(f"callback API on {api}; starting the worker (RunPod local API) …", flush=True)
            with runpod_worker(worker_env, out / "worker.log") as runpod_url:
                db = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
                doc = db.collection("stories").document(STORY_ID)
                doc.set({"title": text.splitlines()[0], "audioStatus": "pending"})
                finished, watch = watch_story(doc)
                player = player_url(site, emulator.host_port)
                print(f"listen while it renders: {player}")
                print(f"narrating {len(text):,} characters with Piper …", flush=True)
                started = time.monotonic()
                status = run_job(
                    runpod_url,
                    api,
                    secret,
                    {
                        "text": text,
                        "story_id": STORY_ID,
                        "user_id": USER_ID,
                        "story_type": "user",
                        "callback_url": f"{api}/api/tts/callback",
                    },
                )
                finished.wait(timeout=30)
                watch.unsubscribe()  # before the emulator stops under it
                elapsed = time.monotonic() - started
                story = doc.get().to_dict() or {}
                result = report(status, story, storage, elapsed)
                if args.keep_serving:
                    keep_serving(player)
    print(closing_line(args.keep_serving), flush=True)
    return result


if __name__ == "__main__":
    sys.exit(main())
