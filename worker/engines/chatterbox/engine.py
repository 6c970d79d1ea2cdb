"""Chatterbox (chatterbox-tts 0.1.7) on GPU: the production engine.

`ChatterboxEngine` loads the configured variant once per process, turns a job's voice source
into conditionals (through `engines/voice_resolution`, checked by `profiles`), and synthesizes one
chunk at a time: texts in dense scripts in parts, and a chunk that ran out of CUDA memory again
in two halves. It is written against the pinned release's API and proven against its source by
tests/worker/engines/chatterbox/test_release_api.py; torch sits behind `runtime.Runtime`, so it
is tested with a stand-in model, the device, weights and fingerprint come from `loading`, and
the release's own faults are handled in `workarounds`.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import logging
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import soundfile as sf

from shared.errors import (
    GenerationFailedError,
    GPUOutOfMemoryError,
    ModelUnavailableError,
    UnsupportedLanguageError,
    VoiceProfileInvalidError,
    VoiceProfileMissingError,
)
from shared.types import normalize_language
from worker.engines.base import (
    EngineAudio,
    EngineCapabilities,
    Samples,
    SynthesisParams,
    Voice,
    VoiceSource,
    VoiceStore,
)
from worker.engines.chatterbox.config import VARIANTS, ChatterboxSettings
from worker.engines.chatterbox.loading import (
    load_model,
    package_version,
    pick_device,
    sound_fingerprint,
    supported_languages,
)
from worker.engines.chatterbox.profiles import ProfileSpec, validate_conditionals
from worker.engines.chatterbox.runtime import (
    Runtime,
    gpu_at_fault,
    import_package,
    is_cuda_device_error,
    is_cuda_oom,
    load_torch_runtime,
)
from worker.engines.chatterbox.workarounds import (
    ShortTextRule,
    TokenCap,
    check_watermarker,
    decodable_only,
    leaked_hooks_removed,
    with_cfg_pair,
)
from worker.engines.reference_audio import VoiceLimits, decode_reference_audio
from worker.engines.voice_resolution import ConditionalsCache, resolve_voice

logger = logging.getLogger(__name__)

LANGUAGE_MAX_CHARS = {"zh": 80, "ja": 100, "ko": 120}
"""Dense scripts say more per character; longer texts are generated in parts."""
WARMUP_TEXT = "Hello! This short sentence warms the narration model up."
JOIN_GAP_SECONDS = 0.05
TEMPERATURE_STEP = 0.1
MIN_TEMPERATURE = 0.5

_SPLITS = (
    re.compile(r"(?<=[.!?。！？])\s*"),
    re.compile(r"(?<=[,;:、，；：])\s*"),
    re.compile(r"\s+"),
)


def split_in_two(text: str) -> tuple[str, str] | None:
    """Halves at the sentence, else clause, else word boundary nearest the middle."""
    text = text.strip()
    if len(text) < 2:
        return None
    middle, quarter = len(text) / 2, len(text) / 4
    for pattern in _SPLITS:
        cuts = [
            m.end() for m in pattern.finditer(text) if quarter <= m.end() <= len(text) - quarter
        ]
        if cuts:
            cut = min(cuts, key=lambda c: abs(c - middle))
            return text[:cut].strip(), text[cut:].strip()
    cut = len(text) // 2  # no boundary: scripts without spaces, or one very long token
    return text[:cut].strip(), text[cut:].strip()


def split_to_budget(text: str, max_chars: int) -> list[str]:
    if len(text) <= max_chars or (halves := split_in_two(text)) is None:
        return [text]
    return [part for half in halves for part in split_to_budget(half, max_chars)]


class ChatterboxEngine:
    """Loaded once per process; `voice_store` reads stored profiles and reference audio."""

    def __init__(
        self,
        settings: ChatterboxSettings | None = None,
        *,
        runtime: Runtime | None = None,
        import_module: Callable[[str], ModuleType] = importlib.import_module,
        voice_store: VoiceStore | None = None,
    ) -> None:
        self.settings = settings or ChatterboxSettings()
        self.voice_store = voice_store
        self._lock = threading.RLock()
        self._runtime = runtime or load_torch_runtime()
        spec = VARIANTS[self.settings.variant]
        module = import_package(spec.module, import_module)
        check_watermarker(import_package("perth", import_module))
        self._conditionals_cls = module.Conditionals
        self.device = pick_device(self.settings, self._runtime)
        self._model = load_model(getattr(module, spec.class_name), self.settings, self.device)
        self._builtin = self._model.conds
        hp = self._model.t3.hp
        self.profile_spec = ProfileSpec.from_t3_config(hp)
        self._cap = TokenCap(
            self._runtime.to_numpy, hp.stop_speech_token, self.settings.max_speech_tokens
        )
        self._instrument_t3()
        self._short_text = ShortTextRule(
            self._model.tokenizer if self.settings.variant == "multilingual" else None,
            module.punc_norm,
            self._runtime.to_numpy,
        )
        self.capabilities = EngineCapabilities(
            name="chatterbox",
            version=f"{package_version()} ({self.settings.variant})",
            sample_rate=int(self._model.sr),
            max_chunk_chars=self.settings.max_chunk_chars,
            languages=supported_languages(self.settings, module, self._model),
            voice_cloning=True,
            fingerprint=sound_fingerprint(self.settings),
        )
        self.voice_cache = ConditionalsCache(self.settings.voice_cache_size)
        if self.settings.warmup:
            self._warm_up()

    # --- loading ---------------------------------------------------------------------------

    def _instrument_t3(self) -> None:
        t3 = self._model.t3
        if self.settings.variant == "turbo":
            t3.inference_turbo = self._cap.wrap_turbo(self._autocast(t3.inference_turbo))
            return
        inference = self._cap.wrap_inference(self._autocast(t3.inference))
        if self.settings.variant == "multilingual":
            inference = decodable_only(inference, self._runtime.to_numpy, t3.hp)
        t3.inference = with_cfg_pair(inference)

    def _autocast(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        if not (self.settings.bf16 and self.device == "cuda"):
            return fn

        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with self._runtime.autocast_bf16():
                return fn(*args, **kwargs)

        return wrapped

    def _warm_up(self) -> None:
        conds = self.builtin_conditionals()
        if conds is None:
            logger.warning("no built-in voice (conds.pt): skipping the warm-up generation")
            return
        try:
            self._render(WARMUP_TEXT, conds, SynthesisParams(seed=0), max_depth=0)
        except Exception as exc:
            raise ModelUnavailableError(
                details=f"the warm-up generation failed: {type(exc).__name__}",
                refresh_worker=gpu_at_fault(exc),
            ) from exc

    # --- voices ----------------------------------------------------------------------------

    @property
    def voice_limits(self) -> VoiceLimits:
        s = self.settings
        return VoiceLimits(
            s.max_profile_bytes,
            s.max_reference_bytes,
            s.min_reference_seconds,
            s.max_reference_seconds,
        )

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return resolve_voice(
            source,
            backend=self,
            store=self.voice_store,
            cache=self.voice_cache,
            limits=self.voice_limits,
        )

    def builtin_conditionals(self) -> Any | None:
        """The voice baked into the weights (`conds.pt`), if any."""
        return self._builtin

    def load_profile(self, data: bytes) -> Any:
        """Deserialize and check a saved profile (`Conditionals.load`, weights only)."""
        try:
            conds = self._conditionals_cls.load(io.BytesIO(data), map_location=self.device)
        except Exception as exc:
            raise VoiceProfileInvalidError(
                details=f"the voice profile could not be read: {type(exc).__name__}"
            ) from exc
        return validate_conditionals(conds, self.profile_spec, self._runtime.to_numpy)

    def serialize_profile(self, conds: Any) -> bytes:
        buffer = io.BytesIO()
        conds.save(buffer)
        return buffer.getvalue()

    def conditionals_from_reference(self, data: bytes) -> Any:
        """`prepare_conditionals` on a decoded reference recording."""
        samples, rate = decode_reference_audio(data, self.voice_limits)
        with self._lock, tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "reference.wav"
            sf.write(path, samples, rate, subtype="FLOAT")
            previous = self._model.conds
            try:
                with self._gpu_errors("preparing the voice"), self._runtime.inference_mode():
                    self._model.prepare_conditionals(
                        str(path), exaggeration=self.settings.exaggeration
                    )
                conds = self._model.conds
            finally:
                self._model.conds = previous
        return validate_conditionals(conds, self.profile_spec, self._runtime.to_numpy)

    @contextlib.contextmanager
    def _gpu_errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            if is_cuda_oom(exc):
                self._runtime.empty_cache()
                raise GPUOutOfMemoryError(
                    details=f"CUDA out of memory {doing}", refresh_worker=True
                ) from None
            if is_cuda_device_error(exc):
                raise ModelUnavailableError(
                    details=f"CUDA device error {doing}: {type(exc).__name__}", refresh_worker=True
                ) from exc
            raise VoiceProfileInvalidError(
                "The voice recording could not be used. Please record it again.",
                details=f"{doing} failed: {type(exc).__name__}",
            ) from exc

    # --- synthesis -------------------------------------------------------------------------

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        params = replace(params, language=normalize_language(params.language))
        language = params.language
        if language not in self.capabilities.languages:
            raise UnsupportedLanguageError(
                details=f"chatterbox {self.settings.variant} cannot read {language!r}"
            )
        conds = voice.data if voice.data is not None else self.builtin_conditionals()
        if conds is None:
            raise VoiceProfileMissingError(
                details="no voice was prepared and there is no built-in voice"
            )
        budget = (
            LANGUAGE_MAX_CHARS.get(language) if self.settings.variant == "multilingual" else None
        )
        pieces = split_to_budget(text, budget) if budget else [text]
        with self._lock:
            parts = [self._render(piece, conds, params) for piece in pieces]
        return self._join(parts)

    def _render(
        self, text: str, conds: Any, params: SynthesisParams, *, depth: int = 0, max_depth: int = 1
    ) -> EngineAudio:
        """Generate `text`; after a CUDA OOM, free the cache and generate it in two halves."""
        self._short_text.check(text, params.language)
        audio = self._generate(text, conds, params)
        if audio is not None:
            return audio
        self._runtime.empty_cache()
        halves = split_in_two(text) if depth < max_depth else None
        long_enough = self._short_text.long_enough
        if halves is None or not all(long_enough(h, params.language) for h in halves):
            happened = (
                "again after splitting the chunk in two" if depth else "on an unsplittable chunk"
            )
            raise GPUOutOfMemoryError(details=f"CUDA out of memory {happened}", refresh_worker=True)
        logger.warning("CUDA out of memory: generating the chunk in two halves")
        parts = [
            self._render(h, conds, params, depth=depth + 1, max_depth=max_depth) for h in halves
        ]
        return self._join(parts)

    def _generate(self, text: str, conds: Any, params: SynthesisParams) -> EngineAudio | None:
        """One `generate` call; None after a CUDA OOM, once the error and its frames are gone."""
        model = self._model
        if params.seed is not None:
            self._runtime.manual_seed(params.seed + params.attempt)
        self._cap.truncated = False
        out_of_memory = False
        with leaked_hooks_removed(model.t3):
            try:
                with self._runtime.inference_mode():
                    # generate() changes the conditionals it is given (dtypes, cached
                    # embeddings); a cached voice must reach the next job as it was loaded.
                    model.conds = copy.deepcopy(conds)
                    wav = model.generate(text, **self.generate_kwargs(params))
                samples = self._runtime.to_numpy(wav).reshape(-1).astype(np.float32)
                rate = self.capabilities.sample_rate
                return EngineAudio(samples, rate, truncated=self._cap.truncated)
            except Exception as exc:
                out_of_memory = is_cuda_oom(exc)
                if not out_of_memory and not is_cuda_device_error(exc):
                    raise GenerationFailedError(
                        details=f"chatterbox generate raised {type(exc).__name__}"
                    ) from exc
        if out_of_memory:
            return None
        raise ModelUnavailableError(
            details="CUDA device error during generation", refresh_worker=True
        )

    def generate_kwargs(self, params: SynthesisParams) -> dict[str, Any]:
        """Keyword arguments for the variant's `generate` (checked against the release)."""
        s = self.settings
        base = params.temperature if params.temperature is not None else s.temperature
        # Retries sample cooler, down to MIN_TEMPERATURE; a job asking for less keeps its own.
        temperature = max(min(base, MIN_TEMPERATURE), base - TEMPERATURE_STEP * params.attempt)
        if self.settings.variant == "turbo":  # turbo ignores CFG and exaggeration
            return {"temperature": temperature}
        kwargs: dict[str, Any] = {
            "exaggeration": params.exaggeration
            if params.exaggeration is not None
            else s.exaggeration,
            "cfg_weight": params.cfg_weight if params.cfg_weight is not None else s.cfg_weight,
            "temperature": temperature,
        }
        if self.settings.variant == "multilingual":
            kwargs["language_id"] = normalize_language(params.language)
        return kwargs

    def _join(self, parts: list[EngineAudio]) -> EngineAudio:
        if len(parts) == 1:
            return parts[0]
        rate = self.capabilities.sample_rate
        gap = np.zeros(int(JOIN_GAP_SECONDS * rate), dtype=np.float32)
        pieces: list[Samples] = []
        for i, part in enumerate(parts):
            pieces.extend([gap, part.samples] if i else [part.samples])
        return EngineAudio(np.concatenate(pieces), rate, truncated=any(p.truncated for p in parts))
