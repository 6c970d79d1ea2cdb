"""Structured JSON logs on stdout, for this app and for uvicorn."""

from __future__ import annotations

import logging
import sys

from shared.log_format import json_handler

HANDLER_NAME = "callback-api-json"
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


def _drop_color_message(record: logging.LogRecord) -> bool:
    record.__dict__.pop("color_message", None)  # uvicorn's ANSI-coloured copy of the message
    return True


def configure_logging(level: str = "INFO") -> None:
    """Send every record to one JSON handler on the root logger; safe to call twice."""
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != HANDLER_NAME]
    handler = json_handler(sys.stdout, HANDLER_NAME)
    handler.addFilter(_drop_color_message)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        # Loggers that uvicorn switched off (e.g. --no-access-log) have no handlers: leave them.
        if uvicorn_logger.handlers:
            uvicorn_logger.handlers = []
            uvicorn_logger.propagate = True
