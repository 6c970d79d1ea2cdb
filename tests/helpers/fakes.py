"""Test-only engines. They implement the real `Engine` protocol; none is ever a default."""

from __future__ import annotations

import re
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from shared.errors import ModelUnavailableError
from worker.engines.base import (
    EngineAudio,
    EngineCapabilities,
    Samples,
    SynthesisParams,
    Voice,
    VoiceSource,
)

RATE = 24_000
CHARS_PER_SECOND = 14.0


def speech_like(seconds: float, rate: int = RATE, level: float = 0.3, seed: int = 0) -> Samples:
    """Harmonics under a 4 Hz syllable envelope with 80 ms of silence at both ends."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    f0 = 110 + 20 * rng.random()
    voice = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6))
    envelope = 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)
    pad = np.zeros(int(0.08 * rate))
    signal: npt.NDArray[np.float64] = np.concatenate([pad, level * voice * envelope / 2.3, pad])
    return signal.astype(np.float32)


def _capabilities(name: str, rate: int) -> EngineCapabilities:
    return EngineCapabilities(
        name=name,
        version="test",
        sample_rate=rate,
        max_chunk_chars=300,
        languages=frozenset({"en", "fr"}),
        voice_cloning=False,
    )


class ToneEngine:
    """Speech-like audio whose length follows the text; loudness varies chunk to chunk."""

    def __init__(self, rate: int = RATE, levels: Sequence[float] = (0.3,)) -> None:
        self.capabilities = _capabilities("tone", rate)
        self.levels = levels
        self.calls: list[tuple[str, SynthesisParams]] = []

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return Voice(name="tone")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        self.calls.append((text, params))
        level = self.levels[(len(self.calls) - 1) % len(self.levels)]
        seconds = max(len(text) / CHARS_PER_SECOND, 0.3)
        samples = speech_like(seconds, self.capabilities.sample_rate, level, len(self.calls))
        return EngineAudio(samples, self.capabilities.sample_rate)


class SeededToneEngine:
    """Speech-like audio decided by the text, voice, seed and attempt alone, as a seeded model's
    is: a chunk generated twice sounds the same. `fail_on` texts raise `ModelUnavailableError`
    (the GPU gone mid-story); `calls` counts what was generated."""

    def __init__(
        self,
        rate: int = RATE,
        *,
        version: str = "test",
        fail_on: Callable[[str], bool] | None = None,
        delay_s: float = 0.0,
    ) -> None:
        self.capabilities = replace(_capabilities("seeded-tone", rate), version=version)
        self.fail_on = fail_on
        self.delay_s = delay_s
        self.calls: list[str] = []

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        name = source.voice_id if source and source.voice_id else "tone"
        return Voice(name=name, identity=f"tone:{name}")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        if self.fail_on is not None and self.fail_on(text):
            raise ModelUnavailableError(details="the test engine fails here")
        self.calls.append(text)
        time.sleep(self.delay_s)
        seed = zlib.crc32(f"{voice.identity}|{params.seed}|{params.attempt}|{text}".encode())
        level = 0.15 + 0.3 * (seed % 100) / 100
        seconds = max(len(text) / CHARS_PER_SECOND, 0.3)
        samples = speech_like(seconds, self.capabilities.sample_rate, level, seed)
        return EngineAudio(samples, self.capabilities.sample_rate)


Fault = Callable[[EngineAudio], EngineAudio]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


class SentencePauseEngine:
    """Each sentence of a chunk as speech-like sound (as long as its text, seeded by it) with
    `pause_s` of silence between sentences, as a seeded model says them: every sentence of the
    finished file starts where sound follows silence. A text holding `fail_on` raises (the GPU
    gone mid-story)."""

    def __init__(self, pause_s: float = 0.3, fail_on: str | None = None) -> None:
        self.capabilities = _capabilities("sentences", RATE)
        self.pause_s = pause_s
        self.fail_on = fail_on
        self.calls: list[str] = []

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return Voice(name="sentences", identity="sentences")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        if self.fail_on is not None and self.fail_on in text:
            raise ModelUnavailableError(details="the test engine fails here")
        self.calls.append(text)
        pause = np.zeros(int(self.pause_s * RATE), dtype=np.float32)
        parts: list[Samples] = []
        for sentence in _SENTENCE_END.split(text.strip()):
            seed = zlib.crc32(sentence.encode())
            parts += [speech_like(max(len(sentence) / 15, 0.4), seed=seed), pause]
        return EngineAudio(np.concatenate(parts[:-1]).astype(np.float32), RATE)


def raise_runtime(_: EngineAudio) -> EngineAudio:
    raise RuntimeError("simulated engine crash")


def nan_audio(audio: EngineAudio) -> EngineAudio:
    audio.samples[len(audio.samples) // 2] = np.nan
    return audio


def silent_audio(audio: EngineAudio) -> EngineAudio:
    return EngineAudio(np.zeros_like(audio.samples), audio.sample_rate)


def truncated_audio(audio: EngineAudio) -> EngineAudio:
    return EngineAudio(audio.samples, audio.sample_rate, truncated=True)


def clipped_audio(audio: EngineAudio) -> EngineAudio:
    return EngineAudio(np.clip(audio.samples * 50, -1, 1), audio.sample_rate)


def too_short_audio(audio: EngineAudio) -> EngineAudio:
    return EngineAudio(audio.samples[: len(audio.samples) // 20], audio.sample_rate)


class FaultyEngine(ToneEngine):
    """Applies `faults[chunk][attempt]` to good audio; chunks count in first-seen order."""

    def __init__(self, faults: dict[int, Sequence[Fault]], rate: int = RATE) -> None:
        super().__init__(rate)
        self.capabilities = _capabilities("faulty", rate)
        self.faults = faults
        self._attempts: dict[str, int] = defaultdict(int)
        self._chunk_of_text: dict[str, int] = {}

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        chunk = self._chunk_of_text.setdefault(text, len(self._chunk_of_text))
        attempt = self._attempts[text]
        self._attempts[text] += 1
        audio = super().synthesize(text, voice, params)
        faults = self.faults.get(chunk, ())
        return faults[attempt](audio) if attempt < len(faults) else audio


class PreparedAudioEngine:
    """A GPU stand-in: returns prepared audio after sleeping audio_seconds / speedup.

    Sleeping uses no CPU, like a process waiting on a GPU kernel.
    """

    def __init__(self, audio: Sequence[Samples], rate: int, speedup: float = 20.0) -> None:
        self.capabilities = _capabilities("gpu-stand-in", rate)
        self.audio = list(audio)
        self.rate = rate
        self.speedup = speedup
        self._next = 0

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return Voice(name="prepared", identity="prepared")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        samples = self.audio[self._next % len(self.audio)]
        self._next += 1
        time.sleep(len(samples) / self.rate / self.speedup)
        return EngineAudio(samples.copy(), self.rate)
