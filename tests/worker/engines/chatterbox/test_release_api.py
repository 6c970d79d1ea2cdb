"""Proof that the adapter and its stand-in match the real chatterbox-tts release.

The wheel pinned in requirements-worker.txt is downloaded (never installed) by `make test`'s
set-up into .cache/wheels; its source is parsed here, not imported (it needs torch and CUDA).
"""

from __future__ import annotations

import ast
import inspect
import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import chatterbox_standin as standin
from worker.engines.base import SynthesisParams
from worker.engines.chatterbox.config import CANGJIE_FILE, VARIANTS
from worker.engines.chatterbox.profiles import GEN_KEYS
from worker.engines.chatterbox.workarounds import (
    ANALYZER_CLASS,
    MIN_MULTILINGUAL_TEXT_TOKENS,
    RELEASE_TOKEN_CAP,
)

REPO = Path(__file__).resolve().parents[4]
PINNED = re.search(
    r"^chatterbox-tts==(\S+)$", (REPO / "requirements-worker.txt").read_text(), re.MULTILINE
)
WHEEL = REPO / ".cache" / "wheels" / f"chatterbox_tts-{PINNED and PINNED.group(1)}-py3-none-any.whl"
MODEL_CLASSES = {
    "english": ("tts.py", "ChatterboxTTS", standin.ChatterboxTTS),
    "multilingual": ("mtl_tts.py", "ChatterboxMultilingualTTS", standin.ChatterboxMultilingualTTS),
    "turbo": ("tts_turbo.py", "ChatterboxTurboTTS", standin.ChatterboxTurboTTS),
}
NO_DEFAULT = "<required>"


@cache
def source(path: str) -> str:
    assert WHEEL.is_file(), f"{WHEEL.name} is missing: run `make test` (its set-up downloads it)"
    with zipfile.ZipFile(WHEEL) as wheel:
        return wheel.read(f"chatterbox/{path}").decode()


@cache
def tree(path: str) -> ast.Module:
    return ast.parse(source(path))


def find_class(path: str, name: str) -> ast.ClassDef:
    for node in tree(path).body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    raise AssertionError(f"{name} not found in chatterbox/{path}")


def find_function(path: str, owner: str | None, name: str) -> ast.FunctionDef:
    body = find_class(path, owner).body if owner else tree(path).body
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise AssertionError(f"{owner}.{name} not found in chatterbox/{path}")


def literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)


def real_signature(fn: ast.FunctionDef) -> list[tuple[str, str, Any]]:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    defaults = [NO_DEFAULT] * (len(positional) - len(args.defaults))
    defaults += [literal(d) for d in args.defaults]
    params = [(a.arg, "positional", d) for a, d in zip(positional, defaults, strict=True)]
    if args.vararg:
        params.append((args.vararg.arg, "*args", NO_DEFAULT))
    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        params.append((a.arg, "keyword", NO_DEFAULT if d is None else literal(d)))
    if args.kwarg:
        params.append((args.kwarg.arg, "**kwargs", NO_DEFAULT))
    return params


KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: "positional",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional",
    inspect.Parameter.VAR_POSITIONAL: "*args",
    inspect.Parameter.KEYWORD_ONLY: "keyword",
    inspect.Parameter.VAR_KEYWORD: "**kwargs",
}


def standin_signature(fn: Any) -> list[tuple[str, str, Any]]:
    params = inspect.signature(fn).parameters.values()
    return [
        (p.name, KINDS[p.kind], NO_DEFAULT if p.default is inspect.Parameter.empty else p.default)
        for p in params
    ]


def decorators(fn: ast.FunctionDef) -> set[str]:
    return {ast.unparse(d) for d in fn.decorator_list} & {"classmethod", "staticmethod"}


def standin_member(owner: type | None, name: str) -> tuple[Any, set[str]]:
    raw = vars(owner)[name] if owner else getattr(standin, name)
    if isinstance(raw, classmethod | staticmethod):
        return raw.__func__, {type(raw).__name__}
    return raw, set()


# Every release function the adapter calls (directly, or by wrapping it), with its stand-in.
CALLED = [
    *[(f, c, m, s) for f, c, s in MODEL_CLASSES.values() for m in ("from_local", "generate")],
    *[(f, c, "prepare_conditionals", s) for f, c, s in MODEL_CLASSES.values()],
    *[(f, "Conditionals", m, standin.Conditionals) for f, _, _ in MODEL_CLASSES.values()
      for m in ("save", "load", "to")],
    ("models/t3/t3.py", "T3", "inference", standin.T3),
    ("models/t3/t3.py", "T3", "inference_turbo", standin.T3),
    ("models/t3/modules/cond_enc.py", "T3Cond", "to", standin.T3Cond),
    ("models/tokenizers/tokenizer.py", "MTLTokenizer", "text_to_tokens", standin.MTLTokenizer),
    ("mtl_tts.py", None, "punc_norm", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "owner", "name", "standin_owner"),
    CALLED,
    ids=[f"{p}:{o}.{n}" for p, o, n, _ in CALLED],
)
def test_standin_signatures_match_the_release(path, owner, name, standin_owner) -> None:
    real = find_function(path, owner, name)
    fake, fake_decorators = standin_member(standin_owner, name)
    assert standin_signature(fake) == real_signature(real)
    assert fake_decorators == decorators(real)


def test_the_signature_reader_tells_differences_apart() -> None:
    real = real_signature(find_function("tts.py", "ChatterboxTTS", "generate"))
    turbo = standin_signature(standin.ChatterboxTurboTTS.generate)
    assert real != turbo
    assert ("temperature", "positional", 0.8) in real


def parameters(path: str, owner: str | None, name: str) -> dict[str, Any]:
    return {n: d for n, _, d in real_signature(find_function(path, owner, name))}


@pytest.mark.parametrize("variant", sorted(MODEL_CLASSES))
def test_the_adapter_calls_generate_with_arguments_the_release_accepts(variant, tmp_path) -> None:
    path, cls, _ = MODEL_CLASSES[variant]
    params = parameters(path, cls, "generate")
    engine = standin.build_engine(tmp_path, variant, warmup=False)
    for attempt in (0, 2):
        kwargs = engine.generate_kwargs(
            SynthesisParams(language="en", exaggeration=0.7, cfg_weight=0.3, attempt=attempt)
        )
        assert set(kwargs) <= set(params), (
            f"{variant} generate takes no {set(kwargs) - set(params)}"
        )
        required = {n for n, d in params.items() if d == NO_DEFAULT} - {"self", "text"}
        assert required <= set(kwargs)


@pytest.mark.parametrize("variant", sorted(MODEL_CLASSES))
def test_load_prepare_and_profile_calls_fit_the_release(variant) -> None:
    path, cls, _ = MODEL_CLASSES[variant]
    assert list(parameters(path, cls, "from_local")) == ["cls", "ckpt_dir", "device"]
    assert "exaggeration" in parameters(path, cls, "prepare_conditionals")
    assert "map_location" in parameters(path, "Conditionals", "load")
    assert list(parameters(path, "Conditionals", "save")) == ["self", "fpath"]
    init = ast.unparse(find_function(path, cls, "__init__"))
    for attribute in ("sr", "t3", "tokenizer", "conds", "watermarker"):
        assert f"self.{attribute} =" in init
    assert "perth.PerthImplicitWatermarker()" in init


@pytest.mark.parametrize("variant", sorted(MODEL_CLASSES))
def test_profiles_load_without_running_pickled_code(variant) -> None:
    load = ast.unparse(find_function(MODEL_CLASSES[variant][0], "Conditionals", "load"))
    assert "weights_only=True" in load


@pytest.mark.parametrize("variant", sorted(MODEL_CLASSES))
def test_prepare_conditionals_replaces_the_models_conditionals(variant) -> None:
    path, cls, _ = MODEL_CLASSES[variant]
    body = ast.unparse(find_function(path, cls, "prepare_conditionals"))
    assert "self.conds = Conditionals(" in body


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_required_weight_files_are_the_ones_from_local_opens(variant) -> None:
    path, cls, _ = MODEL_CLASSES[variant]
    opened = {
        node.right.value
        for node in ast.walk(find_function(path, cls, "from_local"))
        if isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Div)
        and ast.unparse(node.left) == "ckpt_dir"
        and isinstance(node.right, ast.Constant)
    }
    assert opened - {"conds.pt"} == set(VARIANTS[variant].required_files)
    assert "conds.pt" in opened


def from_pretrained_files(path: str, cls: str) -> set[str]:
    fn = find_function(path, cls, "from_pretrained")
    for node in ast.walk(fn):
        if isinstance(node, ast.keyword) and node.arg == "allow_patterns":
            return set(ast.literal_eval(node.value))
        if isinstance(node, ast.For) and isinstance(node.iter, ast.List):
            return set(ast.literal_eval(node.iter))
    raise AssertionError(f"no file list in {cls}.from_pretrained")


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_baked_weights_are_what_from_pretrained_downloads(variant) -> None:
    path, cls, _ = MODEL_CLASSES[variant]
    spec = VARIANTS[variant]
    assert set(spec.allow_patterns) == from_pretrained_files(path, cls)
    assert f'REPO_ID = "{spec.repo_id}"' in source(path)


def test_the_chinese_tokenizer_reads_its_table_from_a_hub_cache_in_the_model_dir() -> None:
    fn = find_function(
        "models/tokenizers/tokenizer.py", "ChineseCangjieConverter", "_load_cangjie_mapping"
    )
    text = ast.unparse(fn)
    assert "hf_hub_download(" in text
    assert "cache_dir=model_dir" in text
    assert f"filename='{CANGJIE_FILE}'" in text


def test_supported_languages_are_the_releases_23() -> None:
    for node in tree("mtl_tts.py").body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "SUPPORTED_LANGUAGES":
            languages = ast.literal_eval(node.value)
            break
    else:
        raise AssertionError("SUPPORTED_LANGUAGES not found")
    assert len(languages) == 23
    assert languages == standin.SUPPORTED_LANGUAGES


def test_t3_config_values_the_adapter_reads() -> None:
    init = find_function("models/t3/modules/t3_config.py", "T3Config", "__init__")
    values = {
        ast.unparse(n.targets[0]).removeprefix("self."): literal(n.value)
        for n in ast.walk(init)
        if isinstance(n, ast.Assign)
    }
    fake = standin.T3Config()
    for name in (
        "start_speech_token",
        "stop_speech_token",
        "speech_cond_prompt_len",
        "speaker_embed_size",
    ):
        assert values[name] == getattr(fake, name), name
    prop = find_function("models/t3/modules/t3_config.py", "T3Config", "is_multilingual")
    assert "text_tokens_dict_size == 2454" in ast.unparse(prop)
    assert standin.T3Config(2454).is_multilingual
    t3_init = ast.unparse(find_function("models/t3/t3.py", "T3", "__init__"))
    assert "self.hp = hp" in t3_init
    assert "self.tfmr = LlamaModel(" in t3_init


def test_t3cond_fields_match() -> None:
    cls = find_class("models/t3/modules/cond_enc.py", "T3Cond")
    real = [
        (ast.unparse(n.target), None if n.value is None else literal(n.value))
        for n in cls.body
        if isinstance(n, ast.AnnAssign)
    ]
    fake = [
        (name, None if f.default is inspect.Parameter.empty else f.default)
        for name, f in inspect.signature(standin.T3Cond).parameters.items()
    ]
    assert [n for n, _ in real] == [n for n, _ in fake]
    assert real[1:] == fake[1:]


def test_decoder_conditionals_have_the_keys_profiles_are_checked_for() -> None:
    fn = find_function("models/s3gen/s3gen.py", "S3Token2Mel", "embed_ref")
    returned = next(n.value for n in ast.walk(fn) if isinstance(n, ast.Return))
    assert isinstance(returned, ast.Call)
    assert {k.arg for k in returned.keywords} == GEN_KEYS


def calls(fn: ast.FunctionDef, target: str) -> list[ast.Call]:
    return [n for n in ast.walk(fn) if isinstance(n, ast.Call) and ast.unparse(n.func) == target]


@pytest.mark.parametrize("variant", ["english", "multilingual"])
def test_generate_caps_speech_tokens_at_1000_by_keyword(variant) -> None:
    path, cls, _ = MODEL_CLASSES[variant]
    (call,) = calls(find_function(path, cls, "generate"), "self.t3.inference")
    assert not call.args
    caps = [k.value for k in call.keywords if k.arg == "max_new_tokens"]
    assert [literal(c) for c in caps] == [RELEASE_TOKEN_CAP]


def test_t3_inference_keeps_the_stop_token_so_a_capped_run_is_recognisable() -> None:
    fn = find_function("models/t3/t3.py", "T3", "inference")
    (loop,) = [
        n
        for n in ast.walk(fn)
        if isinstance(n, ast.For) and "max_new_tokens" in ast.unparse(n.iter)
    ]
    lines = [ast.unparse(statement) for statement in loop.body]
    appended = next(i for i, line in enumerate(lines) if line.startswith("predicted.append("))
    stops = next(
        i for i, line in enumerate(lines) if "stop_speech_token" in line and "break" in line
    )
    assert appended < stops
    assert ast.unparse(fn.body[-2]) == "predicted_tokens = torch.cat(predicted, dim=1)"
    assert ast.unparse(fn.body[-1]) == "return predicted_tokens"


def test_turbo_uses_the_default_generation_cap_and_drops_the_stop_token() -> None:
    (call,) = calls(
        find_function("tts_turbo.py", "ChatterboxTurboTTS", "generate"), "self.t3.inference_turbo"
    )
    assert "max_gen_len" not in {k.arg for k in call.keywords}
    params = parameters("models/t3/t3.py", "T3", "inference_turbo")
    assert params["max_gen_len"] == RELEASE_TOKEN_CAP
    text = ast.unparse(find_function("models/t3/t3.py", "T3", "inference_turbo"))
    assert "for _ in tqdm(range(max_gen_len))" in text
    assert "all_tokens = all_tokens[:, :-1]" in text


def test_english_pairs_text_tokens_only_with_guidance_but_t3_always_pairs_the_start() -> None:
    """Why `with_cfg_pair` exists: english `generate(cfg_weight=0)` sends one row of text
    tokens, `T3.inference` concatenates it with a doubled start embedding."""
    generate = find_function("tts.py", "ChatterboxTTS", "generate")
    (pairing,) = [
        n
        for n in ast.walk(generate)
        if isinstance(n, ast.If) and "cfg_weight" in ast.unparse(n.test)
    ]
    assert ast.unparse(pairing.test) == "cfg_weight > 0.0"
    assert "torch.cat([text_tokens, text_tokens], dim=0)" in ast.unparse(pairing.body[0])
    inference = ast.unparse(find_function("models/t3/t3.py", "T3", "inference"))
    assert "bos_embed = torch.cat([bos_embed, bos_embed])" in inference
    assert "logits = cond + cfg * (cond - uncond)" in inference
    mtl = ast.unparse(find_function("mtl_tts.py", "ChatterboxMultilingualTTS", "generate"))
    assert "if cfg_weight > 0.0" not in mtl


def test_only_english_and_turbo_drop_tokens_s3gen_cannot_decode() -> None:
    """Why `decodable_only` wraps the multilingual T3: its `generate` has no such filter."""
    english = ast.unparse(find_function("tts.py", "ChatterboxTTS", "generate"))
    turbo = ast.unparse(find_function("tts_turbo.py", "ChatterboxTurboTTS", "generate"))
    mtl = ast.unparse(find_function("mtl_tts.py", "ChatterboxMultilingualTTS", "generate"))
    assert "speech_tokens = speech_tokens[speech_tokens < 6561]" in english
    assert "speech_tokens = speech_tokens[speech_tokens < 6561]" in turbo
    assert "< 6561" not in mtl
    assert "speech_tokens = drop_invalid_tokens(speech_tokens)" in mtl


def test_generation_changes_the_conditionals_it_is_given() -> None:
    """Why the engine hands `generate` a copy: the decoder casts the prompt tokens in place
    and T3 caches the prompt embedding on the conditionals."""
    forward = ast.unparse(find_function("models/s3gen/s3gen.py", "S3Token2Mel", "forward"))
    assert "ref_dict[rk] = ref_dict[rk].to(device=self.device, dtype=self.dtype)" in forward
    conditioning = ast.unparse(find_function("models/t3/t3.py", "T3", "prepare_conditioning"))
    assert "t3_cond.cond_prompt_speech_emb = self.speech_emb(" in conditioning


def test_the_multilingual_alignment_analyzer_leaks_hooks_on_the_attention_layers() -> None:
    """#504: `register_forward_hook`'s handle is dropped, on `tfmr.layers[i].self_attn`."""
    path = "models/t3/inference/alignment_stream_analyzer.py"
    spy = find_function(path, "AlignmentStreamAnalyzer", "_add_attention_spy")
    text = ast.unparse(spy)
    assert "target_layer = tfmr.layers[layer_idx].self_attn" in text
    hooks = calls(spy, "target_layer.register_forward_hook")
    assert len(hooks) == 1
    statements = [n for n in ast.walk(spy) if isinstance(n, ast.Expr)]
    assert any(s.value is hooks[0] for s in statements), "the handle is kept: #504 is fixed"
    assert ast.unparse(hooks[0].args[0]) == "attention_forward_hook"
    nested = [n.name for n in spy.body if isinstance(n, ast.FunctionDef)]
    assert nested == ["attention_forward_hook"]  # its __qualname__ names ANALYZER_CLASS
    assert spy in find_class(path, ANALYZER_CLASS).body
    inference = ast.unparse(find_function("models/t3/t3.py", "T3", "inference"))
    assert "if self.hp.is_multilingual:" in inference
    assert "AlignmentStreamAnalyzer(self.tfmr" in inference


def test_short_multilingual_texts_crash_the_analyzer() -> None:
    """#548: with S <= 5 text tokens `A[..., :-5]` is empty; S counts start and stop tokens."""
    path = "models/t3/inference/alignment_stream_analyzer.py"
    step = ast.unparse(find_function(path, "AlignmentStreamAnalyzer", "step"))
    assert ":-5].max(dim=1)" in step
    generate = ast.unparse(find_function("mtl_tts.py", "ChatterboxMultilingualTTS", "generate"))
    assert "text_tokens = F.pad(text_tokens, (1, 0), value=sot)" in generate
    assert "text_tokens = F.pad(text_tokens, (0, 1), value=eot)" in generate
    assert "text = punc_norm(text)" in generate
    assert MIN_MULTILINGUAL_TEXT_TOKENS == 6


def test_the_engine_module_does_not_import_torch_or_chatterbox_at_import_time() -> None:
    import worker.engines.chatterbox.engine as module

    imported = {
        alias.name.split(".")[0]
        for node in ast.parse(inspect.getsource(module)).body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (
            node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")]
        )
    }
    assert not imported & {"torch", "chatterbox", "perth", "torchaudio"}
