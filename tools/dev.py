"""`make dev`: the whole local stack, on 127.0.0.1, until Ctrl-C.

    Firestore emulator (with firestore.rules)   Auth emulator (firebase-tools)
    the API (uvicorn, its reconciler)  ←  RunPod's API (tools/local_runpod.py)  →  the worker
    (Piper, under runpod-python's local API)    the local bucket    the frontend (player/)

Once everything answers, it prints what to open and writes `out/dev.env` (`API_URL`,
`FRONTEND_URL`, `FIRESTORE_EMULATOR_HOST`, `FIREBASE_AUTH_EMULATOR_HOST`, `GOOGLE_CLOUD_PROJECT`,
`RUNPOD_LOCAL_URL`, `BUCKET_URL`, `STORAGE_DIR`); Ctrl-C stops it all and removes the file.
The signing secret and the local RunPod key are generated per run (`CALLBACK_SIGNING_SECRET`
from the environment is used instead when set, e.g. by a test that plays the worker's signed
callbacks).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shared.signing import generate_secret
from tools.auth_emulator import API_KEY, AuthEmulator
from tools.firestore_emulator import FirestoreEmulator, free_port
from tools.local_runpod import LocalRunPod
from tools.stack import REPO_ROOT, callback_api, frontend, runpod_worker, storage_files

PROJECT = "demo-local"
OUT = REPO_ROOT / "out"
RULES = REPO_ROOT / "firestore.rules"
FRONTEND = REPO_ROOT / "player"


@dataclass(frozen=True)
class DevStack:
    api_url: str
    frontend_url: str
    firestore_host: str
    auth_host: str
    project: str
    runpod_url: str
    bucket_url: str
    storage: Path
    runpod: LocalRunPod
    auth: AuthEmulator

    def env(self) -> dict[str, str]:
        """What `out/dev.env` holds."""
        return {
            "API_URL": self.api_url,
            "FRONTEND_URL": self.frontend_url,
            "FIRESTORE_EMULATOR_HOST": self.firestore_host,
            "FIREBASE_AUTH_EMULATOR_HOST": self.auth_host,
            "GOOGLE_CLOUD_PROJECT": self.project,
            "RUNPOD_LOCAL_URL": self.runpod_url,
            "BUCKET_URL": self.bucket_url,
            "STORAGE_DIR": str(self.storage),
        }


def frontend_config(project: str, firestore: str, auth: str) -> dict[str, object]:
    """The page's runtime configuration (`/config.json`): which Firebase project, which
    emulators, and where the API is (its own origin: the frontend server passes `/api` on)."""
    return {
        "firebase": {"projectId": project, "apiKey": API_KEY, "authDomain": "127.0.0.1"},
        "apiUrl": "",
        "emulators": {"firestore": firestore, "auth": f"http://{auth}"},
    }


@contextmanager
def dev_stack(
    out: Path, project: str = PROJECT, frontend_port: int | None = None, quiet: bool = False
) -> Iterator[DevStack]:
    """Start everything (the slow parts report as they go unless `quiet`); yields the stack."""

    def say(line: str) -> None:
        if not quiet:
            print(line, flush=True)

    out.mkdir(parents=True, exist_ok=True)
    storage = out / "storage"
    secret = os.environ.get("CALLBACK_SIGNING_SECRET") or generate_secret()
    say("starting the Firestore and Auth emulators …")
    with (
        FirestoreEmulator(project=project, rules=RULES) as firestore,
        AuthEmulator(project) as auth,
        storage_files(storage) as bucket,
    ):
        worker_env = {
            "TTS_ENGINE": "piper",
            "WORKER_DEV_MODE": "true",  # local storage and loopback callbacks
            "STORAGE_BACKEND": "local",
            "LOCAL_STORAGE_DIR": str(storage),
            "LOCAL_STORAGE_PUBLIC_URL": bucket,
            "CALLBACK_SIGNING_SECRET": secret,
            "CALLBACK_ALLOW_LOOPBACK_HTTP": "true",
            "PROGRESS_MIN_INTERVAL_S": "0.5",
            "LOG_LEVEL": "WARNING",
        }
        say("starting the worker (Piper, RunPod's local API) …")
        with (
            runpod_worker(worker_env, out / "worker.log") as worker,
            LocalRunPod(worker, secrets.token_urlsafe(24)).serving() as runpod,
        ):
            api_port = free_port()
            api_env = {
                "FIRESTORE_EMULATOR_HOST": firestore.host_port,
                "FIREBASE_AUTH_EMULATOR_HOST": auth.host_port,
                "GOOGLE_CLOUD_PROJECT": project,
                "CALLBACK_SIGNING_SECRET": secret,
                "CALLBACK_API_PUBLIC_URL": f"http://127.0.0.1:{api_port}",
                "RECONCILE_INTERVAL_S": "30",
                "LOG_LEVEL": "WARNING",
                **runpod.environment(),
            }
            with callback_api(api_env, api_port) as api:
                config = frontend_config(project, firestore.host_port, auth.host_port)
                with frontend(FRONTEND, api, config, frontend_port) as site:
                    yield DevStack(
                        api_url=api,
                        frontend_url=site,
                        firestore_host=firestore.host_port,
                        auth_host=auth.host_port,
                        project=project,
                        runpod_url=runpod.base_url,
                        bucket_url=bucket,
                        storage=storage,
                        runpod=runpod,
                        auth=auth,
                    )


def write_env(path: Path, env: dict[str, str]) -> None:
    """Written whole, then renamed: a reader never sees half of it."""
    partial = path.with_suffix(".partial")
    partial.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    partial.replace(path)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the context managers, which stop every server


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tools.dev", description="The whole local stack until Ctrl-C (`make dev`)."
    )
    parser.add_argument("--out", type=Path, default=OUT, help="storage, logs and dev.env")
    parser.add_argument("--project", default=PROJECT)
    parser.add_argument("--port", type=int, default=None, help="the frontend's port")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    # Ctrl-C stops it even where it was started with SIGINT ignored (a background job).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    env_file: Path = args.out / "dev.env"
    env_file.unlink(missing_ok=True)  # whoever waits for it must not read the last run's
    try:
        with dev_stack(args.out, args.project, args.port) as stack:
            write_env(env_file, stack.env())
            print(f"open {stack.frontend_url}/ (sign up with any e-mail and password)")
            print(f"API {stack.api_url} · environment in {env_file} · Ctrl-C stops", flush=True)
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()
    finally:
        env_file.unlink(missing_ok=True)
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
