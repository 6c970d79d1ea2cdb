"""What holds for every language, whatever the story: every digit is read (in that language),
nothing but markup and emoji is lost, and the engine never gets more than it can say at once."""

from __future__ import annotations

import dataclasses
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers.fakes import ToneEngine
from worker.config import SynthesisSettings
from worker.synthesis.speech import to_speech
from worker.synthesis.speech.pipeline import READERS
from worker.synthesis.synthesizer import plan_speech
from worker.synthesis.text import normalize_text

WORDS = {
    "en": ("river", "lantern", "quietly"), "de": ("und", "dann", "wieder"),
    "fr": ("puis", "encore", "maison"), "es": ("luego", "casa", "también"),
    "it": ("poi", "casa", "ancora"), "pt": ("depois", "casa", "ainda"),
    "nl": ("daarna", "huis", "weer"), "pl": ("potem", "dom", "znowu"),
    "ru": ("потом", "дом", "снова"), "da": ("derefter", "hus", "igen"),
    "no": ("deretter", "hus", "igjen"), "sv": ("sedan", "hus", "igen"),
    "fi": ("sitten", "talo", "taas"), "tr": ("sonra", "ev", "yine"),
    "el": ("μετά", "σπίτι", "πάλι"), "hi": ("फिर", "घर", "दोबारा"),
    "ms": ("kemudian", "rumah", "lagi"), "sw": ("kisha", "nyumba", "tena"),
    "zh": ("然后", "房子", "再"), "ja": ("それから", "家", "また"),
    "ko": ("그리고", "집", "다시"), "ar": ("ثم", "بيت", "مرة"), "he": ("אחר", "בית", "שוב"),
}  # fmt: skip
"""Plain words of each language: never an abbreviation, a unit or a month."""

NUMBERS = st.from_regex(
    r"\A[-+]?\d{1,9}(?:[.,: /'-]\d{1,4}){0,3}(?: ?(?:%|€|\$|£|km|kg|°C|°|h|e|th|\.º|ª))?\Z"
)
"""Digits as stories write them: signed, grouped, decimal, dated, timed, with a sign after."""
ASCII_DIGIT = re.compile(r"[0-9]")


def test_every_language_an_engine_speaks_has_a_reader_and_words_here() -> None:
    assert set(READERS) == set(WORDS)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(language=st.sampled_from(sorted(WORDS)), data=st.data())
def test_no_digit_survives_and_no_word_is_lost(language: str, data: st.DataObject) -> None:
    words = WORDS[language]
    numbers = data.draw(st.lists(NUMBERS, min_size=1, max_size=3))
    written = " ".join(f"{words[i % 3]} {n}" for i, n in enumerate(numbers)) + f" {words[2]}."
    spoken = to_speech(normalize_text(written), language)
    assert not ASCII_DIGIT.search(spoken), (written, spoken)
    position = 0
    for i in range(len(numbers)):  # each plain word is said, in its order
        position = spoken.find(words[i % 3], position)
        assert position >= 0, (written, spoken)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(
    language=st.sampled_from(sorted(WORDS)),
    numbers=st.lists(NUMBERS, min_size=20, max_size=80),
)
def test_spoken_chunks_stay_within_the_engines_limit(language: str, numbers: list[str]) -> None:
    """Numbers read out grow several times longer than written; the plan cuts them again."""
    engine = ToneEngine()
    caps = engine.capabilities
    caps = dataclasses.replace(caps, languages=frozenset(WORDS))
    synthesis = SynthesisSettings()
    text = " ".join(f"{WORDS[language][0]} {n}." for n in numbers)
    limit = min(synthesis.chunk_max_chars, caps.max_chunk_chars)
    for chunk in plan_speech(text, language, synthesis, caps):
        assert len(chunk.speech) <= limit
