"""Start, reset and stop a local Firebase Auth emulator (npm's `firebase-tools`).

Used by the test suite, `make dev` and `make demo`:

    with AuthEmulator(project="demo-test") as auth:
        os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = auth.host_port
        user = auth.sign_up("ana@example.com", "secret-password")
        user.id_token    # what the app's Firebase JS SDK would send as `Authorization: Bearer`
        auth.reset()     # delete every account

The emulator is pure Node: `firebase emulators:start --only auth`, from `emulators/` (installed
by `make`). Each instance gets a folder of its own with a `firebase.json` that gives it free
ports, so that tests, `make demo` and `make dev` can run side by side.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from tools.firestore_emulator import (
    EmulatorError,
    EmulatorNotInstalledError,
    free_port,
    stop_process_group,
)

ROOT = Path(__file__).resolve().parent.parent
FIREBASE_CLI = ROOT / "emulators" / "node_modules" / ".bin" / "firebase"
START_TIMEOUT_S = 90.0
INSTALL_HINT = "The Auth emulator comes from npm's firebase-tools: run `make emulators` first."
API_KEY = "demo-api-key"
"""The emulator accepts any API key; the Firebase JS SDK only needs one to be set."""


@dataclass(frozen=True)
class User:
    uid: str
    email: str
    id_token: str
    refresh_token: str


class AuthEmulator:
    def __init__(self, project: str, cli: Path | None = None) -> None:
        self.project = project
        self.cli = cli or Path(os.environ.get("FIREBASE_CLI", FIREBASE_CLI))
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._log: IO[bytes] | None = None

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}"

    def start(self) -> None:
        if not self.cli.exists():
            raise EmulatorNotInstalledError(f"{self.cli} is missing. {INSTALL_HINT}")
        self._folder = tempfile.TemporaryDirectory(prefix="auth-emulator-")
        folder = Path(self._folder.name)
        self.port = free_port()
        # The hub and the logging port are the CLI's own; fixed defaults would collide.
        config = {
            "emulators": {
                "auth": {"host": "127.0.0.1", "port": self.port},
                "hub": {"host": "127.0.0.1", "port": free_port()},
                "logging": {"host": "127.0.0.1", "port": free_port()},
                "ui": {"enabled": False},
            }
        }
        (folder / "firebase.json").write_text(json.dumps(config), encoding="utf-8")
        self._log = (folder / "emulator.log").open("wb")
        self._process = subprocess.Popen(  # noqa: S603 - the CLI installed by make
            [str(self.cli), "emulators:start", "--only", "auth", "--project", self.project],
            cwd=folder,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the CLI starts children; stop them together
            env={**os.environ, "FIREBASE_CLI_DISABLE_UPDATE_CHECK": "true", "CI": "true"},
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise EmulatorError(f"the Auth emulator exited: {self._log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=2):  # noqa: S310
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(0.25)
        self.stop()
        raise EmulatorError(f"the Auth emulator did not answer in {START_TIMEOUT_S:.0f} s")

    def _log_tail(self) -> str:
        if self._folder is None:
            return ""
        log = Path(self._folder.name) / "emulator.log"
        return log.read_text(encoding="utf-8", errors="replace")[-2000:] if log.exists() else ""

    def stop(self) -> None:
        if self._process is not None:
            # Even when the CLI has exited: its children may not have.
            stop_process_group(self._process, grace_s=20)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Delete every account."""
        self._call("DELETE", f"/emulator/v1/projects/{self.project}/accounts")

    def sign_up(self, email: str, password: str) -> User:
        """A new account, signed in, as the Firebase JS SDK's `createUserWithEmailAndPassword`."""
        return self._user(self._identity("accounts:signUp", email, password))

    def sign_in(self, email: str, password: str) -> User:
        return self._user(self._identity("accounts:signInWithPassword", email, password))

    def _identity(self, method: str, email: str, password: str) -> dict[str, Any]:
        body = {"email": email, "password": password, "returnSecureToken": True}
        return self._call(
            "POST", f"/identitytoolkit.googleapis.com/v1/{method}?key={API_KEY}", body
        )

    @staticmethod
    def _user(answer: dict[str, Any]) -> User:
        return User(answer["localId"], answer["email"], answer["idToken"], answer["refreshToken"])

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - the local emulator
            f"{self.url}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer = response.read()
        except urllib.error.HTTPError as exc:
            raise EmulatorError(f"{method} {path}: {exc.code} {exc.read()[:300]!r}") from None
        return json.loads(answer) if answer else {}


def main() -> None:
    parser = argparse.ArgumentParser(description="Run a Firebase Auth emulator until Ctrl-C.")
    parser.add_argument("--project", default="demo-local")
    args = parser.parse_args()
    with AuthEmulator(args.project) as auth:
        print(f"export FIREBASE_AUTH_EMULATOR_HOST={auth.host_port}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            signal.pause()


if __name__ == "__main__":
    main()
