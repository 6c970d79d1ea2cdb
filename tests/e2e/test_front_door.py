"""The reference app against `make dev`'s stack, in headless Chromium: sign in, Narrate, the
contract's screens (spinner → progress → listening while it renders → the player), a failed job's
error and "Try again", three quick "Try again" clicks making one submission, and a voice recorded
on the page.

The stack is `python -m tools.dev` itself, run as `make dev` runs it; the test reads its
`dev.env`. A job that fails is one its local RunPod stand-in loses (`POST /dev/faults`), as RunPod
does when it loses a worker: the API learns of it from RunPod's webhook and status API.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, sync_playwright

from shared.signing import generate_secret
from tests.helpers.browser import FLAGS, chromium_path
from tools.stack import REPO_ROOT

pytestmark = pytest.mark.slow

SECRET = generate_secret()
START_S = 240
NARRATION_MS = 180_000
TEXT_CHARS = 2_400
"""About 2.5 minutes of speech: long enough to listen while Piper renders it."""
PLAYBACK_RATE = 8
MEDIA_FLAGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
"""A microphone for MediaRecorder (Chromium's test tone), allowed without a prompt."""


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """`make dev`'s stack until the module ends; its `dev.env`, as a dict."""
    out = tmp_path_factory.mktemp("dev")
    env = {**os.environ, "CALLBACK_SIGNING_SECRET": SECRET}
    for leaked in ("FIRESTORE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST"):
        env.pop(leaked, None)  # the stack's own emulators, never the session's
    with (out / "dev.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tools.dev", "--out", str(out)],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield _wait_for_env(out / "dev.env", process, out / "dev.log")
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl-C, as a developer stops it
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    assert not (out / "dev.env").exists(), "dev.env outlived the stack"


def _wait_for_env(path: Path, process: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    deadline = time.monotonic() + START_S
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"make dev's stack did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)
    return dict(line.split("=", 1) for line in path.read_text().splitlines())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_path()), args=[*FLAGS, *MEDIA_FLAGS]
        )
        try:
            yield launched
        finally:
            launched.close()


def story_text() -> str:
    paragraphs, text = (REPO_ROOT / "samples" / "story.txt").read_text().split("\n\n"), ""
    while len(text) < TEXT_CHARS:
        text += paragraphs.pop(0) + "\n\n"
    return text


def signed_up(browser: Browser, dev: dict[str, str], email: str) -> Page:
    """A new user's page, signed up through the form (on the Auth emulator)."""
    page = browser.new_page()
    page.goto(f"{dev['FRONTEND_URL']}/")
    page.fill("#email", email)
    page.fill("#password", "secret-password")
    page.click("#signin-form button[value=up]")
    page.wait_for_selector("#home:not([hidden])", timeout=20_000)
    return page


def new_story(page: Page, title: str, text: str) -> None:
    page.fill("#title", title)
    page.fill("#text", text)
    page.click("#new-story button[type=submit]")
    page.wait_for_selector("#story:not([hidden])")
    page.wait_for_selector("#screen[data-screen=idle]")


def wait_for_screen(page: Page, name: str, timeout_ms: int = NARRATION_MS) -> None:
    page.wait_for_selector(f"#screen[data-screen={name}]", timeout=timeout_ms)


def app_log(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.appLog")


def screens(log: list[dict[str, Any]]) -> list[str]:
    return [entry["screen"] for entry in log if entry["event"] == "screen"]


def fail_next_job(dev: dict[str, str]) -> None:
    answer = requests.post(
        f"{dev['RUNPOD_LOCAL_URL']}/dev/faults", json={"fail_next": 1}, timeout=5
    )
    answer.raise_for_status()


def jobs_of(dev: dict[str, str], story_id: str) -> list[dict[str, Any]]:
    jobs = requests.get(f"{dev['RUNPOD_LOCAL_URL']}/dev/jobs", timeout=5).json()["jobs"]
    return [job for job in jobs if job["input"].get("story_id") == story_id]


def opened_story_id(page: Page) -> str:
    submitted = [e for e in app_log(page) if e["event"] == "submitted"]
    return submitted[-1]["answer"]["story_id"]


def test_narrate_shows_spinner_progress_the_stream_then_the_file(
    dev: dict[str, str], browser: Browser
) -> None:
    page = signed_up(browser, dev, "listener@example.com")
    new_story(page, "The lighthouse", story_text())
    page.click("#narrate")
    page.wait_for_function(
        "window.appLog.some(e => e.event === 'playing' && e.source === 'stream')",
        timeout=NARRATION_MS,
    )
    page.evaluate(f"document.getElementById('audio').playbackRate = {PLAYBACK_RATE}")
    wait_for_screen(page, "ready")
    log = app_log(page)
    shown = screens(log)
    assert shown[0] == "idle"
    assert shown.index("pending") < shown.index("listening") < shown.index("ready"), shown
    narrating = [e for e in log if e.get("screen") in ("processing", "listening")]
    assert any(isinstance(e["story"].get("audioProgress"), int | float) for e in narrating)
    listening = next(i for i, e in enumerate(log) if e.get("screen") == "listening")
    ready = next(i for i, e in enumerate(log) if e.get("screen") == "ready")
    playing = [e for e in log[listening:ready] if e["event"] == "playing"]
    assert playing
    assert playing[0]["source"] == "stream"
    assert page.is_visible("#audio")
    assert page.is_hidden("#try-again")

    # Opened again once ready, the story plays its final file.
    page.click("#back")
    page.click("#stories button:has-text('The lighthouse')")
    wait_for_screen(page, "ready", 20_000)
    page.wait_for_function(
        "window.appLog.some(e => e.event === 'playing' && e.source === 'file')", timeout=20_000
    )
    story_id = opened_story_id(page)
    assert [job["status"] for job in jobs_of(dev, story_id)] == ["COMPLETED"]
    page.close()


def test_a_failed_job_shows_its_error_and_try_again_ends_ready(
    dev: dict[str, str], browser: Browser
) -> None:
    page = signed_up(browser, dev, "unlucky@example.com")
    new_story(page, "The owl", "The owl watched the fox from a tall pine. Then it flew home.")
    fail_next_job(dev)
    page.click("#narrate")
    wait_for_screen(page, "failed", 60_000)
    assert page.is_visible("#try-again")
    error = page.inner_text("#screen-text")
    assert error
    assert error != "Not narrated yet."
    page.click("#try-again")
    wait_for_screen(page, "ready")
    assert page.is_hidden("#try-again")
    assert page.inner_text("#screen-text") == "Ready."
    story_id = opened_story_id(page)
    assert [job["status"] for job in jobs_of(dev, story_id)] == ["FAILED", "COMPLETED"]
    page.close()


def test_three_try_again_clicks_within_100_ms_make_one_submission(
    dev: dict[str, str], browser: Browser
) -> None:
    page = signed_up(browser, dev, "impatient@example.com")
    new_story(page, "The fox", "The fox ran into the dark wood at night. It found its den.")
    fail_next_job(dev)
    page.click("#narrate")
    wait_for_screen(page, "failed", 60_000)
    clicked_ms = page.evaluate(
        """async () => {
            const button = document.getElementById('try-again');
            const started = performance.now();
            for (let i = 0; i < 3; i++) {
                button.click();
                if (i < 2) await new Promise((resolve) => setTimeout(resolve, 40));
            }
            return performance.now() - started;
        }"""
    )
    assert clicked_ms < 100
    wait_for_screen(page, "ready")
    page.wait_for_function(
        "window.appLog.filter(e => e.event === 'submitted').length === 4", timeout=30_000
    )
    log = app_log(page)
    retries = [e for e in log if e["event"] == "submitted"][1:]
    assert len({e["key"] for e in retries}) == 1  # one attempt, one key
    assert {(e["answer"]["submission"], e["answer"]["job_id"]) for e in retries} == {
        (retries[0]["answer"]["submission"], retries[0]["answer"]["job_id"])
    }
    assert retries[0]["answer"]["submission"] == 2
    story_id = opened_story_id(page)
    assert [job["status"] for job in jobs_of(dev, story_id)] == ["FAILED", "COMPLETED"]
    page.close()
