"""Structured JSON logs for the worker on stderr: one object per line, the same field names
as the callback API's (`shared.log_format`), never story text or secrets."""

from __future__ import annotations

import logging
import os
import sys

from shared.log_format import json_handler

HANDLER_NAME = "worker-json"


def configure_logging(level: str | None = None) -> None:
    root = logging.getLogger()
    root.handlers[:] = [json_handler(sys.stderr, HANDLER_NAME)]
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
