"""Written text to the words an engine should say: numbers, dates, symbols, markup, names.

`to_speech` takes canonical written text (`text.py`) in one language and returns its spoken
form. Each language with rules of its own has a reader module here (`english.py`, ...);
`core.py` holds what they share, `markup.py` what surrounds them (markup, pauses,
pronunciations) and `pipeline.py` joins them. Pure: no model, no I/O.
"""

from shared.types import MAX_PRONUNCIATIONS
from worker.synthesis.speech.core import cardinal, num2words_language
from worker.synthesis.speech.markup import (
    PARAGRAPH_BREAK,
    PAUSE_AT_START,
    PAUSE_MARK,
    PAUSE_PATTERN,
    apply_pronunciations,
    check_pronunciations,
    pause_mark,
    split_pauses,
    strip_markup,
)
from worker.synthesis.speech.pipeline import to_speech

__all__ = [
    "MAX_PRONUNCIATIONS",
    "PARAGRAPH_BREAK",
    "PAUSE_AT_START",
    "PAUSE_MARK",
    "PAUSE_PATTERN",
    "apply_pronunciations",
    "cardinal",
    "check_pronunciations",
    "num2words_language",
    "pause_mark",
    "split_pauses",
    "strip_markup",
    "to_speech",
]
