"""Content keys of chunk checkpoints: a hash of everything that determines how a chunk sounds.

Two renderings share a key only when they would be made by the same engine (name, version,
variant and sampling defaults), in the same voice (a content hash of its conditionals or
reference recording, never a name alone), from the same spoken text, in the same language,
with the same sampling parameters and seed, after the same text preparation. Where a
checkpoint is stored under its digest is `worker/bucket.py`'s (`checkpoint_key`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from worker.engines.base import EngineCapabilities, SynthesisParams, Voice

KEY_VERSION = 1
"""Bump when what a checkpoint holds changes: every earlier checkpoint then goes unused."""
_DIGEST_CHARS = 32


@dataclass(frozen=True)
class RenderIdentity:
    """What, besides its text, a chunk's sound depends on."""

    engine: str
    engine_version: str
    engine_fingerprint: str
    voice: str
    language: str
    exaggeration: float | None
    cfg_weight: float | None
    temperature: float | None
    seed: int | None
    text_preparation: str

    @classmethod
    def of(
        cls,
        capabilities: EngineCapabilities,
        voice: Voice,
        params: SynthesisParams,
        text_preparation: str,
    ) -> RenderIdentity | None:
        """None when the voice's content is unknown: nothing can then be safely reused."""
        if not voice.identity:
            return None
        return cls(
            engine=capabilities.name,
            engine_version=capabilities.version,
            engine_fingerprint=capabilities.fingerprint,
            voice=voice.identity,
            language=params.language.strip().lower(),
            exaggeration=params.exaggeration,
            cfg_weight=params.cfg_weight,
            temperature=params.temperature,
            seed=params.seed,
            text_preparation=text_preparation,
        )

    def digest(self, speech: str) -> str:
        """The content key of `speech` rendered this way."""
        content = json.dumps([KEY_VERSION, asdict(self), speech], sort_keys=True)
        return hashlib.sha256(content.encode()).hexdigest()[:_DIGEST_CHARS]
