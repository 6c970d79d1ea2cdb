"""Chunk checkpoint benchmark: `python -m bench.checkpoints` (also in `make bench`).

On the ~13,000-character sample story, with the GPU stand-in (Piper's audio for each piece of
speech, returned after sleeping audio_seconds / 20: a GPU at 20x real time that leaves the CPU
free) and checkpoints on the local storage backend, prints:
  1. a fresh run, with and without checkpointing: the overhead of saving them
     (target: overhead still <= 0.03);
  2. Try again after a failure at 80% of the story (target: <= 25% of the fresh run's wall time);
  3. a re-run after editing one paragraph (target: <= 10%);
  4. checkpoint bytes per audio-minute (16-bit FLAC);
  5. reuse through a checkpoint store answering in 3 s (moto's S3 behind a delaying proxy)
     against the same job without checkpoints (target: <= 5% over).
Then the same retry on Piper itself, on this CPU. `python -m bench.checkpoints slow-store` runs
only the fifth.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from shared.errors import ModelUnavailableError
from tests.helpers.servers import FaultPlan, fault_proxy, r2_settings, s3_server
from worker.checkpoints.transfer import CheckpointStore, StoryCheckpoints
from worker.config import SynthesisSettings
from worker.engines.base import (
    Engine,
    EngineAudio,
    Samples,
    SynthesisParams,
    Voice,
    VoiceSource,
)
from worker.engines.piper import PiperEngine
from worker.storage import LocalObjectStore, R2ObjectStore
from worker.synthesis.speech import split_pauses
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult

SAMPLE_STORY = Path(__file__).resolve().parent.parent / "samples" / "story.txt"
SETTINGS = SynthesisSettings(output_format="mp3")
PARAMS = SynthesisParams(seed=1)
SLOW_STORE_S = 3.0
BUCKET = "bench-checkpoints"


class Breakable:
    """Wraps an engine; raises at the piece `fail_at` names, as a GPU lost mid-story."""

    def __init__(self, engine: Engine, fail_at: str | None = None) -> None:
        self.engine = engine
        self.capabilities = engine.capabilities
        self.fail_at = fail_at
        self.calls = 0

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return self.engine.prepare_voice(source)

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        if text == self.fail_at:
            raise ModelUnavailableError(details="the benchmark's failure point")
        self.calls += 1
        return self.engine.synthesize(text, voice, params)


class StandIn:
    """Piper's audio for each piece of speech, after audio_seconds / `speedup` of sleep."""

    def __init__(self, audio: dict[str, Samples], piper: PiperEngine, speedup: float) -> None:
        self.capabilities = piper.capabilities
        self.audio, self.speedup = audio, speedup

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return Voice(name="stand-in", identity="stand-in")

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        samples = self.audio[text]
        time.sleep(len(samples) / self.capabilities.sample_rate / self.speedup)
        return EngineAudio(samples.copy(), self.capabilities.sample_rate)


class Recording(Breakable):
    def __init__(self, engine: PiperEngine) -> None:
        super().__init__(engine)
        self.audio: dict[str, Samples] = {}

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        audio = super().synthesize(text, voice, params)
        self.audio[text] = audio.samples
        return audio


def run(
    engine: Breakable, text: str, root: Path | CheckpointStore | None, out: Path
) -> tuple[SynthesisResult | None, float]:
    """One job's rendering (checkpoints under `root`, or in that store; none without it) and
    saving its checkpoints; its wall time."""
    synthesizer = StorySynthesizer(engine, SETTINGS)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if isinstance(root, Path):
        store: CheckpointStore | None = LocalObjectStore(root, "https://audio.example.com")
    else:
        store = root
    checkpoints = StoryCheckpoints(store, "bench", "story") if store else None
    result = None
    try:
        plan = synthesizer.prepare(text, "en")
        voice = synthesizer.prepare_voice(None)
        result = synthesizer.render(plan, out, voice=voice, params=PARAMS, checkpoints=checkpoints)
    except ModelUnavailableError:
        pass
    finally:
        if checkpoints:
            checkpoints.close()
    return result, time.perf_counter() - started


def pieces(text: str) -> list[str]:
    plan = StorySynthesizer(PiperEngine(), SETTINGS).prepare(text, "en")
    return [speech for chunk in plan.chunks for speech, _ in split_pauses(chunk.speech)]


def edited(text: str) -> str:
    paragraphs = text.split("\n\n")
    middle = max(range(len(paragraphs) // 3, len(paragraphs)), key=lambda i: len(paragraphs[i]))
    paragraphs[middle] = paragraphs[middle].replace(" the ", " a ", 1)
    return "\n\n".join(paragraphs)


def line(label: str, result: SynthesisResult | None, wall_s: float, extra: str = "") -> None:
    assert result is not None
    t = result.timings
    print(
        f"{label:<34} wall_s={wall_s:7.2f} engine_s={t.engine_s:7.2f} "
        f"overhead={(wall_s - t.engine_s) / t.engine_s if t.engine_s else 0:.4f} "
        f"generated={result.chunks_generated:>3} reused={result.chunks_reused:>3} "
        f"gpu_s_saved={result.gpu_seconds_saved:7.2f} {extra}\n"
        f"{'':<34} checkpoint_wait_s={t.checkpoint_wait_s:.2f} assembly_s={t.assembly_s:.2f} "
        f"encoding_s={t.encoding_s:.2f} text_s={t.text_s:.2f} total_s={t.total_s:.2f}"
    )


def by_audio(said: list[str], audio: dict[str, Samples], share: float) -> int:
    """The first piece past `share` of the story's audio."""
    total = sum(len(audio[piece]) for piece in said)
    heard = 0
    for index, piece in enumerate(said):
        heard += len(audio[piece])
        if heard > share * total:
            return index
    return len(said) - 1


def scenario(
    label: str,
    make: Callable[[str | None], Breakable],
    text: str,
    audio: dict[str, Samples],
    tmp: Path,
) -> None:
    said = pieces(text)
    fresh, fresh_s = run(make(None), text, tmp / f"{label}-fresh", tmp / "out")
    line(f"{label}: fresh, checkpointing", fresh, fresh_s)
    for what, at in (("chunks", int(len(said) * 0.8)), ("audio", by_audio(said, audio, 0.8))):
        root = tmp / f"{label}-retry-{what}"
        run(make(said[at]), text, root, tmp / "out")
        retry, retry_s = run(make(None), text, root, tmp / "out")
        ratio = f"= {retry_s / fresh_s:.1%} of fresh"
        line(f"{label}: Try again, 80% of {what}", retry, retry_s, ratio)
    edit, edit_s = run(make(None), edited(text), tmp / f"{label}-fresh", tmp / "out")
    line(f"{label}: one paragraph edited", edit, edit_s, f"= {edit_s / fresh_s:.1%} of fresh")
    if label == "GPU stand-in":
        plain, plain_s = run(make(None), text, None, tmp / "out")
        line(f"{label}: fresh, no checkpoints", plain, plain_s)
        keys = list((tmp / f"{label}-fresh").rglob("*.flac"))
        size = sum(path.stat().st_size for path in keys)
        assert fresh is not None
        minutes = fresh.duration_seconds / 60
        print(
            f"checkpoints: {len(keys)} objects, {size / 1e6:.1f} MB for {minutes:.1f} "
            f"audio-minutes = {size / minutes / 1e6:.2f} MB per audio-minute "
            f"({size / minutes * 60 / 1e6:.0f} MB per audio-hour)"
        )


def slow_store(engine: Breakable, text: str, tmp: Path) -> None:
    """The story without checkpoints, then reused through a store answering in 3 s."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    with s3_server(BUCKET) as endpoint:
        saved, _ = run(engine, text, R2ObjectStore(r2_settings(endpoint, BUCKET)), tmp / "out")
        assert saved is not None
        slow = FaultPlan(only=lambda _, path: "/chunks/" in path, delay_s=SLOW_STORE_S)
        with fault_proxy(endpoint, slow) as proxy:
            store = R2ObjectStore(r2_settings(proxy, BUCKET))
            for attempt in (1, 2):
                plain, plain_s = run(engine, text, None, tmp / "out")
                line(f"no checkpoints ({attempt})", plain, plain_s)
                reused, reused_s = run(engine, text, store, tmp / "out")
                over = f"= {reused_s / plain_s - 1:+.1%} over no checkpoints (target <= +5%)"
                line(f"reuse, {SLOW_STORE_S:g}-s store ({attempt})", reused, reused_s, over)
            # Fetches the job stopped waiting for still run: let the proxy answer them (a
            # stopped proxy would leave them to the client's 60-s read timeout, and retries).
            time.sleep(SLOW_STORE_S + 1)


def main() -> None:
    text = SAMPLE_STORY.read_text(encoding="utf-8")
    piper = PiperEngine()
    if sys.argv[1:] == ["slow-store"]:
        with tempfile.TemporaryDirectory() as tmp:
            recording = Recording(piper)
            run(recording, text, None, Path(tmp))
            slow_store(Breakable(StandIn(recording.audio, piper, speedup=20)), text, Path(tmp))
        return
    print(
        f"sample story: {len(text)} characters, {len(pieces(text))} pieces; targets: retry "
        "<= 25%, edit <= 10% of the fresh run's wall time; stand-in overhead <= 0.03"
    )
    with tempfile.TemporaryDirectory() as tmp:
        recording = Recording(piper)
        run(recording, text, None, Path(tmp))
        run(recording, edited(text), None, Path(tmp))
        stand_in = StandIn(recording.audio, piper, speedup=20)
        audio = recording.audio
        scenario("GPU stand-in", lambda fail: Breakable(stand_in, fail), text, audio, Path(tmp))
        slow_store(Breakable(stand_in), text, Path(tmp))
        scenario("Piper (CPU)", lambda fail: Breakable(piper, fail), text, audio, Path(tmp))


if __name__ == "__main__":
    main()
