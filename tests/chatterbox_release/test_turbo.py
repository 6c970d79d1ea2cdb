"""chatterbox-tts 0.1.7's turbo variant (`ChatterboxTurboTTS`) on random weights."""

from __future__ import annotations

from tests.chatterbox_release.contract import ReleaseContract


class TestTurbo(ReleaseContract):
    variant = "turbo"
