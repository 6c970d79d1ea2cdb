"""The reference app against `make dev`'s stack, in headless Chromium: sign in, Narrate, the
contract's screens (spinner → progress → listening while it renders → the player), a failed job's
error and "Try again", three quick "Try again" clicks making one submission, and voices made on the
page, then narrated with.

The stack is `python -m tools.dev` itself, run as `make dev` runs it; the test reads its
`dev.env`. A job that fails is one its local RunPod stand-in loses (`POST /dev/faults`), as RunPod
does when it loses a worker: the API learns of it from RunPod's webhook and status API.

Piper cannot clone a voice: a voice job on it fails (`model_unavailable`), and so does a story
narrated in a recorded voice (`voice_unsupported`). The voice test therefore shows Piper's real
refusal for a recorded voice, then holds an uploaded voice's job at the RunPod stand-in and plays
the worker itself, with the signed callbacks a cloning engine would send, to make it ready.
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

import numpy as np
import pytest
import requests
import soundfile as sf
from playwright.sync_api import Browser, Page, sync_playwright

from shared.signing import generate_secret, sign
from shared.voice_job_input import (
    VoiceProfileCallbackRequest,
    VoiceProfileProgressCallbackRequest,
)
from tests.helpers.browser import FLAGS, chromium_path
from tools.stack import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # the first test starts the stack

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


def fail_next_job(dev: dict[str, str], fault: str = "fail_next") -> None:
    answer = requests.post(f"{dev['RUNPOD_LOCAL_URL']}/dev/faults", json={fault: 1}, timeout=5)
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


def wav(path: Path, seconds: float) -> Path:
    """A tone long enough for a reference recording (at least 5 s)."""
    rate = 24_000
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate, subtype="PCM_16")
    return path


def play_the_worker(job: dict[str, Any], sample_url: str) -> dict[str, Any]:
    """The held voice job's signed callbacks, as a cloning engine's worker sends them: started,
    then ready with the stored profile and its sample. Returns the success callback's fields."""
    given = job["input"]
    identity = {
        "user_id": given["user_id"],
        "voice_id": given["voice_id"],
        "job_id": job["id"],
        "submission": given["submission"],
    }
    started = VoiceProfileProgressCallbackRequest(**identity)
    ready = VoiceProfileCallbackRequest(
        **identity,
        name=given["name"],
        profile_key=f"voices/{given['user_id']}/{given['voice_id']}.pt",
        sample_key=sample_url.rsplit("/", 1)[-1],
        sample_url=sample_url,
        generation_method="chatterbox_prepare_conditionals",
    )
    for url, callback in (
        (given["progress_callback_url"], started),
        (given["callback_url"], ready),
    ):
        body = callback.to_body()
        headers = {**sign(SECRET, body), "Content-Type": "application/json"}
        answer = requests.post(url, data=body, headers=headers, timeout=10)
        assert answer.status_code == 200, answer.text
        assert answer.json()["applied"] is True
    return ready.model_dump()


def voice_item(page: Page, voice_id: str, status: str, timeout_ms: int = 60_000) -> str:
    selector = f"#voices li[data-voice-id='{voice_id}'][data-status={status}]"
    page.wait_for_selector(selector, timeout=timeout_ms)
    return page.inner_text(selector)


def created_voices(page: Page) -> list[dict[str, Any]]:
    return [e["answer"] for e in app_log(page) if e["event"] == "voice-created"]


def test_a_voice_made_on_the_page_then_narrated_with(
    dev: dict[str, str], browser: Browser, tmp_path: Path
) -> None:
    page = signed_up(browser, dev, "grandma@example.com")

    # Recorded with the microphone: Piper's worker really refuses to clone it.
    page.click("#record")
    page.wait_for_timeout(6_000)
    page.click("#stop-recording")
    page.wait_for_function("window.appLog.some(e => e.event === 'recorded')")
    page.fill("#voice-name", "Recorded")
    page.click("#new-voice button[type=submit]")
    page.wait_for_function("window.appLog.some(e => e.event === 'voice-created')")
    recorded = created_voices(page)[0]["voice_id"]
    refused = voice_item(page, recorded, "failed")
    assert refused.startswith("Recorded: Failed (")
    assert "not available" in refused  # the worker's sentence for the listener

    # Uploaded, its job held and played by the test as a cloning engine would.
    fail_next_job(dev, "hold_next")
    page.set_input_files("#voice-file", str(wav(tmp_path / "grandma.wav", 6)))
    page.fill("#voice-name", "Grandma")
    page.click("#new-voice button[type=submit]")
    page.wait_for_function("window.appLog.filter(e => e.event === 'voice-created').length === 2")
    accepted = created_voices(page)[1]
    voice_id = accepted["voice_id"]
    voice_item(page, voice_id, "pending")
    jobs = requests.get(f"{dev['RUNPOD_LOCAL_URL']}/dev/jobs", timeout=5).json()["jobs"]
    job = next(job for job in jobs if job["id"] == accepted["job_id"])
    assert job["status"] == "IN_QUEUE"
    sample = wav(tmp_path / "sample.wav", 1)
    sample_key = f"voices/{job['input']['user_id']}/{voice_id}_sample.wav"
    (Path(dev["STORAGE_DIR"]) / sample_key).parent.mkdir(parents=True, exist_ok=True)
    (Path(dev["STORAGE_DIR"]) / sample_key).write_bytes(sample.read_bytes())
    ready = play_the_worker(job, f"{dev['BUCKET_URL']}/{sample_key}")
    assert voice_item(page, voice_id, "ready", 20_000).startswith("Grandma: Ready")
    page.wait_for_function(
        f"document.querySelector(\"#voices li[data-voice-id='{voice_id}'] audio\").readyState > 0"
    )
    assert page.eval_on_selector_all("#voice-choice option", "os => os.map(o => o.value)") == [
        "",
        voice_id,
    ]

    # Narrated in it: the job carries the voice's stored profile; Piper refuses to fake it.
    new_story(page, "Grandma's tale", "Once upon a time, a grandmother told a story. It was long.")
    page.select_option("#voice-choice", voice_id)
    page.click("#narrate")
    wait_for_screen(page, "failed")
    story_id = opened_story_id(page)
    narrated = next(e for e in app_log(page) if e["event"] == "narrate")
    assert narrated["body"] == {"voice_id": voice_id}
    (job,) = jobs_of(dev, story_id)
    assert job["input"]["voice_storage_key"] == ready["profile_key"]
    assert "recorded voice" in page.inner_text("#screen-text")  # voice_unsupported's sentence
    assert page.is_visible("#try-again")
    page.close()
