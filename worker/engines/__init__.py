"""Engine selection: `TTS_ENGINE=auto|piper|chatterbox`."""

from __future__ import annotations

import importlib
import importlib.util
import logging

from shared.errors import ModelUnavailableError
from shared.types import EngineName
from worker.engines.base import (
    Engine,
    EngineAudio,
    EngineCapabilities,
    SynthesisParams,
    Voice,
    VoiceSource,
    VoiceStore,
)

__all__ = [
    "Engine",
    "EngineAudio",
    "EngineCapabilities",
    "SynthesisParams",
    "Voice",
    "VoiceSource",
    "load_engine",
    "resolve_engine_name",
]

logger = logging.getLogger(__name__)

_ENGINES = {
    "piper": ("worker.engines.piper", "PiperEngine"),
    "chatterbox": ("worker.engines.chatterbox", "ChatterboxEngine"),
}


def _cuda_available() -> bool:
    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def resolve_engine_name(name: EngineName) -> str:
    """`auto` is Chatterbox when its package and a CUDA device are present, else Piper."""
    if name != "auto":
        return name
    if importlib.util.find_spec("chatterbox") is not None and _cuda_available():
        return "chatterbox"
    return "piper"


def load_engine(name: EngineName, voice_store: VoiceStore | None = None) -> Engine:
    """Load an engine once per process; failures become `model_unavailable`.

    `voice_store` is where engines that clone voices read stored profiles and reference audio.
    """
    resolved = resolve_engine_name(name)
    if resolved not in _ENGINES:
        raise ModelUnavailableError(details=f"unknown TTS engine {name!r}")
    module_name, class_name = _ENGINES[resolved]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelUnavailableError(
            details=f"the {resolved} engine is not installed in this image ({exc.name})"
        ) from exc
    engine: Engine = getattr(module, class_name)(voice_store=voice_store)
    logger.info(
        "engine loaded",
        extra={"engine": engine.capabilities.name, "engine_version": engine.capabilities.version},
    )
    return engine
