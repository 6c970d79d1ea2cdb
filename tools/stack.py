"""The local stack for `make demo` and the end-to-end tests, all on 127.0.0.1:
the callback API (uvicorn, in a thread), RunPod's local API serving our worker (a subprocess),
a file server standing in for a public bucket URL (with the headers and CORS rule the bucket
has), a static server for the reference player, and the frontend's server (`frontend`: the
app, its runtime config.json, and `/api` passed on to the API)."""

from __future__ import annotations

import functools
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO

import uvicorn

from tools.firestore_emulator import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent


def wait_for_http(
    url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")


@contextmanager
def callback_api(env: Mapping[str, str], port: int | None = None) -> Iterator[str]:
    """Serve the callback API configured by `env` (applied to this process); yields its URL."""
    from callback_api.core.config import Settings
    from callback_api.main import create_app

    port = port or free_port()
    previous = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        app = create_app(Settings())
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        thread = threading.Thread(target=server.run, name="callback-api", daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/health", 30)
        try:
            yield base
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def runpod_worker(env: Mapping[str, str], log: Path) -> Iterator[str]:
    """Run `python -m worker.handler --rp_serve_api`; yields the local RunPod API's URL."""
    with runpod_worker_process(env, log) as (url, _):
        yield url


@contextmanager
def runpod_worker_process(
    env: Mapping[str, str], log: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """As `runpod_worker`, with the process too (its own session: kill the group to kill it)."""
    port = free_port()
    command = [
        sys.executable, "-m", "worker.handler", "--rp_serve_api",
        "--rp_api_host", "127.0.0.1", "--rp_api_port", str(port),
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for_http(f"http://127.0.0.1:{port}/docs", 120, process)
            yield f"http://127.0.0.1:{port}", process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A player drops requests it no longer needs (hls.js aborts a playlist reload, a seek
        # cancels a range): the client going away is no fault worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@contextmanager
def serving(
    handler: Callable[..., BaseHTTPRequestHandler], port: int | None = None
) -> Iterator[str]:
    """Serve `handler` on 127.0.0.1 (a free port unless given) in a thread; yields the base URL."""
    server = _Server(("127.0.0.1", port or 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()  # a client still queued gets refused now, not at its read timeout
        thread.join()


def answer_json(handler: BaseHTTPRequestHandler, status: int, body: Mapping[str, Any]) -> None:
    """Answer `handler`'s request with `body` as JSON."""
    payload = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


@contextmanager
def static_files(root: Path, port: int | None = None) -> Iterator[str]:
    """Serve `root` over HTTP on 127.0.0.1; yields the base URL."""
    root.mkdir(parents=True, exist_ok=True)

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    with serving(functools.partial(Quiet, directory=str(root)), port) as base:
        yield base


_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class BucketHandler(SimpleHTTPRequestHandler):
    """Serves a local storage directory as R2 serves a public bucket: each object with the
    content type and cache control it was stored with (its `.meta.json` sidecar), an ETag
    to revalidate by, byte ranges (a player seeks in the final file), and the CORS rule."""

    allow_origin = "*"
    _object: Mapping[str, str] = MappingProxyType({})
    """The requested object's own headers, read once per request by `send_head`."""

    def send_head(self) -> BinaryIO | None:
        # The base class's own Last-Modified check has one-second resolution: a playlist
        # rewritten within that second would be answered 304 and stay stale for ever.
        del self.headers["If-Modified-Since"]
        target = Path(self.translate_path(self.path))
        self._object = _object_headers(target) if target.is_file() else {}
        if not self._object:
            return super().send_head()
        if self.headers.get("If-None-Match") == self._object["ETag"]:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.end_headers()
            return None
        wanted = _RANGE.fullmatch(self.headers.get("Range", ""))
        return super().send_head() if wanted is None else self._send_range(target, wanted)

    def _send_range(self, target: Path, wanted: re.Match[str]) -> BinaryIO | None:
        data = target.read_bytes()
        first, last = wanted.groups()
        if first:
            start, end = int(first), min(int(last or len(data) - 1), len(data) - 1)
        else:
            start, end = max(len(data) - int(last or 0), 0), len(data) - 1
        if start > end:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.end_headers()
            return None
        self.send_response(HTTPStatus.PARTIAL_CONTENT)
        self.send_header("Content-Type", self.guess_type(target))
        self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        self.send_header("Content-Length", str(end - start + 1))
        self.end_headers()
        return io.BytesIO(data[start : end + 1])

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        return self._object.get("Content-Type") or super().guess_type(path)

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.allow_origin)
        for name, value in self._object.items():
            if name != "Content-Type":  # sent by the base class, through `guess_type`
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _object_headers(target: Path) -> dict[str, str]:
    sidecar = target.with_name(target.name + ".meta.json")
    stored = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    stat = target.stat()
    headers = {"ETag": f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"', "Accept-Ranges": "bytes"}
    if stored.get("content_type"):
        headers["Content-Type"] = stored["content_type"]
    if stored.get("cache_control"):
        headers["Cache-Control"] = stored["cache_control"]
    return headers


@contextmanager
def storage_files(root: Path, port: int | None = None, allow_origin: str = "*") -> Iterator[str]:
    """Serve the local storage backend's `root` as the public bucket (see `BucketHandler`),
    with the bucket's CORS rule for `allow_origin`; yields the base URL."""
    root.mkdir(parents=True, exist_ok=True)
    bucket = type("Bucket", (BucketHandler,), {"allow_origin": allow_origin})
    with serving(functools.partial(bucket, directory=str(root)), port) as base:
        yield base


_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "host", "content-length"})


@contextmanager
def frontend(
    root: Path, api: str, config: Mapping[str, Any], port: int | None = None
) -> Iterator[str]:
    """Serve the reference frontend (`root`) with its runtime `config` as `/config.json`, and
    pass `/api/...` on to the API at `api`: the page calls the API on its own origin, so the
    API needs no CORS rule locally. Yields the base URL."""
    config_body = json.dumps(config).encode()

    class Site(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/config.json":
                self._send(HTTPStatus.OK, {"Content-Type": "application/json"}, config_body)
            elif self.path.startswith("/api/"):
                self._forward()
            else:
                super().do_GET()

        def do_POST(self) -> None:
            self._forward() if self.path.startswith("/api/") else self.send_error(404)

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length", 0) or 0)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            request = urllib.request.Request(  # noqa: S310 - the local API
                api + self.path, self.rfile.read(length), headers, method=self.command
            )
            try:
                with urllib.request.urlopen(request, timeout=180) as answer:  # noqa: S310
                    self._send(answer.status, dict(answer.headers.items()), answer.read())
            except urllib.error.HTTPError as refused:
                self._send(refused.code, dict(refused.headers.items()), refused.read())
            except OSError:
                body = {
                    "success": False,
                    "error": "The API did not answer.",
                    "error_type": "api_down",
                }
                self._send(HTTPStatus.BAD_GATEWAY, {}, json.dumps(body).encode())

        def _send(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")  # a rebuilt bundle is read at once
            super().end_headers()

        def log_message(self, *args: object) -> None:
            pass

    with serving(functools.partial(Site, directory=str(root)), port) as base:
        yield base
