"""The route classes of the callback endpoints and of RunPod's webhook.

`CallbackRoute` reads the raw body (refusing more than 64 KiB, announced or streamed), checks
its signature before FastAPI parses it, so that an unsigned request gets 401 whatever its
content, and records every callback's outcome and latency, whether it ends in a response or in
an exception. `WebhookRoute` does the same without the signature (RunPod does not sign; the
route checks the token in its URL before it reads the body) and with a larger limit.
`LimitedRoute` only limits the body, for the app's JSON endpoints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.types import Receive, Scope

from callback_api.api.observation import CallbackObservation
from callback_api.core.config import MAX_APP_BODY_BYTES, MAX_BODY_BYTES, MAX_WEBHOOK_BYTES
from callback_api.core.errors import PayloadTooLargeError
from shared.signing import HEADER_ID, Verifier

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LimitedRequest(Request):
    """A request whose body may not exceed `limit` bytes."""

    def __init__(self, scope: Scope, receive: Receive, limit: int) -> None:
        super().__init__(scope, receive)
        self.limit = limit

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            declared = self.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.limit:
                raise PayloadTooLargeError
            chunks, size = [], 0
            async for chunk in self.stream():
                size += len(chunk)
                if size > self.limit:
                    raise PayloadTooLargeError
                chunks.append(chunk)
            self._body = b"".join(chunks)
        return self._body


class CallbackRoute(APIRoute):
    limit: ClassVar[int] = MAX_BODY_BYTES
    signed: ClassVar[bool] = True

    def callback_type(self) -> str:
        model = self.body_field.field_info.annotation if self.body_field else None
        return str(getattr(model, "callback_type", "unknown"))

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        callback_type = self.callback_type()

        async def handle(request: Request) -> Response:
            started = time.perf_counter()
            request = LimitedRequest(request.scope, request.receive, self.limit)
            observation = CallbackObservation(callback_type, request.headers.get(HEADER_ID))
            request.state.observation = observation
            try:
                if self.signed:
                    body = await request.body()
                    verifier: Verifier | None = request.app.state.verifier
                    if verifier is not None:
                        verifier.verify(request.headers, body)
                response = await handler(request)
            except Exception as exc:
                observation.failed(exc)
                raise
            else:
                observation.status_code = response.status_code
                return response
            finally:
                observation.record(request.app.state.metrics, time.perf_counter() - started)

        return handle


class WebhookRoute(CallbackRoute):
    limit = MAX_WEBHOOK_BYTES
    signed = False

    def callback_type(self) -> str:
        return "runpod_webhook"


class LimitedRoute(APIRoute):
    """An app endpoint's route: its body is refused past `limit` bytes (413) as it is read,
    which FastAPI does before the caller's credentials are checked."""

    limit: ClassVar[int] = MAX_APP_BODY_BYTES

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            request = LimitedRequest(request.scope, request.receive, self.limit)
            await request.body()  # here, so that 413 is ours, not FastAPI's "error parsing"
            return await handler(request)

        return handle
