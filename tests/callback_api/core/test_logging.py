"""Structured JSON logs: one line per callback, never a secret, a signature or story text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from callback_api.api.observation import MAX_LOGGED_ID_CHARS
from callback_api.core.config import Settings
from callback_api.core.logging import HANDLER_NAME, configure_logging
from callback_api.main import create_app
from shared.signing import sign
from tests.helpers.callback_api import JSON, Sender, Stories, error, progress, success


@pytest.fixture
def log_lines(api_settings: Settings) -> Iterator[tuple[TestClient, io.StringIO]]:
    app = create_app(api_settings)
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME)
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        with TestClient(app) as client:
            yield client, buffer
    finally:
        handler.setStream(previous)


def _records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line]


def test_each_callback_logs_one_json_line_with_its_identity(
    log_lines: tuple[TestClient, io.StringIO], signing_secret: str, stories: Stories
) -> None:
    client, buffer = log_lines
    stories.create("story-7")

    Sender(client, signing_secret).send(success("story-7", job_id="job-9"))

    lines = [r for r in _records(buffer) if r.get("logger") == "callback_api.callbacks"]
    assert len(lines) == 1
    line = lines[0]
    assert line["story_id"] == "story-7"
    assert line["job_id"] == "job-9"
    assert line["callback_type"] == "success"
    assert line["outcome"] == "applied"
    assert line["status_code"] == 200
    assert line["level"] == "INFO"
    assert isinstance(line["duration_ms"], float)


def test_logs_carry_no_secret_signature_or_story_text(
    log_lines: tuple[TestClient, io.StringIO], signing_secret: str, stories: Stories
) -> None:
    client, buffer = log_lines
    stories.create("story-7", text="Once upon a time a fox sang to the moon.")
    message = "Narration failed near: a fox sang to the moon"
    callback = error("story-7", error=message, error_details="chunk 3: a fox sang")
    body = callback.to_body()
    headers = {**JSON, **sign(signing_secret, body)}

    client.post("/api/tts/error-callback", content=body, headers=headers)
    client.post("/api/tts/error-callback", content=body, headers={**headers, "webhook-id": "x"})

    output = buffer.getvalue()
    outcomes = [r.get("outcome") for r in _records(buffer) if "outcome" in r]
    assert outcomes == ["applied", "rejected"]
    assert signing_secret not in output
    assert signing_secret.removeprefix("whsec_") not in output
    assert headers["webhook-signature"].split(",", 1)[1] not in output
    assert "fox" not in output


def test_a_long_webhook_id_is_logged_cut_whether_signed_or_not(
    log_lines: tuple[TestClient, io.StringIO], signing_secret: str, stories: Stories
) -> None:
    client, buffer = log_lines
    stories.create("story-7")
    body = error("story-7").to_body()
    long_id = "msg_" + "x" * 7996
    signed = {**JSON, **sign(signing_secret, body, msg_id=long_id)}
    forged = {**signed, "webhook-signature": "v1,bm90IGEgc2lnbmF0dXJl"}

    client.post("/api/tts/error-callback", content=body, headers=forged)
    client.post("/api/tts/error-callback", content=body, headers=signed)
    Sender(client, signing_secret).send(progress("story-7", done=1))

    lines = [r for r in _records(buffer) if r.get("logger") == "callback_api.callbacks"]
    assert [line["status_code"] for line in lines] == [401, 200, 200]
    for line in lines[:2]:
        logged = line["webhook_id"]
        assert logged.endswith("…")
        assert len(logged) == MAX_LOGGED_ID_CHARS + 1
        assert long_id.startswith(logged.removesuffix("…"))
    assert lines[2]["webhook_id"].startswith("msg_")
    assert not lines[2]["webhook_id"].endswith("…")
    assert "x" * (MAX_LOGGED_ID_CHARS + 1) not in buffer.getvalue()


def test_uvicorn_logs_become_json_unless_uvicorn_switched_them_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error_logger, access_logger = (
        logging.getLogger("uvicorn.error"),
        logging.getLogger("uvicorn.access"),
    )
    monkeypatch.setattr(error_logger, "handlers", [logging.NullHandler()])
    monkeypatch.setattr(error_logger, "propagate", False)
    monkeypatch.setattr(access_logger, "handlers", [])
    monkeypatch.setattr(access_logger, "propagate", False)  # what --no-access-log leaves
    configure_logging("INFO")
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER_NAME)
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        error_logger.info("Started %s", "server", extra={"color_message": "\x1b[1mStarted"})
        access_logger.info("GET /health 200")
    finally:
        handler.setStream(previous)

    records = _records(buffer)
    assert [r["message"] for r in records] == ["Started server"]
    assert records[0]["logger"] == "uvicorn.error"
    assert "color_message" not in records[0]
