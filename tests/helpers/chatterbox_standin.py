"""A stand-in for chatterbox-tts 0.1.7, in plain Python and numpy.

Every method the adapter calls has exactly the signature of the pinned release
(tests/worker/engines/chatterbox/test_release_api.py compares them with the wheel's source).
The control flow of `generate` follows the release: conditionals, `punc_norm`, tokenizer,
`t3.inference` with `max_new_tokens=1000` (or `t3.inference_turbo`), then one 24 kHz waveform
per call. Tensors are numpy arrays. The known faults of 0.1.7 are reproduced: the token cap,
the multilingual attention hooks that pile up across calls (#504), the crash on five text
tokens or fewer (#548), the english crash with `cfg_weight=0` and the conditionals that
`generate` changes in place. `Faults` injects CUDA errors.
"""

from __future__ import annotations

import io
import json
import types
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

S3GEN_SR = 24_000
SAMPLES_PER_TOKEN = S3GEN_SR // 25
SPEECH_TOKENS_PER_CHAR = 1.8
SUPPORTED_LANGUAGES = {
    "ar": "Arabic", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "ms": "Malay", "nl": "Dutch",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "sv": "Swedish",
    "sw": "Swahili", "tr": "Turkish", "zh": "Chinese",
}  # fmt: skip
ALIGNED_LAYERS = (12, 13, 9)
TWO_SENTENCES = "The fox ran into the dark wood at night. The owl watched it from a tall pine."


class OutOfMemoryError(RuntimeError):
    """Stands for torch.cuda.OutOfMemoryError (the adapter matches it by class name)."""


def cuda_oom() -> OutOfMemoryError:
    return OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def device_assert() -> RuntimeError:
    return RuntimeError("CUDA error: device-side assert triggered")


class Runtime:
    """The numpy runtime: a seeded generator, counters for what the adapter asked."""

    def __init__(self, cuda: bool = True) -> None:
        self.cuda = cuda
        self.rng = np.random.default_rng(12345)
        self.seeds: list[int] = []
        self.empty_cache_calls = 0
        self.inference_depth = 0
        self.autocast_calls = 0

    def cuda_available(self) -> bool:
        return self.cuda

    def inference_mode(self) -> Any:
        runtime = self

        class _Mode:
            def __enter__(self) -> None:
                runtime.inference_depth += 1

            def __exit__(self, *exc: object) -> None:
                runtime.inference_depth -= 1

        return _Mode()

    def autocast_bf16(self) -> Any:
        self.autocast_calls += 1
        return self.inference_mode()

    def manual_seed(self, seed: int) -> None:
        self.seeds.append(seed)
        self.rng = np.random.default_rng(seed)

    def empty_cache(self) -> None:
        self.empty_cache_calls += 1

    def to_numpy(self, tensor: Any) -> np.ndarray:
        return np.asarray(tensor)


RUNTIME = Runtime()
"""The runtime the stand-in model samples from; tests install a fresh one per test."""


@dataclass
class Faults:
    """What the next `generate` calls do wrong; `when(text)` picks the calls."""

    oom_when: Callable[[str], bool] = lambda text: False
    device_error_when: Callable[[str], bool] = lambda text: False
    babble_when: Callable[[str], bool] = lambda text: False
    """Never emit the stop token, so generation runs into the 1,000-token cap."""
    crash_when: Callable[[str], bool] = lambda text: False
    babbling: bool = False
    texts: list[str] = field(default_factory=list)
    inference_depths: list[int] = field(default_factory=list)


def punc_norm(text: str) -> str:
    if len(text) == 0:
        return "You need to add some text for me to talk."
    text = " ".join(text.split())
    if text[0].islower():
        text = text[0].upper() + text[1:]
    if not text.endswith((".", "!", "?", "-", ",", "、", "，", "。", "？", "！")):
        text += "."
    return text


@dataclass
class T3Cond:
    speaker_emb: Any
    clap_emb: Any = None
    cond_prompt_speech_tokens: Any = None
    cond_prompt_speech_emb: Any = None
    emotion_adv: Any = 0.5

    def to(self, *, device=None, dtype=None):
        return self


@dataclass
class Conditionals:
    t3: T3Cond
    gen: dict

    def to(self, device):
        return self

    def save(self, fpath: Path):
        arrays = {f"t3.{k}": v for k, v in self.t3.__dict__.items() if v is not None}
        arrays.update({f"gen.{k}": v for k, v in self.gen.items() if v is not None})
        nones = [k for k, v in [*self.t3.__dict__.items(), *self.gen.items()] if v is None]
        arrays["__nones__"] = np.frombuffer(json.dumps(nones).encode(), dtype=np.uint8)
        np.savez(fpath, **arrays)

    @classmethod
    def load(cls, fpath, map_location="cpu"):
        with np.load(fpath, allow_pickle=False) as data:
            kwargs: dict[str, dict[str, Any]] = {"t3": {}, "gen": {}}
            for name in data.files:
                if name != "__nones__":
                    part, key = name.split(".", 1)
                    kwargs[part][key] = data[name]
            for key in json.loads(data["__nones__"].tobytes()):
                kwargs["gen" if key.startswith("prompt_") else "t3"][key] = None
        return cls(T3Cond(**kwargs["t3"]), kwargs["gen"])


class T3Config:
    def __init__(self, text_tokens_dict_size=704):
        self.start_text_token = 255
        self.stop_text_token = 0
        self.text_tokens_dict_size = text_tokens_dict_size
        self.start_speech_token = 6561
        self.stop_speech_token = 6562
        self.speech_cond_prompt_len = 150
        self.speaker_embed_size = 256

    @property
    def is_multilingual(self):
        return self.text_tokens_dict_size == 2454


class _Handle:
    def __init__(self, hooks: OrderedDict[int, Any], key: int) -> None:
        self.hooks, self.key = hooks, key

    def remove(self) -> None:
        self.hooks.pop(self.key, None)


class Attention:
    _next_id = 0

    def __init__(self) -> None:
        self._forward_hooks: OrderedDict[int, Any] = OrderedDict()
        self._forward_hooks_with_kwargs: OrderedDict[int, bool] = OrderedDict()

    def register_forward_hook(self, hook: Any) -> _Handle:
        Attention._next_id += 1
        self._forward_hooks[Attention._next_id] = hook
        return _Handle(self._forward_hooks, Attention._next_id)


class Transformer:
    def __init__(self, n_layers: int = 30) -> None:
        self.layers = [types.SimpleNamespace(self_attn=Attention()) for _ in range(n_layers)]
        self._output_capturing_hooks_installed = False

    def install_output_capturing_hooks(self) -> None:
        """transformers 5.2 hooks every attention layer on the first forward, once."""
        if self._output_capturing_hooks_installed:
            return
        for layer in self.layers:
            layer.self_attn.register_forward_hook(_output_capturing_hook)
        self._output_capturing_hooks_installed = True


def _output_capturing_hook(module, args, output) -> None:
    return None


class AlignmentStreamAnalyzer:
    """Registers its attention spies as 0.1.7 does, dropping the handles (#504)."""

    def __init__(self, tfmr: Transformer) -> None:
        for layer_idx in ALIGNED_LAYERS:
            self._add_attention_spy(tfmr, layer_idx)

    def _add_attention_spy(self, tfmr: Transformer, layer_idx: int) -> None:
        def attention_forward_hook(module, input, output) -> None:
            return None

        tfmr.layers[layer_idx].self_attn.register_forward_hook(attention_forward_hook)


class T3:
    def __init__(self, hp=None):
        self.hp = hp or T3Config()
        self.tfmr = Transformer()
        self.faults = Faults()
        self.calls: list[int] = []

    def inference(
        self,
        *,
        t3_cond: T3Cond,
        text_tokens: Any,
        initial_speech_tokens: Any = None,
        prepend_prompt_speech_tokens: Any = None,
        num_return_sequences=1,
        max_new_tokens=None,
        stop_on_eos=True,
        do_sample=True,
        temperature=0.8,
        top_p=0.95,
        min_p=0.05,
        length_penalty=1.0,
        repetition_penalty=1.2,
        cfg_weight=0.5,
    ):
        rows, n_text = np.asarray(text_tokens).shape
        if rows != 2:  # the start embedding is always doubled for guidance
            raise RuntimeError(
                "Sizes of tensors must match except in dimension 1. "
                f"Expected size {rows} but got size 2 for tensor number 1 in the list."
            )
        if self.hp.is_multilingual:
            if n_text <= 5:  # #548: alignment_repetition reduces over an empty slice
                raise IndexError("max(): Expected reduction dim 1 to have non-zero size.")
            self.tfmr.install_output_capturing_hooks()
            stale = max(len(self.tfmr.layers[i].self_attn._forward_hooks) for i in ALIGNED_LAYERS)
            AlignmentStreamAnalyzer(self.tfmr)
            stale -= 1  # transformers' own hook on each layer
        else:
            stale = 0
        wanted = self._length(n_text, stale)
        self.calls.append(wanted)
        if wanted >= max_new_tokens:
            return np.ones((1, max_new_tokens), dtype=np.int64)
        tokens = np.concatenate([np.ones(wanted, dtype=np.int64), [self.hp.stop_speech_token]])
        return tokens[None, :]

    def inference_turbo(
        self,
        t3_cond,
        text_tokens,
        temperature=0.8,
        top_k=1000,
        top_p=0.95,
        repetition_penalty=1.2,
        max_gen_len=1000,
    ):
        wanted = self._length(np.asarray(text_tokens).shape[-1], 0)
        self.calls.append(wanted)
        return np.ones((1, min(wanted, max_gen_len + 1)), dtype=np.int64)

    def _length(self, n_text: int, stale_hooks: int) -> int:
        if self.faults.babbling:
            return 10_000
        length = int(n_text * SPEECH_TOKENS_PER_CHAR)
        # #504: stale hooks corrupt the alignment and force an early stop.
        return length // 4 if stale_hooks else length


class EnTokenizer:
    def text_to_tokens(self, text: str):
        return np.array([[ord(c) % 700 for c in text]], dtype=np.int32)


class MTLTokenizer:
    def __init__(self, cangjie: bool = True) -> None:
        self.cangjie_converter = types.SimpleNamespace(word2cj={"中": "l"} if cangjie else {})

    def text_to_tokens(
        self,
        text: str,
        language_id: str | None = None,
        lowercase: bool = True,
        nfkd_normalize: bool = True,
    ):
        ids = [ord(c) % 2400 for c in text.lower()]
        if language_id:
            ids.insert(0, 2400 + sorted(SUPPORTED_LANGUAGES).index(language_id))
        return np.array([ids], dtype=np.int32)


def _speech(n_tokens: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n_tokens * SAMPLES_PER_TOKEN) / S3GEN_SR
    pitch = 110 + 40 * rng.random()
    wave = 0.3 * np.sin(2 * np.pi * pitch * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    return wave.astype(np.float32)[None, :]


class _Model:
    """What the three release classes share."""

    tokenizer_cls: type = EnTokenizer
    hp_size = 704
    ENC_COND_LEN = 6 * 16_000
    DEC_COND_LEN = 10 * S3GEN_SR

    def __init__(self, t3, s3gen, ve, tokenizer, device: str, conds: Conditionals | None = None):
        self.sr = S3GEN_SR
        self.t3 = t3
        self.s3gen = s3gen
        self.ve = ve
        self.tokenizer = tokenizer
        self.device = device
        self.conds = conds
        self.faults = t3.faults
        self.prepared = 0

    @classmethod
    def _from_dir(cls, ckpt_dir, device, files: tuple[str, ...]):
        ckpt_dir = Path(ckpt_dir)
        for name in files:
            (ckpt_dir / name).read_bytes()  # FileNotFoundError like the release
        conds = None
        if (builtin := ckpt_dir / "conds.pt").exists():
            conds = Conditionals.load(builtin, map_location=device)
        t3 = T3(T3Config(cls.hp_size))
        return cls(t3, None, None, cls.tokenizer_cls(), device, conds=conds)

    def _prepare(self, wav_fpath, exaggeration: float, prompt_len: int) -> None:
        wav, rate = sf.read(wav_fpath, dtype="float32")
        self.prepared += 1
        spectrum = np.abs(np.fft.rfft(wav[: rate * 2], n=510))[:256]
        speaker = (spectrum / (np.linalg.norm(spectrum) + 1e-9)).astype(np.float32)[None, :]
        n = min(prompt_len, int(len(wav) / rate * 25))
        t3 = T3Cond(
            speaker_emb=speaker,
            cond_prompt_speech_tokens=(np.arange(n, dtype=np.int64) % 6561)[None, :],
            emotion_adv=exaggeration * np.ones((1, 1, 1), dtype=np.float32),
        )
        gen = {
            "prompt_token": np.zeros((1, n), dtype=np.int64),
            "prompt_token_len": np.array([n]),
            "prompt_feat": np.zeros((1, 2 * n, 80), dtype=np.float32),
            "prompt_feat_len": None,
            "embedding": np.ones((1, 192), dtype=np.float32),
        }
        self.conds = Conditionals(t3, gen)

    def _use_conditionals(self) -> None:
        """As the release does: T3 caches the prompt embedding in the conditionals and
        `S3Token2Mel.forward` casts the decoder's prompt tokens to float32 in place."""
        self.conds.t3.cond_prompt_speech_emb = np.ones((1, 1, 1024), dtype=np.float32)
        self.conds.gen["prompt_token"] = self.conds.gen["prompt_token"].astype(np.float32)

    def _wav(self, text: str, speech_tokens: np.ndarray) -> np.ndarray:
        tokens = speech_tokens[0]
        tokens = tokens[tokens != self.t3.hp.stop_speech_token]
        return _speech(len(tokens), RUNTIME.rng)

    def _check_faults(self, text: str) -> None:
        faults = self.faults
        faults.texts.append(text)
        faults.inference_depths.append(RUNTIME.inference_depth)
        faults.babbling = faults.babble_when(text)
        if faults.oom_when(text):
            raise cuda_oom()
        if faults.device_error_when(text):
            raise device_assert()
        if faults.crash_when(text):
            raise RuntimeError("simulated failure inside the model")


class ChatterboxTTS(_Model):
    @classmethod
    def from_local(cls, ckpt_dir, device) -> ChatterboxTTS:
        files = ("ve.safetensors", "t3_cfg.safetensors", "s3gen.safetensors", "tokenizer.json")
        return cls._from_dir(ckpt_dir, device, files)

    def prepare_conditionals(self, wav_fpath, exaggeration=0.5):
        self._prepare(wav_fpath, exaggeration, self.t3.hp.speech_cond_prompt_len)

    def generate(
        self,
        text,
        repetition_penalty=1.2,
        min_p=0.05,
        top_p=1.0,
        audio_prompt_path=None,
        exaggeration=0.5,
        cfg_weight=0.5,
        temperature=0.8,
    ):
        if audio_prompt_path:
            self.prepare_conditionals(audio_prompt_path, exaggeration=exaggeration)
        assert self.conds is not None, "Please `prepare_conditionals` first"
        self._check_faults(text)
        text_tokens = self.tokenizer.text_to_tokens(punc_norm(text))
        if cfg_weight > 0.0:
            text_tokens = np.concatenate([text_tokens, text_tokens])  # Need two seqs for CFG
        self._use_conditionals()
        speech = self.t3.inference(
            t3_cond=self.conds.t3,
            text_tokens=np.pad(text_tokens, ((0, 0), (1, 1))),
            max_new_tokens=1000,
            temperature=temperature,
            cfg_weight=cfg_weight,
            repetition_penalty=repetition_penalty,
            min_p=min_p,
            top_p=top_p,
        )
        return self._wav(text, speech)


class ChatterboxMultilingualTTS(_Model):
    tokenizer_cls = MTLTokenizer
    hp_size = 2454

    @classmethod
    def from_local(cls, ckpt_dir, device) -> ChatterboxMultilingualTTS:
        files = (
            "ve.pt",
            "t3_mtl23ls_v2.safetensors",
            "s3gen.pt",
            "grapheme_mtl_merged_expanded_v1.json",
        )
        return cls._from_dir(ckpt_dir, device, files)

    def prepare_conditionals(self, wav_fpath, exaggeration=0.5):
        self._prepare(wav_fpath, exaggeration, self.t3.hp.speech_cond_prompt_len)

    def generate(
        self,
        text,
        language_id,
        audio_prompt_path=None,
        exaggeration=0.5,
        cfg_weight=0.5,
        temperature=0.8,
        repetition_penalty=2.0,
        min_p=0.05,
        top_p=1.0,
    ):
        if language_id and language_id.lower() not in SUPPORTED_LANGUAGES:
            raise ValueError(f"Unsupported language_id '{language_id}'.")
        assert self.conds is not None, "Please `prepare_conditionals` first"
        self._check_faults(text)
        text_tokens = self.tokenizer.text_to_tokens(punc_norm(text), language_id=language_id)
        text_tokens = np.concatenate([text_tokens, text_tokens])  # Need two seqs for CFG
        self._use_conditionals()
        speech = self.t3.inference(
            t3_cond=self.conds.t3,
            text_tokens=np.pad(text_tokens, ((0, 0), (1, 1))),
            max_new_tokens=1000,
            temperature=temperature,
            cfg_weight=cfg_weight,
            repetition_penalty=repetition_penalty,
            min_p=min_p,
            top_p=top_p,
        )
        return self._wav(text, speech)


class ChatterboxTurboTTS(_Model):
    ENC_COND_LEN = 15 * 16_000

    @classmethod
    def from_local(cls, ckpt_dir, device) -> ChatterboxTurboTTS:
        files = ("ve.safetensors", "t3_turbo_v1.safetensors", "s3gen_meanflow.safetensors")
        model = cls._from_dir(ckpt_dir, device, files)
        model.t3.hp.speech_cond_prompt_len = 375
        model.t3.tfmr = types.SimpleNamespace(h=[])  # GPT-2: no `layers`
        return model

    def prepare_conditionals(self, wav_fpath, exaggeration=0.5, norm_loudness=True):
        info = sf.info(wav_fpath)
        assert info.duration > 5.0, "Audio prompt must be longer than 5 seconds!"
        self._prepare(wav_fpath, exaggeration, self.t3.hp.speech_cond_prompt_len)

    def generate(
        self,
        text,
        repetition_penalty=1.2,
        min_p=0.00,
        top_p=0.95,
        audio_prompt_path=None,
        exaggeration=0.0,
        cfg_weight=0.0,
        temperature=0.8,
        top_k=1000,
        norm_loudness=True,
    ):
        if audio_prompt_path:
            self.prepare_conditionals(audio_prompt_path, exaggeration=exaggeration)
        assert self.conds is not None, "Please `prepare_conditionals` first"
        self._check_faults(text)
        text_tokens = self.tokenizer.text_to_tokens(punc_norm(text))
        self._use_conditionals()
        speech = self.t3.inference_turbo(
            t3_cond=self.conds.t3,
            text_tokens=text_tokens,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            repetition_penalty=repetition_penalty,
        )
        return self._wav(text, speech)


def module(**overrides: Any) -> types.ModuleType:
    """A module object with what the adapter imports from `chatterbox.*` and `perth`."""
    mod = types.ModuleType("chatterbox_standin")
    for name in (
        "ChatterboxTTS",
        "ChatterboxMultilingualTTS",
        "ChatterboxTurboTTS",
        "Conditionals",
        "punc_norm",
        "SUPPORTED_LANGUAGES",
    ):
        setattr(mod, name, globals()[name])
    mod.PerthImplicitWatermarker = object
    for name, value in overrides.items():
        setattr(mod, name, value)
    return mod


def make_model_dir(root: Path, variant: str, *, builtin_voice: bool = True) -> Path:
    """Empty weight files with the release's names, plus a built-in voice."""
    files = {
        "english": ("ve.safetensors", "t3_cfg.safetensors", "s3gen.safetensors", "tokenizer.json"),
        "multilingual": (
            "ve.pt",
            "t3_mtl23ls_v2.safetensors",
            "s3gen.pt",
            "grapheme_mtl_merged_expanded_v1.json",
        ),
        "turbo": ("ve.safetensors", "t3_turbo_v1.safetensors", "s3gen_meanflow.safetensors"),
    }[variant]
    root.mkdir(parents=True, exist_ok=True)
    for name in files:
        (root / name).write_bytes(b"weights")
    if builtin_voice:
        (root / "conds.pt").write_bytes(profile_bytes())
    return root


def builtin_conditionals(prompt_len: int = 150, seed: int = 0) -> Conditionals:
    rng = np.random.default_rng(seed)
    t3 = T3Cond(
        speaker_emb=rng.standard_normal((1, 256)).astype(np.float32),
        cond_prompt_speech_tokens=rng.integers(0, 6561, (1, prompt_len)),
        emotion_adv=0.5 * np.ones((1, 1, 1), dtype=np.float32),
    )
    gen = {
        "prompt_token": rng.integers(0, 6561, (1, prompt_len)),
        "prompt_token_len": np.array([prompt_len]),
        "prompt_feat": rng.standard_normal((1, 2 * prompt_len, 80)).astype(np.float32),
        "prompt_feat_len": None,
        "embedding": rng.standard_normal((1, 192)).astype(np.float32),
    }
    return Conditionals(t3, gen)


def profile_bytes(conds: Conditionals | None = None) -> bytes:
    buffer = io.BytesIO()
    (conds or builtin_conditionals()).save(buffer)
    return buffer.getvalue()


def build_engine(
    root: Path,
    variant: str = "english",
    *,
    runtime: Runtime | None = None,
    builtin_voice: bool = True,
    store: Any = None,
    **settings: Any,
) -> Any:
    """A real `ChatterboxEngine` over this stand-in, its weights in `root`."""
    from worker.engines.chatterbox import ChatterboxEngine
    from worker.engines.chatterbox.config import ChatterboxSettings

    global RUNTIME
    RUNTIME = runtime or Runtime()
    model_dir = make_model_dir(root / variant, variant, builtin_voice=builtin_voice)
    config = ChatterboxSettings(variant=variant, model_dir=model_dir, **settings)
    return ChatterboxEngine(
        config, runtime=RUNTIME, import_module=lambda name: module(), voice_store=store
    )


def faults(engine: Any) -> Faults:
    """The faults of the stand-in model an engine from `build_engine` loaded."""
    return engine._model.faults


def say(engine: Any, text: str, **params: Any) -> np.ndarray:
    """Synthesize `text` in the built-in voice; `params` are `SynthesisParams` fields."""
    from worker.engines.base import SynthesisParams

    voice = engine.prepare_voice(None)
    return engine.synthesize(text, voice, SynthesisParams(**params)).samples


def tone_wav(seconds: float, rate: int = 16_000, level: float = 0.3) -> bytes:
    """A speech-like reference recording as WAV bytes."""
    t = np.arange(int(seconds * rate)) / rate
    wave = level * np.sin(2 * np.pi * 150 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    buffer = io.BytesIO()
    sf.write(buffer, wave.astype(np.float32), rate, format="WAV")
    return buffer.getvalue()
