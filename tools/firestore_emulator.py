"""Start, reset and stop a local Cloud Firestore emulator.

Used by the test suite, the callback benchmark and `make demo`:

    with FirestoreEmulator(project="demo-test") as emulator:
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host_port
        ...
        emulator.reset()   # delete every document

Run `python -m tools.firestore_emulator` to keep one running in a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import IO, Self

DEFAULT_JAR = Path(
    "/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
)
MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
MIN_JAVA = 17
PORT_ATTEMPTS = 3
INSTALL_HINT = (
    "The Firestore emulator needs Java 17+ and the gcloud component 'cloud-firestore-emulator'. "
    "Install them with, for example, `apt-get install openjdk-17-jre-headless` and "
    "`gcloud components install cloud-firestore-emulator` (or, for an apt-installed SDK, "
    "`apt-get install google-cloud-cli-firestore-emulator`). Set FIRESTORE_EMULATOR_JAR to use "
    "a jar elsewhere and JAVA_HOME to pick a Java."
)


class EmulatorError(RuntimeError):
    """The emulator could not be started, reached or reset."""


class EmulatorNotInstalledError(EmulatorError):
    """Java or the emulator jar is missing."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    candidate = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if not candidate or not Path(candidate).exists():
        raise EmulatorNotInstalledError(f"Java was not found. {INSTALL_HINT}")
    version = _java_major_version(candidate)
    if version is not None and version < MIN_JAVA:
        raise EmulatorNotInstalledError(f"Java {version} is too old. {INSTALL_HINT}")
    return candidate


def _java_major_version(java: str) -> int | None:
    result = subprocess.run(  # noqa: S603 - runs the local Java found above
        [java, "-version"], capture_output=True, text=True, timeout=30, check=False
    )
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        return None
    major = int(match.group(1))
    # Java 8 and older report themselves as "1.8".
    return int(match.group(2) or 0) if major == 1 else major


def find_jar() -> Path:
    jar = Path(os.environ.get("FIRESTORE_EMULATOR_JAR", DEFAULT_JAR))
    if not jar.is_file():
        raise EmulatorNotInstalledError(f"The emulator jar {jar} was not found. {INSTALL_HINT}")
    return jar


def stop_process_group(process: subprocess.Popen[bytes], *, grace_s: float) -> None:
    """Stop a process started with `start_new_session=True` and everything it started: SIGTERM
    to its group, SIGKILL if it is still there after `grace_s` seconds."""
    _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=10)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    # The group outlives its leader while a child runs; a group already gone is stopped.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


class FirestoreEmulator:
    """One emulator process on a free port; a context manager that yields itself."""

    def __init__(
        self,
        *,
        project: str = "demo-test",
        host: str = "127.0.0.1",
        port: int | None = None,
        startup_timeout: float = 60.0,
        rules: Path | None = None,
    ) -> None:
        self.project = project
        # Rules limit only client SDK requests; without a file the emulator lets everything in.
        self.rules = rules
        self.host = host
        self.port = port
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def host_port(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator has not been started")
        return f"{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.host_port}"

    @property
    def pid(self) -> int | None:
        """The emulator's process id, which is also its process group id."""
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        rules = [f"--rules={self.rules}"] if self.rules is not None else []
        return [
            find_java(),
            "-Duser.language=en",
            "-cp",
            str(find_jar()),
            MAIN_CLASS,
            "start",
            f"--host={self.host}",
            f"--port={self.port}",
            *rules,
        ]

    def start(self) -> str:
        """Start the emulator and wait until it answers; returns `host:port`.

        A port picked here may be taken before Java binds it; then another one is tried.
        """
        if self.running:
            return self.host_port
        pick_port = self.port is None
        for attempt in range(1, PORT_ATTEMPTS + 1):
            if pick_port:
                self.port = free_port(self.host)
            try:
                self._launch()
            except BaseException as exc:
                retry = isinstance(exc, EmulatorError) and "Address already in use" in str(exc)
                self.stop()
                if not (pick_port and retry and attempt < PORT_ATTEMPTS):
                    raise
            else:
                break
        return self.host_port

    def _launch(self) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            self.command(), stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise EmulatorError(f"the emulator exited early:\n{self.log_tail()}")
            if self.answers():
                return
            time.sleep(0.1)
        raise EmulatorError(
            f"the emulator did not answer within {self.startup_timeout:.0f}s:\n{self.log_tail()}"
        )

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/", timeout=1) as response:  # noqa: S310
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def reset(self) -> None:
        """Delete every document of the project."""
        url = f"{self.base_url}/emulator/v1/projects/{self.project}/databases/(default)/documents"
        request = urllib.request.Request(url, method="DELETE")  # noqa: S310 - local http URL
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                if response.status != 200:
                    raise EmulatorError(f"reset answered {response.status}")
        except urllib.error.URLError as exc:
            raise EmulatorError(f"reset failed: {exc}") from exc

    def stop(self) -> None:
        """Stop the emulator and everything it started."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            stop_process_group(process, grace_s=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, size: int = 4000) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0, os.SEEK_END)
        self._log.seek(max(0, self._log.tell() - size))
        return self._log.read().decode(errors="replace")

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run a local Firestore emulator.")
    parser.add_argument("--project", default="demo-local")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--rules", type=Path, default=None, help="e.g. firestore.rules")
    args = parser.parse_args(argv)
    with FirestoreEmulator(
        project=args.project, host=args.host, port=args.port, rules=args.rules
    ) as emulator:
        print(f"export FIRESTORE_EMULATOR_HOST={emulator.host_port}", flush=True)
        print(f"export GOOGLE_CLOUD_PROJECT={emulator.project}", flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})


if __name__ == "__main__":
    main()
