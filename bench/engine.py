"""Chatterbox's cost on any machine, with no weights: per-token figures and the real-time factor.

Builds (or reuses) a random-weight model directory with `tools.random_chatterbox`, loads the
variant through the worker's adapter, offline, and generates with a forced length (random
weights never stop): `--tokens` speech tokens per call (turbo samples one more, before its
loop). It times the T3 token model and
the S3Gen decoder separately and prints one JSON object:

- `t3_tokens_per_s`, `s3gen_s_per_audio_s`, `peak_gpu_mib` per mode;
- `engine_rtf`: engine seconds per audio second at 25 speech tokens per audio second
  (`25 / t3_tokens_per_s + s3gen_s_per_audio_s`), and `sample_engine_s`, that times the
  sample story's audio at a narration pace of 15 characters per second;
- modes, all under `torch.inference_mode` as the adapter runs: the attention kernel, `sdpa` or
  `eager` (`sdpa_calls` counts what really ran), each in fp32 and, on CUDA, with the adapter's
  `CHATTERBOX_BF16` autocast. 0.1.7 asks for attention weights on every step, and the
  multilingual alignment analyzer switches its model to eager attention for good to get them
  (resemble-ai/chatterbox#525), so multilingual is measured with `eager` only.
  `first_logits_max_abs_diff` compares each mode's first-step logits with the first mode's at
  the same seed: the tolerance check before adopting a mode.

    .venv-chatterbox/bin/python -m bench.engine --variant english --tokens 200   # on a GPU
    .venv-chatterbox/bin/python -m bench.engine --tokens 3 --repeats 1           # CPU smoke
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tools.random_chatterbox import VARIANTS, ensure, forced_length, offline_env

if TYPE_CHECKING:  # annotations only: `load` imports the worker once the offline env is set
    from worker.engines.chatterbox.config import Variant

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "story.txt"
TOKENS_PER_AUDIO_SECOND = 25
CHARS_PER_AUDIO_SECOND = 15.0
LINE = "The fox ran into the dark wood at night, and the owl watched it from a tall pine."


@dataclass
class Timers:
    t3_s: float = 0.0
    s3gen_s: float = 0.0
    tokens: int = 0
    first_logits: Any = None
    sync: Callable[[], None] = field(default=lambda: None)


@dataclass(frozen=True)
class Mode:
    name: str
    bf16: bool = False
    attention: str = "sdpa"


def modes(variant: str, cuda: bool) -> list[Mode]:
    """The multilingual analyzer reads attention weights, which only eager attention gives."""
    kernels = ["eager"] if variant == "multilingual" else ["sdpa", "eager"]
    found = [Mode(kernel, attention=kernel) for kernel in kernels]
    if cuda:
        found += [Mode(f"bf16+{kernel}", bf16=True, attention=kernel) for kernel in kernels]
    return found


def load(
    variant: Variant, model_dir: Path, device: Literal["cuda", "cpu"], tokens: int, bf16: bool
) -> Any:
    from worker.engines.chatterbox import ChatterboxEngine
    from worker.engines.chatterbox.config import ChatterboxSettings

    settings = ChatterboxSettings(
        variant=variant,
        model_dir=model_dir,
        device=device,
        warmup=False,
        max_speech_tokens=tokens,
        bf16=bf16,
    )
    return ChatterboxEngine(settings)


@contextlib.contextmanager
def attention(t3: Any, kernel: str) -> Iterator[dict[str, int]]:
    """Runs the backbone with `kernel` and counts the calls that reached SDPA."""
    from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

    config, sdpa = t3.tfmr.config, ALL_ATTENTION_FUNCTIONS["sdpa"]
    implementation, calls = config._attn_implementation, {"sdpa_calls": 0}

    def counting_sdpa(*args: Any, **kwargs: Any) -> Any:
        calls["sdpa_calls"] += 1
        return sdpa(*args, **kwargs)

    config._attn_implementation, ALL_ATTENTION_FUNCTIONS["sdpa"] = kernel, counting_sdpa
    try:
        yield calls
    finally:
        config._attn_implementation, ALL_ATTENTION_FUNCTIONS["sdpa"] = implementation, sdpa


@contextlib.contextmanager
def timed(engine: Any, timers: Timers) -> Iterator[None]:
    """Times T3 and S3Gen inside the adapter's calls and keeps the first step's logits."""
    t3, s3gen = engine._model.t3, engine._model.s3gen
    name = "inference_turbo" if engine.settings.variant == "turbo" else "inference"
    inner_t3, inner_s3gen = getattr(t3, name), s3gen.inference

    def clocked(fn: Callable[..., Any], stage: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            timers.sync()
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            timers.sync()
            setattr(timers, stage, getattr(timers, stage) + time.perf_counter() - start)
            return out

        return call

    def counting_tokens(*args: Any, **kwargs: Any) -> Any:
        tokens = inner_t3(*args, **kwargs)
        timers.tokens += int(tokens.shape[-1])
        return tokens

    def first_logits(_module: Any, _inputs: Any, logits: Any) -> None:
        if timers.first_logits is None:
            timers.first_logits = logits[0, -1].float().cpu()

    setattr(t3, name, clocked(counting_tokens, "t3_s"))
    s3gen.inference = clocked(inner_s3gen, "s3gen_s")
    handle = t3.speech_head.register_forward_hook(first_logits)
    try:
        yield
    finally:
        handle.remove()
        setattr(t3, name, inner_t3)
        del s3gen.inference


def measure(engine: Any, mode: Mode, repeats: int, cuda: bool) -> tuple[dict[str, Any], Any]:
    import torch

    from worker.engines.base import SynthesisParams

    model = engine._model
    voice = engine.prepare_voice(None)
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    audio_s = 0.0
    with attention(model.t3, mode.attention) as kernels, forced_length(model.t3, None):
        engine.synthesize(LINE, voice, SynthesisParams(seed=0))  # warm-up, not counted
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        timers = Timers(sync=sync)
        kernels["sdpa_calls"] = 0
        with timed(engine, timers):
            for _ in range(repeats):
                audio = engine.synthesize(LINE, voice, SynthesisParams(seed=0))
                audio_s += audio.samples.size / audio.sample_rate
    tokens_per_s = timers.tokens / timers.t3_s
    s3gen_per_audio_s = timers.s3gen_s / audio_s
    rtf = TOKENS_PER_AUDIO_SECOND / tokens_per_s + s3gen_per_audio_s
    sample_audio_s = len(SAMPLE.read_text(encoding="utf-8")) / CHARS_PER_AUDIO_SECOND
    figures = {
        "t3_tokens_per_s": round(tokens_per_s, 3),
        "s3gen_s_per_audio_s": round(s3gen_per_audio_s, 4),
        "engine_rtf": round(rtf, 4),
        "sample_engine_s": round(rtf * sample_audio_s, 1),
        "calls": repeats,
        "tokens_per_call": timers.tokens // repeats,
        "peak_gpu_mib": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
        "sdpa_calls": kernels["sdpa_calls"],
    }
    return figures, timers.first_logits


def run(
    variant: Variant, tokens: int, repeats: int, device: str, model_dir: Path | None
) -> dict[str, Any]:
    import torch

    cuda = device != "cpu" and torch.cuda.is_available()
    model_dir = model_dir or ensure(variant)
    os.environ.update(offline_env(model_dir))
    report: dict[str, Any] = {
        "variant": variant,
        "device": torch.cuda.get_device_name() if cuda else "cpu",
        "torch": torch.__version__,
        "tokens_forced": tokens,
        "sample_chars": len(SAMPLE.read_text(encoding="utf-8")),
        "modes": {},
    }
    reference = None
    engines: dict[bool, Any] = {}
    for mode in modes(variant, cuda):
        if mode.bf16 not in engines:
            engines.clear()
            gc.collect()
            started = time.perf_counter()
            engines[mode.bf16] = load(
                variant, model_dir, "cuda" if cuda else "cpu", tokens, mode.bf16
            )
            report.setdefault("load_s", round(time.perf_counter() - started, 1))
        torch.manual_seed(0)
        figures, logits = measure(engines[mode.bf16], mode, repeats, cuda)
        if reference is None:
            reference = logits
        figures["first_logits_max_abs_diff"] = float((logits - reference).abs().max())
        report["modes"][mode.name] = figures
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engine", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--variant", choices=VARIANTS, default="english")
    parser.add_argument("--tokens", type=int, default=200, help="speech tokens per call (forced)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", choices=["auto", "cpu"], default="auto")
    parser.add_argument("--model-dir", type=Path, default=None, help="default: built and cached")
    args = parser.parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):  # the release prints; stdout is the report
        report = run(args.variant, args.tokens, args.repeats, args.device, args.model_dir)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
