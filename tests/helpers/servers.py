"""Small real HTTP servers on 127.0.0.1 for tests: a scripted responder and a fault proxy."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

import boto3
from moto.server import ThreadedMotoServer

from tools.stack import serving
from worker.config import ServiceSettings


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


def _reply(
    handler: BaseHTTPRequestHandler, status: int, headers: dict[str, str], payload: bytes
) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(payload)


@contextmanager
def scripted_server(script: Script) -> Iterator[str]:
    """Yields the base URL of a server that records requests and answers from `script`."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            script.requests.append(Recorded(self.command, self.path, dict(self.headers), body))
            _reply(self, *script.next_response())

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as base:
        yield base


@dataclass
class FaultPlan:
    """Answer the next `count` requests with `status` (and `body`) instead of forwarding."""

    count: int = 0
    status: int = 503
    body: bytes = b"<Error><Code>ServiceUnavailable</Code><Message>down</Message></Error>"
    seen: int = 0
    faults_served: int = 0
    only: Callable[[str, str], bool] | None = None
    """Which requests (method, path) may fail or be delayed; None: any."""
    delay_s: float = 0.0
    """How long each chosen request waits before it is answered (a slow store)."""
    drop: bool = False
    """Close the connection without an answer (the upstream unreachable) instead of `status`."""

    @classmethod
    def outage(cls) -> FaultPlan:
        """Fail every request until `recover()`."""
        plan = cls()
        plan.fail_all()
        return plan

    def fail_all(self) -> None:
        self.count = 2**62

    def recover(self) -> None:
        self.count = self.faults_served


def r2_settings(endpoint: str, bucket: str, **overrides: Any) -> ServiceSettings:
    """Worker settings for R2 at `endpoint` (moto, or a proxy in front of it), fast retries."""
    values: dict[str, Any] = {
        "storage_backend": "r2",
        "r2_endpoint_url": endpoint,
        "r2_access_key_id": "test",
        "r2_secret_access_key": "test",
        "r2_bucket": bucket,
        "r2_public_base_url": "https://audio.example.com",
        "storage_backoff_max_s": 0.05,
    }
    return ServiceSettings(**(values | overrides))


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
            chosen = plan.only is None or plan.only(self.command, self.path)
            if chosen and plan.delay_s:
                time.sleep(plan.delay_s)
            if chosen and plan.faults_served < plan.count:
                plan.faults_served += 1
                if plan.drop:
                    self.close_connection = True
                    return
                _reply(self, plan.status, {"Content-Type": "application/xml"}, plan.body)
                return
            connection = http.client.HTTPConnection(target.netloc, timeout=30)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            headers["Host"] = target.netloc
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            skip = {"transfer-encoding", "connection", "content-length"}
            _reply(
                self,
                response.status,
                {k: v for k, v in response.getheaders() if k.lower() not in skip},
                payload,
            )
            connection.close()

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as base:
        yield base


@contextmanager
def s3_server(bucket: str, *, public_read: bool = False) -> Iterator[str]:
    """moto's real S3 HTTP server, in process, with `bucket` created; yields the endpoint.

    `public_read` lets anyone GET the bucket's objects at `{endpoint}/{bucket}/{key}`, as an
    R2 bucket with public access does at its `R2_PUBLIC_BASE_URL`. moto keeps one backend per
    process, so each test module should use a bucket of its own.
    """
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="auto",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "auto"})
    if public_read:
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        client.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        yield endpoint
    finally:
        server.stop()
