"""The command that signs and sends a test callback (the manual test in docs/callbacks.md)."""

from __future__ import annotations

import pytest

from callback_api.send_test_callback import main
from tests.helpers.callback_api import LiveServer, Stories


def test_sends_the_seed_payload_signed(
    live_api: LiveServer,
    signing_secret: str,
    stories: Stories,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stories.create("test_story_123", audioStatus="processing")
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", signing_secret)

    code = main(
        [
            "--url",
            live_api.url,
            "--story-id",
            "test_story_123",
            "--error",
            "Voice profile not found",
            "--user-id",
            "test_user_456",
        ]
    )

    assert code == 0
    assert capsys.readouterr().out.strip() == '200 {"success":true,"applied":true}'
    story = stories.get("test_story_123")
    assert (story["audioStatus"], story["audioError"]) == ("failed", "Voice profile not found")


@pytest.mark.parametrize(("kind", "status"), [("progress", "processing"), ("success", "ready")])
def test_sends_the_other_callbacks(
    live_api: LiveServer,
    signing_secret: str,
    stories: Stories,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    status: str,
) -> None:
    stories.create("s")
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", signing_secret)

    assert main(["--url", live_api.url, "--type", kind, "--story-id", "s"]) == 0
    assert stories.get("s")["audioStatus"] == status


def test_reports_a_refusal(
    live_api: LiveServer, stories: Stories, monkeypatch: pytest.MonkeyPatch
) -> None:
    stories.create("s")
    monkeypatch.setenv("CALLBACK_SIGNING_SECRET", "whsec_" + "QUJD" * 8)

    assert main(["--url", live_api.url, "--story-id", "s"]) == 1
    assert stories.get("s")["audioStatus"] == "pending"


def test_needs_the_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CALLBACK_SIGNING_SECRET", raising=False)

    assert main(["--story-id", "s"]) == 2
