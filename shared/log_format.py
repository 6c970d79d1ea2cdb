"""The JSON log line both services write: `time`, `level`, `logger`, `message`, then extras.

One field vocabulary, so that one log query covers the worker and the callback API; the
extras use the same names on both sides too (`story_id`, `job_id`, `callback_type`,
`error_type`, `duration_ms`).
"""

from __future__ import annotations

import logging
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter


def json_handler(stream: TextIO, name: str) -> logging.Handler:
    """A stream handler named `name` that writes one JSON object per record."""
    handler = logging.StreamHandler(stream)
    handler.set_name(name)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    return handler
