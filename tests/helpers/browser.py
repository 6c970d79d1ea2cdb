"""Headless Chromium (Debian's package) driven by Playwright, for the reference player.

The browser is the system's (`CHROMIUM`, default /usr/bin/chromium): Playwright never downloads
one. Missing pieces fail with how to install them, never skip. The page keeps a log of its
media events and of every state the player reports (`window.playerLog`), read by `events`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.helpers.firestore import FIRESTORE_PROJECT_ID
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


def open_player(
    browser: Browser,
    site: str,
    story_id: str,
    emulator: str,
    playback_rate: float = 1,
    **query: str,
) -> Page:
    """The reference player following `stories/{story_id}`, its media clock at `playback_rate`."""
    params = {"story": story_id, "project": FIRESTORE_PROJECT_ID, "emulator": emulator, **query}
    page = browser.new_page()
    page.goto(f"{site}/player.html?{urlencode(params, safe=':')}")
    page.evaluate(f"document.getElementById('audio').defaultPlaybackRate = {playback_rate}")
    return page


def events(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.playerLog")


def first(log: list[dict[str, Any]], name: str, **state: object) -> dict[str, Any]:
    """The first `name` event in `log` whose player state has the given values."""
    return next(
        e
        for e in log
        if e["event"] == name and all(e.get("state", {}).get(k) == v for k, v in state.items())
    )
