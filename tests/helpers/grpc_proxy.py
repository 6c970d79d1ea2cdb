"""A TCP proxy in front of a gRPC server (the Firestore emulator) that loses a call's answer.

It forwards bytes both ways unchanged and reads the HTTP/2 frames as they pass: the client's
header blocks (HPACK, one decoder per connection, as the server keeps one) name each call's
method. When a call of the armed method (`…/Commit`) has gone through to the server and the
server's first frame of its answer comes back, the proxy either resets the client's connection
(the default: the client sees UNAVAILABLE and may retry the call) or drops that call's answer
and forwards everything else (`drop=True`: the answer is lost, and the client's deadline
passes). Either way the server has done the work and the client never hears of it.

    with GrpcProxy(emulator.host_port) as proxy:
        os.environ["FIRESTORE_EMULATOR_HOST"] = proxy.host_port
        proxy.arm(COMMIT)
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from hpack import Decoder

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HEADERS, CONTINUATION = 0x1, 0x9
END_HEADERS, PADDED, PRIORITY = 0x4, 0x8, 0x20
COMMIT = "/google.firestore.v1.Firestore/Commit"
Doomed = dict[int, bool]
"""The streams whose answer the client must not get, each with whether to drop it (else the
connection is reset)."""


@dataclass
class Sabotage:
    """What the proxy does to the next `count` calls of `method`."""

    method: str = COMMIT
    count: int = 0
    drop: bool = False
    done: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    """Every method seen, with how often: what went through."""


class _Frames:
    """Splits a byte stream into HTTP/2 frames: (type, flags, stream id, payload, raw)."""

    def __init__(self, preface: bool) -> None:
        self._buffer = b""
        self._preface = preface

    def feed(self, data: bytes) -> list[tuple[int, int, int, bytes, bytes]]:
        self._buffer += data
        frames: list[tuple[int, int, int, bytes, bytes]] = []
        if self._preface:
            if len(self._buffer) < len(PREFACE):
                return frames
            frames.append((-1, 0, 0, b"", self._buffer[: len(PREFACE)]))
            self._buffer = self._buffer[len(PREFACE) :]
            self._preface = False
        while len(self._buffer) >= 9:
            length = int.from_bytes(self._buffer[:3], "big")
            if len(self._buffer) < 9 + length:
                break
            kind, flags = self._buffer[3], self._buffer[4]
            stream = struct.unpack(">I", self._buffer[5:9])[0] & 0x7FFFFFFF
            raw = self._buffer[: 9 + length]
            frames.append((kind, flags, stream, raw[9:], raw))
            self._buffer = self._buffer[9 + length :]
        return frames


def _header_fragment(kind: int, flags: int, payload: bytes) -> bytes:
    if kind == HEADERS:
        start, end = 0, len(payload)
        if flags & PADDED:
            start, end = 1, len(payload) - payload[0]
        if flags & PRIORITY:
            start += 5
        return payload[start:end]
    return payload


class GrpcProxy:
    def __init__(self, upstream: str) -> None:
        host, port = upstream.rsplit(":", 1)
        self._upstream = (host, int(port))
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.sabotage = Sabotage()
        self._lock = threading.Lock()
        self._closing = False
        self._sockets: list[socket.socket] = []

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self._listener.getsockname()[1]}"

    def arm(self, method: str = COMMIT, *, count: int = 1, drop: bool = False) -> Sabotage:
        with self._lock:
            self.sabotage = Sabotage(method, count, drop)
            return self.sabotage

    def __enter__(self) -> Self:
        threading.Thread(target=self._accept, daemon=True, name="grpc-proxy").start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._closing = True
        self._listener.close()
        for sock in list(self._sockets):
            _close(sock)

    def _accept(self) -> None:
        while not self._closing:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self._upstream)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._sockets += [client, upstream]
            doomed: Doomed = {}
            threading.Thread(
                target=self._requests, args=(client, upstream, doomed), daemon=True
            ).start()
            threading.Thread(
                target=self._answers, args=(upstream, client, doomed), daemon=True
            ).start()

    def _requests(self, client: socket.socket, upstream: socket.socket, doomed: Doomed) -> None:
        frames, decoder, block = _Frames(preface=True), Decoder(), b""
        while data := _recv(client):
            for kind, flags, stream, payload, _ in frames.feed(data):
                if kind not in (HEADERS, CONTINUATION):
                    continue
                block += _header_fragment(kind, flags, payload)
                if flags & END_HEADERS:
                    headers = dict(decoder.decode(block, raw=True))
                    block = b""
                    self._note(headers.get(b":path", b"").decode(), stream, doomed)
            if not _send(upstream, data):  # marked before the server can answer
                break
        _close(upstream)

    def _note(self, method: str, stream: int, doomed: Doomed) -> None:
        with self._lock:
            plan = self.sabotage
            plan.calls[method] = plan.calls.get(method, 0) + 1
            if method == plan.method and plan.done < plan.count:
                plan.done += 1
                doomed[stream] = plan.drop

    def _answers(self, upstream: socket.socket, client: socket.socket, doomed: Doomed) -> None:
        frames = _Frames(preface=False)
        while data := _recv(upstream):
            for _, _, stream, _, raw in frames.feed(data):
                if doomed.get(stream):
                    continue  # this call's answer is lost; the connection lives on
                if stream in doomed:
                    _reset(client)
                    _close(upstream)
                    return
                if not _send(client, raw):
                    _close(upstream)
                    return
        _close(client)


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def _send(sock: socket.socket, data: bytes) -> bool:
    try:
        sock.sendall(data)
    except OSError:
        return False
    return True


def _reset(sock: socket.socket) -> None:
    """Close with an RST, as a dropped connection looks to the client."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)  # wakes the thread reading it; sends nothing
    sock.close()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)  # wakes the thread reading it
    sock.close()
