"""Reading benchmark: `python -m bench.speech` (or `make bench`).

For each of the 23 languages an engine speaks, a 50,000-character story made of that language's
case table (`tests/worker/synthesis/speech/cases/`: numbers, money, dates, abbreviations, …,
repeated) goes through what a job does before the engine: the text is prepared, cut into
sentences and chunks, and every chunk read (`plan_speech`). Prints the best of three runs per
language. Target: at most 1 s per language on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

from tests.helpers.fakes import ToneEngine
from tests.worker.synthesis.speech.cases import cases
from worker.config import SynthesisSettings
from worker.synthesis.speech.pipeline import READERS
from worker.synthesis.synthesizer import plan_speech

STORY_CHARS = 50_000
TARGET_S = 1.0


def story(language: str, chars: int = STORY_CHARS) -> str:
    """Paragraphs of the language's written cases, repeated to `chars` characters."""
    sentences = [case.written for case in cases(language)]
    paragraphs = [" ".join(sentences[i : i + 4]) for i in range(0, len(sentences), 4)]
    text = ""
    while len(text) < chars:
        for paragraph in paragraphs:
            text += paragraph + "\n\n"
    return text[:chars].rsplit(" ", 1)[0]


def best_of(runs: int, language: str, text: str) -> tuple[float, int]:
    caps = dataclasses.replace(ToneEngine().capabilities, languages=frozenset(READERS))
    settings = SynthesisSettings(max_text_chars=2 * len(text))  # normalising adds spaces
    timings, chunks = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        chunks = len(plan_speech(text, language, settings, caps))
        timings.append(time.perf_counter() - start)
    return min(timings), chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chars", type=int, default=STORY_CHARS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'language':<9}{'chars':>8}{'chunks':>8}{'seconds':>9}  target <= {TARGET_S:g} s")
    worst = 0.0
    for language in sorted(READERS):
        text = story(language, args.chars)
        seconds, chunks = best_of(args.runs, language, text)
        worst = max(worst, seconds)
        print(f"{language:<9}{len(text):>8}{chunks:>8}{seconds:>9.3f}")
    verdict = "met" if worst <= TARGET_S else "MISSED"
    print(f"slowest: {worst:.3f} s per {args.chars:,} characters (target {verdict})")


if __name__ == "__main__":
    main()
