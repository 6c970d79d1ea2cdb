"""`make demo`: the whole loop on this machine, on the embedded defaults, through the front door.

`make dev`'s stack (Firestore and Auth emulators, the API, RunPod's API in front of the worker on
Piper with local storage, the app) → a demo user signed up on the Auth emulator → the sample
story written as the app writes it → `POST /api/tts/stories/{id}/narration` with the user's ID
token → the story document's transitions printed as the app's frontend would see them, with the
live stream's URL → where the audio is. The app is served too: open its URL and sign in as the
demo user to listen while the story renders (`--keep-serving`, or `DEMO_KEEP_SERVING=true`,
keeps everything up after the job, until Ctrl-C). A second run reuses the first run's chunks
(the worker's checkpoints, in `out/storage/chunks/`) and is over in seconds; `--fresh`, or
`DEMO_FRESH=true`, forgets them first.
"""

from __future__ import annotations

import argparse
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
from google.cloud.firestore_v1.watch import Watch

from tools.auth_emulator import User
from tools.dev import DevStack, dev_stack
from tools.stack import REPO_ROOT
from worker.bucket import CHECKPOINT_PREFIX

PROJECT = "demo-story-tts"
STORY_ID = "demo_story"
USER_ID = "demo_user"
"""The demo user's uid, the same every run: the worker keeps a story's chunks under its user's id,
so a second run finds the first run's."""
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the local Auth emulator's demo account, nothing real
OUT = REPO_ROOT / "out"


def watch_story(doc: firestore.DocumentReference) -> tuple[threading.Event, Watch]:
    """Print every change of the story's audio fields, like the frontend's listener; returns
    the event set once the story is ready or failed, and the watch (to unsubscribe)."""
    done = threading.Event()
    last: tuple[Any, ...] = ()
    streams: set[str] = set()

    def on_change(
        snapshots: list[firestore.DocumentSnapshot[firestore.DocumentReference]], *_: object
    ) -> None:
        nonlocal last
        for snapshot in snapshots:
            data = snapshot.to_dict() or {}
            state = (data.get("audioStatus"), data.get("audioProgress"), data.get("audioUrl"))
            stream = data.get("audioStreamUrl")
            if stream and stream not in streams:
                streams.add(stream)
                print(f"  story {STORY_ID}: audioStreamUrl={stream}", flush=True)
            if state == last or state[0] is None:  # None: written by the app, not narrated yet
                continue
            last = state
            progress = data.get("audioProgress")
            shown = f" {progress:.0%}" if isinstance(progress, float) else ""
            print(f"  story {STORY_ID}: audioStatus={data.get('audioStatus')}{shown}", flush=True)
            if data.get("audioStatus") in ("ready", "failed"):
                done.set()

    return done, doc.on_snapshot(on_change)


def demo_user(stack: DevStack) -> User:
    """The demo account, made on the Auth emulator with a fixed uid (its admin API, which the
    emulator lets anyone call as `owner`), then signed in as the app's sign-in form does."""
    answer = requests.post(
        f"http://{stack.auth_host}/identitytoolkit.googleapis.com/v1/projects/{stack.project}/accounts",
        json={"localId": USER_ID, "email": DEMO_EMAIL, "password": DEMO_PASSWORD},
        headers={"Authorization": "Bearer owner"},
        timeout=10,
    )
    answer.raise_for_status()
    return stack.auth.sign_in(DEMO_EMAIL, DEMO_PASSWORD)


def narrate(stack: DevStack, id_token: str) -> str:
    """What the app does on "Narrate": the narration endpoint, with the user's Firebase ID
    token; returns the RunPod job's id."""
    answer = requests.post(
        f"{stack.api_url}/api/tts/stories/{STORY_ID}/narration",
        json={},
        headers={"Authorization": f"Bearer {id_token}"},
        timeout=180,
    )
    if answer.status_code != 202:
        raise SystemExit(f"the narration endpoint answered {answer.status_code}: {answer.text}")
    accepted = answer.json()
    print(f"  narration accepted: submission {accepted['submission']}", flush=True)
    return str(accepted["job_id"])


def job_result(stack: DevStack, job_id: str, timeout_s: float = 900) -> dict[str, Any]:
    """RunPod's report of the job once it has ended (its status API)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = stack.runpod.status(job_id) or {}
        if status.get("status") in ("COMPLETED", "FAILED", "TIMED_OUT", "CANCELLED"):
            return status
        time.sleep(0.5)
    raise SystemExit(f"the job did not end within {timeout_s:.0f} s")


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
        "servers stopped, so the app and stream links above no longer answer; "
        "`DEMO_KEEP_SERVING=true make demo` (or `python -m tools.demo --keep-serving`) keeps "
        "them up after the job, until Ctrl-C"
    )


def forget_checkpoints(storage: Path) -> None:
    """`--fresh`: the next job finds no chunk to reuse and narrates (and streams) it all."""
    shutil.rmtree(storage / CHECKPOINT_PREFIX, ignore_errors=True)


def keep_serving(app: str) -> None:
    print(f"still serving the app ({app}) and the audio; Ctrl-C stops", flush=True)
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
    storage = out / "storage"
    if args.fresh:
        forget_checkpoints(storage)
    text = args.text_file.read_text(encoding="utf-8")
    with dev_stack(out, PROJECT) as stack:
        user = demo_user(stack)
        print(f"demo user {DEMO_EMAIL} signed up on the Auth emulator", flush=True)
        db = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
        doc = db.collection("stories").document(STORY_ID)
        # What the app writes (firestore.rules allow its own fields, never an audio* one).
        doc.set({"userId": user.uid, "title": text.splitlines()[0], "text": text})
        finished, watch = watch_story(doc)
        print(
            f"listen while it renders: {stack.frontend_url}/ "
            f"(sign in as {DEMO_EMAIL}, password {DEMO_PASSWORD})"
        )
        print(f"narrating {len(text):,} characters with Piper …", flush=True)
        started = time.monotonic()
        status = job_result(stack, narrate(stack, user.id_token))
        finished.wait(timeout=30)
        watch.unsubscribe()  # before the emulator stops under it
        elapsed = time.monotonic() - started
        story = doc.get().to_dict() or {}
        result = report(status, story, storage, elapsed)
        if args.keep_serving:
            keep_serving(stack.frontend_url)
    print(closing_line(args.keep_serving), flush=True)
    return result


if __name__ == "__main__":
    sys.exit(main())
