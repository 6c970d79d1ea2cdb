"""The one interface every TTS engine implements.

An engine is loaded once per process, declares what it can do, turns a voice source into a
ready voice, and synthesizes one chunk of text at a time into mono float32 samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.float32]


@dataclass(frozen=True)
class EngineCapabilities:
    name: str
    version: str
    sample_rate: int
    max_chunk_chars: int
    languages: frozenset[str]
    voice_cloning: bool
    fingerprint: str = ""
    """What else shapes the engine's sound (the weights' content, the revision they came from,
    the voice config, the sampling defaults, limits on reference audio, the adapter's
    generation version): chunk checkpoints made under another fingerprint are not reused."""


@dataclass(frozen=True)
class SynthesisParams:
    """Per-job knobs. Engines ignore the ones they do not have."""

    language: str = "en"
    exaggeration: float | None = None
    cfg_weight: float | None = None
    temperature: float | None = None
    seed: int | None = None
    attempt: int = 0
    """0 for the first try of a chunk; engines vary their sampling on later attempts."""

    def for_attempt(self, attempt: int) -> SynthesisParams:
        return replace(self, attempt=attempt)


@dataclass(frozen=True)
class VoiceSource:
    """Where a job's voice comes from; at most one of the payload fields is set."""

    voice_id: str | None = None
    user_id: str | None = None
    profile_bytes: bytes | None = field(default=None, repr=False)
    reference_audio: bytes | None = field(default=None, repr=False)
    storage_key: str | None = None


@dataclass(frozen=True)
class Voice:
    """A voice ready for `synthesize`; `data` is engine-specific (e.g. Chatterbox conditionals)."""

    name: str
    data: Any = field(default=None, repr=False, compare=False)
    identity: str | None = None
    """A content hash of what the voice is made of (its profile or reference recording);
    None when unknown, and then no chunk in this voice is checkpointed or reused."""


@dataclass
class EngineAudio:
    samples: Samples
    sample_rate: int
    truncated: bool = False
    """True when the engine hit its own length cap, so the audio may stop mid-sentence."""


class VoiceStore(Protocol):
    """Where engines that clone voices read stored profiles and reference recordings."""

    def get_bytes(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""
        ...


@runtime_checkable
class Engine(Protocol):
    capabilities: EngineCapabilities

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        """Resolve a voice source before any synthesis; raises VoiceProfile* errors."""
        ...

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio: ...
