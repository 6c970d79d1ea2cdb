"""Both services write the same JSON fields, so one log query covers the worker and the API."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import pytest

from callback_api.core import logging as api_logs
from worker import logs as worker_logs


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def one_line(configure: Callable[[str], None], handler_name: str) -> dict[str, object]:
    configure("INFO")
    [handler] = [h for h in logging.getLogger().handlers if h.get_name() == handler_name]
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    handler.setStream(buffer)
    logging.getLogger("tests.logs").info(
        "callback delivered", extra={"story_id": "s1", "job_id": "j1", "duration_ms": 1.5}
    )
    [line] = buffer.getvalue().splitlines()
    return json.loads(line)


@pytest.mark.usefixtures("restore_root_logging")
def test_worker_and_api_log_lines_have_the_same_fields() -> None:
    worker = one_line(worker_logs.configure_logging, worker_logs.HANDLER_NAME)
    api = one_line(api_logs.configure_logging, api_logs.HANDLER_NAME)
    assert set(worker) == set(api) == {
        "time", "level", "logger", "message", "story_id", "job_id", "duration_ms"
    }  # fmt: skip
    assert worker["level"] == api["level"] == "INFO"
    assert worker["logger"] == api["logger"] == "tests.logs"
