"""Small real HTTP servers on 127.0.0.1 for tests: a scripted responder and a fault proxy."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """Responses to give, in order; the last one repeats. Each is (status, headers, body)."""

    responses: list[tuple[int, dict[str, str], bytes]] = field(
        default_factory=lambda: [(200, {}, b'{"success": true}')]
    )
    requests: list[Recorded] = field(default_factory=list)

    def next_response(self) -> tuple[int, dict[str, str], bytes]:
        index = min(len(self.requests) - 1, len(self.responses) - 1)
        return self.responses[index]


def _serve(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, threading.Thread]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@contextmanager
def scripted_server(script: Script) -> Iterator[str]:
    """Yields the base URL of a server that records requests and answers from `script`."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            script.requests.append(Recorded("POST", self.path, dict(self.headers), body))
            status, headers, payload = script.next_response()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server, thread = _serve(Handler)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@dataclass
class FaultPlan:
    """Answer the next `count` requests with `status` (and `body`) instead of forwarding."""

    count: int = 0
    status: int = 503
    body: bytes = b"<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>"
    seen: int = 0
    faults_served: int = 0


@contextmanager
def fault_proxy(upstream: str, plan: FaultPlan) -> Iterator[str]:
    """A reverse proxy to `upstream` that injects failures per `plan`."""
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", 0) or 0)
            body = self.rfile.read(length) if length else b""
            plan.seen += 1
            if plan.faults_served < plan.count:
                plan.faults_served += 1
                self._reply(plan.status, {"Content-Type": "application/xml"}, plan.body)
                return
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = target.netloc
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            skip = {"transfer-encoding", "connection", "content-length"}
            self._reply(
                response.status,
                {k: v for k, v in response.getheaders() if k.lower() not in skip},
                payload,
            )
            connection.close()

        def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        def log_message(self, *args: object) -> None:
            pass

    server, thread = _serve(Handler)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
