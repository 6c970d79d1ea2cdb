"""Synthesis pipeline benchmark: `python -m bench.pipeline` (or `make bench`).

Prints, for the ~13,000-character sample story:
  1. Piper on this CPU, end to end (target: real-time factor <= 0.10), reading the spoken text
     (`speech.to_speech`) and, for comparison, the written text as before; and the time spent
     normalising the text for speech (target: under 2% of Piper's end-to-end time);
  2. a GPU stand-in that returns Piper's audio after sleeping audio_seconds / 20, i.e. a GPU
     at 20x real time that leaves the CPU free (target: overhead <= 0.03);
  3. assembly + encoding of the same chunks against a pydub-concatenation baseline
     (target: >= 10x faster);
  4. peak memory growth while narrating a 60-minute story with the stand-in (target < 300 MB).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path
from statistics import median

import imageio_ffmpeg
import numpy as np
from pydub import AudioSegment

from tests.helpers.fakes import PreparedAudioEngine
from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, Samples, SynthesisParams, Voice
from worker.engines.piper import PiperEngine
from worker.synthesis.assembly import Assembler
from worker.synthesis.chunking import Chunk
from worker.synthesis.speech import to_speech
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult, pause_after_ms
from worker.synthesis.writer import AudioWriter

SAMPLE_STORY = Path(__file__).resolve().parent.parent / "samples" / "story.txt"


class RecordingEngine:
    """Wraps an engine and keeps the audio it returned, in chunk order."""

    def __init__(self, engine: PiperEngine) -> None:
        self.engine = engine
        self.capabilities = engine.capabilities
        self.audio: dict[str, Samples] = {}

    def prepare_voice(self, source: object) -> Voice:
        return self.engine.prepare_voice(None)

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        audio = self.engine.synthesize(text, voice, params)
        self.audio[text] = audio.samples
        return audio


def report(label: str, result: SynthesisResult) -> None:
    t = result.timings
    overhead = (t.total_s - t.engine_s) / t.engine_s
    print(
        f"{label:<22} chars={result.text_length:>6} chunks={result.chunk_count:>4} "
        f"audio_s={result.duration_seconds:8.1f} wall_s={t.total_s:7.2f} "
        f"engine_s={t.engine_s:7.2f} rtf={t.total_s / result.duration_seconds:.4f} "
        f"overhead={overhead:.4f} retries={result.retries}"
    )


def ours(
    chunks: list[tuple[Samples, float]], rate: int, settings: SynthesisSettings, encode: bool
) -> float:
    """Our streaming path over the same chunks: the pipeline's own AudioWriter (assembly and
    encoding threads), or the assembler alone when `encode` is false."""
    started = time.perf_counter()
    if not encode:
        assembler = Assembler.from_settings(rate, settings)
        for samples, pause in chunks:
            for _ in assembler.add(samples, pause):
                pass
        return time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        writer = AudioWriter(Path(tmp) / "a.mp3", "mp3", rate, settings)
        for samples, pause in chunks:
            writer.add(samples, pause)
        writer.close()
    return time.perf_counter() - started


def pydub_baseline(
    chunks: list[tuple[Samples, float]], rate: int, kbps: int
) -> tuple[float, float]:
    """The straightforward way: chained AudioSegment additions, then an ffmpeg export.

    Returns (assembly seconds, assembly + export seconds).
    """
    AudioSegment.converter = imageio_ffmpeg.get_ffmpeg_exe()
    started = time.perf_counter()
    track = AudioSegment.empty().set_frame_rate(rate)
    for samples, pause in chunks:
        pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes()
        segment = AudioSegment(data=pcm, sample_width=2, frame_rate=rate, channels=1)
        segment = segment.strip_silence(silence_len=50, silence_thresh=-50, padding=15)
        segment = segment.apply_gain(-20.0 - segment.dBFS)
        track = track.append(segment, crossfade=15) if len(track) > 15 else track + segment
        track += AudioSegment.silent(duration=int(pause * 1000), frame_rate=rate)
    assembled = time.perf_counter() - started
    track.export(io.BytesIO(), format="mp3", bitrate=f"{kbps}k")
    return assembled, time.perf_counter() - started


def memory_for_an_hour(chunks: list[tuple[Samples, float]], rate: int, text: str) -> None:
    """Narrate a ~60-minute story with a fast stand-in; report peak traced memory growth."""
    audio = [samples for samples, _ in chunks]
    per_chunk = float(np.mean([len(a) for a in audio])) / rate
    settings = SynthesisSettings(max_text_chars=200_000)
    long_text = "\n\n".join([text] * 8)
    engine = PreparedAudioEngine(audio, rate, speedup=1e6)
    synthesizer = StorySynthesizer(engine, settings)
    needed = int(3600 / per_chunk) + 1
    chunks_needed = synthesizer.prepare(long_text, "en").chunks[:needed]
    story = "".join(c.text for c in chunks_needed)
    with tempfile.TemporaryDirectory() as tmp:
        tracemalloc.start()
        result = synthesizer.synthesize(story, Path(tmp), voice=Voice("v"))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(
        f"{'60-minute story':<22} audio_min={result.duration_seconds / 60:6.1f} "
        f"chunks={result.chunk_count} peak_traced_growth_MB={peak / 1e6:6.1f} (target < 300)"
    )


PARAMS = SynthesisParams()


def normalisation_s(chunks: tuple[Chunk, ...]) -> float:
    started = time.perf_counter()
    for chunk in chunks:
        to_speech(chunk.text, "en")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-hour", action="store_true", help="skip the 60-minute memory run")
    args = parser.parse_args()
    text = SAMPLE_STORY.read_text(encoding="utf-8")
    settings = SynthesisSettings()
    piper = RecordingEngine(PiperEngine())
    rate = piper.capabilities.sample_rate
    print(f"sample story: {len(text)} characters; engine piper {piper.capabilities.version}")

    with tempfile.TemporaryDirectory() as tmp:
        synthesizer = StorySynthesizer(piper, settings)
        plan = synthesizer.prepare(text, "en")
        written = replace(plan, chunks=tuple(replace(c, spoken=None) for c in plan.chunks))
        before = synthesizer.render(written, Path(tmp), voice=Voice("joe"), params=PARAMS)
        report("piper, written text", before)
        result = synthesizer.synthesize(text, Path(tmp), voice=Voice("joe"))
        report("piper (CPU)", result)
        normalising_s = min(normalisation_s(plan.chunks) for _ in range(5))
        print(
            f"{'speech normalisation':<22} {normalising_s * 1000:.1f} ms = "
            f"{normalising_s / result.timings.total_s:.2%} of Piper's end-to-end time "
            "(best of 5; target < 2%)"
        )

        chunk_list = synthesizer.prepare(text, "en").chunks
        chunks = [(piper.audio[c.speech], pause_after_ms(c, settings) / 1000) for c in chunk_list]
        stand_in = PreparedAudioEngine([a for a, _ in chunks], rate, speedup=20)
        gpu = StorySynthesizer(stand_in, settings)
        result = gpu.synthesize(text, Path(tmp), voice=Voice("prepared"))
        report("GPU stand-in (20x)", result)

    # Median of three runs each: the pydub baseline alone varies by ±20 % from run to run.
    assembly_s = median(ours(chunks, rate, settings, encode=False) for _ in range(3))
    ours_s = median(ours(chunks, rate, settings, encode=True) for _ in range(3))
    baseline = [pydub_baseline(chunks, rate, settings.mp3_bitrate_kbps) for _ in range(3)]
    baseline_assembly_s = median(b[0] for b in baseline)
    baseline_s = median(b[1] for b in baseline)
    print(
        f"{'assembly only':<22} ours_s={assembly_s:.2f} pydub_baseline_s={baseline_assembly_s:.2f} "
        f"speedup={baseline_assembly_s / assembly_s:.1f}x (medians of 3)"
    )
    print(
        f"{'assembly + encoding':<22} ours_s={ours_s:.2f} pydub_baseline_s={baseline_s:.2f} "
        f"speedup={baseline_s / ours_s:.1f}x (medians of 3; target >= 10x)"
    )
    if not args.skip_hour:
        memory_for_an_hour(chunks, rate, text)


if __name__ == "__main__":
    main()
