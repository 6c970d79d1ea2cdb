"""Headless Chromium (Debian's package) driven by Playwright, for the reference player.

The browser is the system's (`CHROMIUM`, default /usr/bin/chromium): Playwright never downloads
one. Missing pieces fail with how to install them, never skip.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tools.stack import REPO_ROOT

PLAYER = REPO_ROOT / "player"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-quic",
    "--disable-background-networking",  # the machine's closed network refuses them anyway
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]


def chromium_path() -> Path:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    path = Path(found)
    if not path.exists():
        pytest.fail(
            f"Chromium not found at {path}: install Debian's package (`apt-get install chromium`, "
            "which `make test` does) or set CHROMIUM to a Chromium binary.",
            pytrace=False,
        )
    if not (PLAYER / "dist" / "player.js").is_file():
        pytest.fail(
            "The reference player is not built: run `make player` (npm ci, then esbuild).",
            pytrace=False,
        )
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
