"""Workarounds for known faults of chatterbox-tts 0.1.7, each proven against the release.

tests/worker/engines/chatterbox/test_release_api.py reads the pinned wheel's source to show that
every fault handled here is still there, and tests/chatterbox_release/ shows each one on the
release's own code: the silent 1,000-token cap of `generate()`, the english crash with
`cfg_weight=0`, the attention hooks the multilingual model leaks (resemble-ai/chatterbox#504),
its crashes on very short texts (#548) and on undecodable speech tokens, and resemble-perth's
hidden watermarker import failure (#198). The engine calls these; none of them knows about
the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from shared.errors import InvalidInputError, ModelUnavailableError
from shared.types import normalize_language
from worker.engines.chatterbox.runtime import ToNumpy

RELEASE_TOKEN_CAP = 1000
"""`generate()`'s speech-token cap: english and multilingual pass `max_new_tokens=1000`, turbo
keeps `inference_turbo`'s default `max_gen_len`."""
MIN_MULTILINGUAL_TEXT_TOKENS = 6
"""#548: the alignment analyzer fails on five text tokens or fewer (start/stop included)."""
ANALYZER_CLASS = "AlignmentStreamAnalyzer"
"""The release's class whose attention spies leak (#504), recognised by their `__qualname__`."""
_HOOK_REGISTRIES = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called")

HookSnapshot = list[tuple[Any, set[int]]]


class TokenCap:
    """The token cap (no upstream issue): `generate()` stops silently at 1,000 speech tokens.

    Wraps the T3 token model to pass it the configured cap (the release's own in production;
    tests and benchmarks lower it, since random weights never stop) and to count what it
    returns, so that a generation that ran into the cap is reported `truncated` and the
    pipeline can generate that chunk again.
    """

    def __init__(self, to_numpy: ToNumpy, stop_token: int, cap: int = RELEASE_TOKEN_CAP) -> None:
        self.to_numpy = to_numpy
        self.stop_token = stop_token
        self.cap = cap
        self.truncated = False

    def wrap_inference(self, inference: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            kwargs["max_new_tokens"] = self.cap
            tokens = inference(*args, **kwargs)
            ids = self.to_numpy(tokens).reshape(-1)
            # The loop appends EOS before stopping, so a full-length run without it hit the cap.
            self.truncated = ids.size >= self.cap and int(ids[-1]) != self.stop_token
            return tokens

        return wrapped

    def wrap_turbo(self, inference_turbo: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            kwargs["max_gen_len"] = self.cap
            tokens = inference_turbo(*args, **kwargs)
            # One token before the loop plus max_gen_len in it, EOS removed when present.
            self.truncated = self.to_numpy(tokens).size > self.cap
            return tokens

        return wrapped


def with_cfg_pair(inference: Callable[..., Any]) -> Callable[..., Any]:
    """english `generate(cfg_weight=0)` passes one row of text tokens, but `T3.inference`
    always builds the guidance pair (it doubles the start embedding) and crashes in
    `torch.cat`. Given the pair, a zero weight leaves exactly the conditional logits:
    `cond + 0 * (cond - uncond)`."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        tokens = kwargs["text_tokens"]
        if kwargs.get("cfg_weight") == 0 and tokens.shape[0] == 1:
            kwargs["text_tokens"] = tokens[[0, 0]]
        return inference(*args, **kwargs)

    return wrapped


def decodable_only(inference: Callable[..., Any], to_numpy: ToNumpy, hp: Any) -> Callable[..., Any]:
    """multilingual `generate()` hands S3Gen every token T3 sampled; S3Gen decodes only the
    ids below the start-of-speech token (english and turbo filter the rest; multilingual logs
    "out-of-range special tokens found in flow, fix inputs!" and fails in its embedding).
    Those are dropped here; the stop token stays, for the release's `drop_invalid_tokens`."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        tokens = inference(*args, **kwargs)
        ids = to_numpy(tokens)
        keep = (ids[0] < hp.start_speech_token) | (ids[0] == hp.stop_speech_token)
        return tokens if keep.all() else tokens[:, keep.tolist()]

    return wrapped


@contextmanager
def leaked_hooks_removed(t3: Any) -> Iterator[None]:
    """#504: the multilingual model's alignment analyzer registers attention hooks on every
    call and never removes them; those it added on `t3`'s attention layers while the block
    ran are removed after it. Other new hooks stay: transformers installs its own
    output-capturing hooks once, on the first forward, and would not install them again."""
    snapshot = _hook_snapshot(t3)
    try:
        yield
    finally:
        _remove_new_analyzer_hooks(snapshot)


def _hook_snapshot(t3: Any) -> HookSnapshot:
    layers = getattr(t3.tfmr, "layers", None) or []
    return [(layer.self_attn, set(layer.self_attn._forward_hooks)) for layer in layers]


def _is_analyzer_hook(hook: Any) -> bool:
    return getattr(hook, "__qualname__", "").startswith(f"{ANALYZER_CLASS}.")


def _remove_new_analyzer_hooks(snapshot: HookSnapshot) -> None:
    for module, before in snapshot:
        hooks = module._forward_hooks
        for key in [k for k in hooks if k not in before and _is_analyzer_hook(hooks[k])]:
            for registry in _HOOK_REGISTRIES:
                getattr(module, registry, {}).pop(key, None)


class ShortTextRule:
    """#548: multilingual texts of five tokens or fewer crash the alignment analyzer.

    Such texts are refused before generation. `tokenizer` is the multilingual model's; without
    one (the other variants) a text needs only something besides whitespace.
    """

    def __init__(
        self,
        tokenizer: Any | None,
        punc_norm: Callable[[str], str],
        to_numpy: ToNumpy,
    ) -> None:
        self.tokenizer = tokenizer
        self.punc_norm = punc_norm
        self.to_numpy = to_numpy

    def long_enough(self, text: str, language: str) -> bool:
        if self.tokenizer is None:
            return bool(text.strip())
        tokens = self.tokenizer.text_to_tokens(
            self.punc_norm(text), language_id=normalize_language(language)
        )
        # generate() adds a start and a stop token.
        return int(self.to_numpy(tokens).shape[-1]) + 2 >= MIN_MULTILINGUAL_TEXT_TOKENS

    def check(self, text: str, language: str) -> None:
        if not self.long_enough(text, language):
            raise InvalidInputError(
                "Part of the story is too short to narrate on its own in this language. "
                "Please add a few words to it.",
                details=f"fewer than {MIN_MULTILINGUAL_TEXT_TOKENS} text tokens (chatterbox #548)",
            )


def check_watermarker(perth: ModuleType) -> None:
    """#198: resemble-perth hides a failed import as `PerthImplicitWatermarker = None`."""
    if getattr(perth, "PerthImplicitWatermarker", None) is None:
        raise ModelUnavailableError(
            details="resemble-perth could not import its watermarker; with setuptools >= 81 "
            "pkg_resources is gone (resemble-ai/chatterbox#198): install setuptools<81"
        )
