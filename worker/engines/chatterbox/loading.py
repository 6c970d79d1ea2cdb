"""What `ChatterboxEngine` loads, and the fingerprint of how it will sound.

The device (CUDA, or the CPU asked for by name), the variant's weights from
`CHATTERBOX_MODEL_DIR` (with spacy-pkuseg's model for the multilingual tokenizer), the
languages the loaded model reads, and `sound_fingerprint`: everything beyond the release and
variant that decides how a chunk sounds, so that checkpoints of another model go unused.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import ModuleType
from typing import Any

from shared.errors import ModelUnavailableError
from worker.engines.chatterbox.config import (
    PKUSEG_MODEL,
    PKUSEG_MODEL_MARKER,
    VARIANTS,
    ChatterboxSettings,
    pkuseg_home,
)
from worker.engines.chatterbox.runtime import Runtime, gpu_at_fault

logger = logging.getLogger(__name__)

GENERATION_VERSION = 1
"""Bump when this adapter's generation path changes how a chunk sounds (how texts are split or
joined, how attempts sample, the token cap's handling): every earlier checkpoint then goes
unused."""
_WEIGHT_SUFFIXES = (".safetensors", ".pt", ".json", ".model", ".txt")
_HUB_METADATA = Path(".cache") / "huggingface" / "download"
"""Where `snapshot_download(local_dir=...)` records each file's commit and ETag (its sha256
for weights): the weights' content, known without hashing gigabytes at every start."""


def package_version() -> str:
    try:
        return version("chatterbox-tts")
    except PackageNotFoundError:
        return "unknown"


def pick_device(settings: ChatterboxSettings, runtime: Runtime) -> str:
    """CUDA, unless the CPU is asked for by name: Chatterbox on a CPU is far slower than
    real time, so a worker without a GPU must fail fast rather than run out the clock."""
    wanted = settings.device
    if wanted == "cpu":
        logger.warning("CHATTERBOX_DEVICE=cpu: far slower than real time (development only)")
        return "cpu"
    if runtime.cuda_available():
        return "cuda"
    raise ModelUnavailableError(
        details=f"CHATTERBOX_DEVICE={wanted} but no CUDA device is visible "
        "(CHATTERBOX_DEVICE=cpu runs on the CPU, for development only)"
    )


def load_model(model_cls: Any, settings: ChatterboxSettings, device: str) -> Any:
    """The variant's model from its weights, or `model_unavailable` naming what is missing."""
    model_dir = settings.model_dir
    spec = VARIANTS[settings.variant]
    missing = [name for name in spec.required_files if not (model_dir / name).is_file()]
    if missing:
        logger.error("chatterbox weights missing", extra={"model_dir": str(model_dir)})
        raise ModelUnavailableError(
            details=f"Chatterbox {settings.variant} weights are missing from "
            f"CHATTERBOX_MODEL_DIR: {', '.join(missing)}"
        )
    home = pkuseg_home()
    baked = (home / PKUSEG_MODEL_MARKER).is_file() and (home / PKUSEG_MODEL).is_dir()
    if settings.variant == "multilingual" and not baked:
        raise ModelUnavailableError(
            details="spacy-pkuseg's model is not in PKUSEG_HOME: without it the "
            "multilingual tokenizer downloads it on load (the image fetches it at build time)"
        )
    try:
        return model_cls.from_local(model_dir, device)
    except Exception as exc:
        logger.exception("chatterbox failed to load")
        raise ModelUnavailableError(
            details=f"Chatterbox {settings.variant} failed to load: {type(exc).__name__}",
            refresh_worker=gpu_at_fault(exc),
        ) from exc


def supported_languages(
    settings: ChatterboxSettings, module: ModuleType, model: Any
) -> frozenset[str]:
    """English for the English variants; the release's list for the multilingual one, less
    Chinese when its Cangjie table is missing from the model directory."""
    if settings.variant != "multilingual":
        return frozenset({"en"})
    languages = set(module.SUPPORTED_LANGUAGES)
    converter = getattr(model.tokenizer, "cangjie_converter", None)
    if converter is not None and not getattr(converter, "word2cj", None):
        logger.warning("Cangjie5_TC.json is not in the model directory: Chinese is disabled")
        languages.discard("zh")
    return frozenset(languages)


def sound_fingerprint(settings: ChatterboxSettings) -> str:
    """Everything, beyond the release and variant, that decides how a chunk sounds: the
    weights (name, size, and the Hub's commit and content hash where the download recorded
    them), the revision they were fetched at, the reference-length cap (a cloned voice's
    conditionals come from the capped recording), the sampling defaults, and this adapter's
    generation version."""
    files = sorted(
        (path.name, path.stat().st_size, _hub_record(settings.model_dir, path.name))
        for path in settings.model_dir.glob("*")
        if path.is_file() and path.suffix in _WEIGHT_SUFFIXES
    )
    sound = settings.model_dump(
        mode="json",
        include={
            "model_revision",
            "max_reference_seconds",
            "exaggeration",
            "cfg_weight",
            "temperature",
            "max_speech_tokens",
            "bf16",
        },
    )
    content = json.dumps([GENERATION_VERSION, files, sound], sort_keys=True)
    return hashlib.sha256(content.encode()).hexdigest()[:16]


def _hub_record(model_dir: Path, name: str) -> list[str]:
    """The commit and ETag the Hub download wrote for `name`; none for weights put there by
    hand (their name and size are then all that is known)."""
    try:
        lines = (model_dir / _HUB_METADATA / f"{name}.metadata").read_text().splitlines()
    except OSError:
        return []
    return [line.strip() for line in lines[:2]]
