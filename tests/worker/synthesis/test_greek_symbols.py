"""Greek letters used as symbols in other text (`5 µm`, `10 Ω`, `π`) are read, not refused or
dropped as Greek text; Greek words still are."""

import pytest

from shared.errors import UnsupportedLanguageError
from tests.helpers.fakes import ToneEngine
from worker.config import SynthesisSettings
from worker.synthesis.scripts import SCRIPTS_BY_LANGUAGE, DroppedLetters, script_of
from worker.synthesis.speech import to_speech
from worker.synthesis.synthesizer import StorySynthesizer
from worker.synthesis.text import normalize_text, prepare_story_text

ALL = frozenset(SCRIPTS_BY_LANGUAGE)
LONG_ENGLISH = "The old monk walked slowly down the mountain path to the village below. " * 6
MICRO_SIGN, MU, OHM_SIGN, OMEGA = "\u00b5", "\u03bc", "\u2126", "\u03a9"

SPOKEN = [
    (f"The cell is 5 {MICRO_SIGN}m wide.", "The cell is five micrometers wide."),
    (f"The cell is 5 {MU}m wide.", "The cell is five micrometers wide."),
    (f"A sentence with 10 {OHM_SIGN} in it.", "A sentence with ten ohms in it."),
    (f"A sentence with 10 {OMEGA} in it.", "A sentence with ten ohms in it."),
    (
        f"It is 5{MICRO_SIGN}m, 10{OHM_SIGN} and 3π.",
        "It is five micrometers, ten ohms and three pi.",
    ),
    (
        f"Add 1 {MU}F, 2 {MU}g, 3 {MU}s and 4 {MU}l.",
        "Add one microfarad, two micrograms, three microseconds and four microliters.",
    ),
    ("The ratio is π.", "The ratio is pi."),
    ("The α particles left the β version.", "The alpha particles left the beta version."),
    ("Then Δ, λ, σ and θ.", "Then delta, lambda, sigma and theta."),
    (f"It is measured in {MICRO_SIGN}m.", "It is measured in micrometers."),
]


def _story(text: str) -> tuple[str, DroppedLetters]:
    plan = StorySynthesizer(ToneEngine(), SynthesisSettings()).prepare(text, "en")
    return " ".join(chunk.speech for chunk in plan.chunks), plan.dropped


@pytest.mark.parametrize(("written", "spoken"), SPOKEN)
def test_greek_symbols_in_english_are_kept_and_read(written: str, spoken: str) -> None:
    assert _story(written) == (spoken, DroppedLetters())
    assert to_speech(normalize_text(written), "en") == spoken


@pytest.mark.parametrize(("written", "spoken"), SPOKEN[:5])
def test_a_symbol_in_a_long_story_is_not_dropped(written: str, spoken: str) -> None:
    """Below the refusal's 2% a Greek letter used to be dropped: `5 µm` was read `5 m`."""
    speech, dropped = _story(f"{LONG_ENGLISH}{written} {LONG_ENGLISH}")
    assert dropped == DroppedLetters()
    assert f"below. {spoken} The old monk" in speech


def test_the_micro_and_ohm_signs_are_greek_letters_not_scripts_of_their_own() -> None:
    assert script_of(MICRO_SIGN) == script_of(OHM_SIGN) == "Greek"
    assert normalize_text(f"5 {MICRO_SIGN}m, 10 {OHM_SIGN}") == f"5 {MU}m, 10 {OMEGA}"


def test_other_languages_name_the_letters_and_leave_units_to_the_engine() -> None:
    written = normalize_text(f"π et α, 5 {MICRO_SIGN}m, 10 {OHM_SIGN}.")
    assert to_speech(written, "fr") == f"pi et alpha, cinq {MU}m, dix {OMEGA}."
    assert to_speech("π και α.", "el") == "π και α."


def test_a_greek_word_in_an_english_sentence_is_still_refused() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        prepare_story_text("He said Καλημέρα to me.", max_chars=500, language="en", languages=ALL)
    assert info.value.message.startswith("Part of this story is written in Greek script")


def test_greek_prose_with_one_letter_words_is_still_refused() -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        prepare_story_text(
            f"Ο Νίκος και η Μαρία. {LONG_ENGLISH}", max_chars=2_000, language="en", languages=ALL
        )
    assert "(1 of its 7 sentences) is written in Greek script" in info.value.message


def test_a_greek_word_in_a_long_story_is_still_dropped_and_counted_with_its_articles() -> None:
    """`η` beside a Greek word is the Greek article, not a symbol: it goes with the word."""
    text = f"{LONG_ENGLISH}He said Καλημέρα to η monk, 5 {MICRO_SIGN}m away. {LONG_ENGLISH}"
    prepared = prepare_story_text(text, max_chars=2_000, language="en", languages=ALL)
    assert f"He said to monk, 5 {MU}m away." in prepared.text
    assert prepared.dropped == DroppedLetters(9, ("Greek",))
