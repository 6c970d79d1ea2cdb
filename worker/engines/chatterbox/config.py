"""Chatterbox settings (`CHATTERBOX_*`) and the weights each variant loads.

`python worker/engines/chatterbox/config.py fetch` downloads the configured variant's weights
into `CHATTERBOX_MODEL_DIR`; Dockerfile.worker runs it at build time so that the image starts
with `HF_HUB_OFFLINE=1` and never reaches the Hub.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

logger = logging.getLogger(__name__)

Variant = Literal["english", "multilingual", "turbo"]


@dataclass(frozen=True)
class VariantSpec:
    module: str
    class_name: str
    repo_id: str
    required_files: tuple[str, ...]
    """The files the release's `from_local` opens; checked before loading."""
    allow_patterns: tuple[str, ...]


VARIANTS: dict[str, VariantSpec] = {
    "english": VariantSpec(
        module="chatterbox.tts",
        class_name="ChatterboxTTS",
        repo_id="ResembleAI/chatterbox",
        required_files=(
            "ve.safetensors",
            "t3_cfg.safetensors",
            "s3gen.safetensors",
            "tokenizer.json",
        ),
        allow_patterns=(
            "ve.safetensors",
            "t3_cfg.safetensors",
            "s3gen.safetensors",
            "tokenizer.json",
            "conds.pt",
        ),
    ),
    "multilingual": VariantSpec(
        module="chatterbox.mtl_tts",
        class_name="ChatterboxMultilingualTTS",
        repo_id="ResembleAI/chatterbox",
        required_files=(
            "ve.pt",
            "t3_mtl23ls_v2.safetensors",
            "s3gen.pt",
            "grapheme_mtl_merged_expanded_v1.json",
        ),
        allow_patterns=(
            "ve.pt",
            "t3_mtl23ls_v2.safetensors",
            "s3gen.pt",
            "grapheme_mtl_merged_expanded_v1.json",
            "conds.pt",
            "Cangjie5_TC.json",
        ),
    ),
    "turbo": VariantSpec(
        module="chatterbox.tts_turbo",
        class_name="ChatterboxTurboTTS",
        repo_id="ResembleAI/chatterbox-turbo",
        required_files=("ve.safetensors", "t3_turbo_v1.safetensors", "s3gen_meanflow.safetensors"),
        allow_patterns=("*.safetensors", "*.json", "*.txt", "*.pt", "*.model"),
    ),
}

CANGJIE_FILE = "Cangjie5_TC.json"
PKUSEG_MODEL = "spacy_ontonotes"
PKUSEG_MODEL_MARKER = f"{PKUSEG_MODEL}.zip"
"""spacy-pkuseg downloads its model on first use unless this file is in `PKUSEG_HOME`, and the
multilingual tokenizer builds a segmenter for every language: offline, the load fails."""


def pkuseg_home() -> Path:
    """Where spacy-pkuseg keeps its model (its own `PKUSEG_HOME`, else `~/.pkuseg`)."""
    return Path(os.environ.get("PKUSEG_HOME", "~/.pkuseg")).expanduser()


class ChatterboxSettings(BaseSettings):
    """How the Chatterbox engine loads and samples; see docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="CHATTERBOX_", extra="ignore", frozen=True)

    variant: Variant = "english"
    model_dir: Path = Path("/opt/chatterbox")
    model_revision: str = "main"
    device: Literal["auto", "cuda", "cpu"] = "auto"
    warmup: bool = True
    max_chunk_chars: int = Field(300, ge=40, le=400)
    exaggeration: float = Field(0.5, ge=0.0, le=2.0)
    cfg_weight: float = Field(0.5, ge=0.0, le=1.0)
    temperature: float = Field(0.8, gt=0.0, le=5.0)
    max_speech_tokens: int = Field(1000, ge=1, le=1000)
    """The speech-token cap of one generation; the release's 1,000 unless lowered (tests and
    benchmarks on random weights, which never emit the stop token)."""
    bf16: bool = False
    """Run the T3 token model under bfloat16 autocast (CUDA only; measure quality first)."""
    voice_cache_size: int = Field(16, ge=1, le=512)
    max_profile_bytes: int = Field(8 * 1024 * 1024, ge=1024)
    max_reference_bytes: int = Field(32 * 1024 * 1024, ge=1024)
    min_reference_seconds: float = Field(5.0, gt=0.0)
    max_reference_seconds: float = Field(30.0, gt=0.0)


def fetch_weights(settings: ChatterboxSettings) -> Path:
    """Download the variant's weights into `settings.model_dir` (build time only)."""
    from huggingface_hub import hf_hub_download, snapshot_download

    spec = VARIANTS[settings.variant]
    target = settings.model_dir
    target.mkdir(parents=True, exist_ok=True)
    snapshot_download(
        repo_id=spec.repo_id,
        revision=settings.model_revision,
        allow_patterns=list(spec.allow_patterns),
        local_dir=target,
    )
    if settings.variant == "multilingual":
        # The release's Chinese tokenizer asks the Hub cache inside the model directory for
        # this file at run time, so it must be there in cache layout too.
        hf_hub_download(repo_id=spec.repo_id, filename=CANGJIE_FILE, cache_dir=target)
        _warm_pkuseg()
    missing = [name for name in spec.required_files if not (target / name).is_file()]
    if missing:
        raise RuntimeError(f"download finished without {', '.join(missing)}")
    return target


def _warm_pkuseg() -> None:
    """spacy-pkuseg downloads its default model on first use; do that at build time."""
    from spacy_pkuseg import pkuseg

    pkuseg()


def main(argv: list[str]) -> int:
    if argv != ["fetch"]:
        print("usage: python worker/engines/chatterbox/config.py fetch", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO)
    settings = ChatterboxSettings()
    path = fetch_weights(settings)
    print(f"chatterbox {settings.variant} weights in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
