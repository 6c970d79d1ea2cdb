"""GPU smoke test: load Chatterbox from CHATTERBOX_MODEL_DIR, narrate a paragraph, print the
real-time factor.

    python scripts/gpu_smoke.py                       # built-in voice, settings from the env
    python scripts/gpu_smoke.py --reference me.wav    # clone a voice first
    python scripts/gpu_smoke.py --bf16 --out /tmp/smoke.wav

Needs the real weights and a CUDA GPU (inside the worker image both are there); it is not part
of the test suite. Prints one JSON object; exits 1 when the engine is slower than real time.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shared.errors import ModelUnavailableError  # noqa: E402
from worker.config import SynthesisSettings  # noqa: E402
from worker.engines.base import SynthesisParams, VoiceSource  # noqa: E402
from worker.engines.chatterbox import ChatterboxEngine  # noqa: E402
from worker.engines.chatterbox.config import ChatterboxSettings  # noqa: E402
from worker.synthesis.synthesizer import StorySynthesizer  # noqa: E402

PARAGRAPH = (
    "The lighthouse keeper's daughter climbed the spiral stairs every evening, counting each "
    "of the one hundred and twelve steps out loud. At the top she wiped the great lens until it "
    "shone, then lit the lamp and watched its beam sweep across the dark water. Far out at sea, "
    "a small fishing boat turned toward the light, and she smiled, because she knew that "
    "somewhere on board, her father was finally coming home."
)


def main() -> int:
    parser = argparse.ArgumentParser(description="Narrate a paragraph; print the RTF.")
    parser.add_argument("--reference", type=Path, help="a recording to clone (WAV/FLAC/MP3)")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast for the T3 model")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="keep the narration here (.wav)")
    parser.add_argument("--allow-cpu", action="store_true", help="run even without CUDA")
    args = parser.parse_args()

    cpu = args.allow_cpu and _gpu_name() is None  # CHATTERBOX_DEVICE=auto never picks the CPU
    overrides = {"bf16": True} if args.bf16 else {}
    settings = ChatterboxSettings(**overrides, **({"device": "cpu"} if cpu else {}))
    load_started = time.perf_counter()
    try:
        engine = ChatterboxEngine(settings)
    except ModelUnavailableError as exc:
        print(f"error: {exc.details}")  # no CUDA: --allow-cpu measures the CPU instead
        return 2
    load_s = time.perf_counter() - load_started

    voice_started = time.perf_counter()
    source = VoiceSource(reference_audio=args.reference.read_bytes()) if args.reference else None
    voice = engine.prepare_voice(source)
    voice_s = time.perf_counter() - voice_started

    with tempfile.TemporaryDirectory() as tmp:
        result = StorySynthesizer(engine, SynthesisSettings()).synthesize(
            PARAGRAPH, Path(tmp), voice=voice, params=SynthesisParams(seed=args.seed), fmt="wav"
        )
        if args.out:
            shutil.copyfile(result.path, args.out)
    report = {
        "device": engine.device,
        "gpu": _gpu_name(),
        "variant": settings.variant,
        "bf16": settings.bf16,
        "load_s": round(load_s, 2),
        "voice_s": round(voice_s, 3),
        "audio_s": round(result.duration_seconds, 2),
        "engine_s": round(result.timings.engine_s, 2),
        "total_s": round(result.timings.total_s, 2),
        "engine_real_time_factor": round(result.engine_real_time_factor, 4),
        "real_time_factor": round(result.real_time_factor, 4),
        "chunks": result.chunk_count,
        "retries": result.retries,
        "peak_gpu_memory_gb": _peak_memory_gb(),
    }
    print(json.dumps(report, indent=2))
    return 0 if result.real_time_factor < 1 else 1


def _gpu_name() -> str | None:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def _peak_memory_gb() -> float | None:
    import torch

    if not torch.cuda.is_available():
        return None
    return round(torch.cuda.max_memory_allocated() / 1e9, 2)


if __name__ == "__main__":
    raise SystemExit(main())
