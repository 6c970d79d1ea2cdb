"""Workarounds for known faults of chatterbox-tts 0.1.7, each proven against the release.

tests/worker/engines/chatterbox/test_release_api.py reads the pinned wheel's source to show that
every fault handled here is still there, and tests/chatterbox_release/ shows each one on the
release's own code: the silent 1,000-token cap of `generate()`, the english crash with
`cfg_weight=0`, the attention hooks the multilingual model leaks (resemble-ai/chatterbox#504),
its crash on very short texts (#548), and resemble-perth's hidden watermarker import failure
(#198). The engine calls these; none of them knows about the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np

from shared.errors import InvalidInputError, ModelUnavailableError
from shared.types import normalize_language

RELEASE_TOKEN_CAP = 1000
"""`generate()`'s speech-token cap: english and multilingual pass `max_new_tokens=1000`, turbo
keeps `inference_turbo`'s default `max_gen_len`."""
MIN_MULTILINGUAL_TEXT_TOKENS = 6
"""#548: the alignment analyzer fails on five text tokens or fewer (start/stop included)."""
_HOOK_REGISTRIES = ("_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called")

HookSnapshot = list[tuple[Any, set[int]]]


class TokenCap:
    """The token cap (no upstream issue): `generate()` stops silently at 1,000 speech tokens.

    Wraps the T3 token model to pass it the configured cap (the release's own in production;
    tests and benchmarks lower it, since random weights never stop) and to count what it
    returns, so that a generation that ran into the cap is reported `truncated` and the
    pipeline can generate that chunk again.
    """

    def __init__(
        self, to_numpy: Callable[[Any], np.ndarray], stop_token: int, cap: int = RELEASE_TOKEN_CAP
    ) -> None:
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


@contextmanager
def leaked_hooks_removed(t3: Any) -> Iterator[None]:
    """#504: the multilingual model registers attention hooks on every call and never removes
    them; those added on `t3`'s attention layers while the block runs are removed after it."""
    snapshot = _hook_snapshot(t3)
    try:
        yield
    finally:
        _remove_new_hooks(snapshot)


def _hook_snapshot(t3: Any) -> HookSnapshot:
    layers = getattr(t3.tfmr, "layers", None) or []
    return [(layer.self_attn, set(layer.self_attn._forward_hooks)) for layer in layers]


def _remove_new_hooks(snapshot: HookSnapshot) -> None:
    for module, before in snapshot:
        for key in set(module._forward_hooks) - before:
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
        to_numpy: Callable[[Any], np.ndarray],
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
