"""Text preparation: accept only text an engine can read, in one canonical form.

The canonical form is NFKC (but for the signs `KEPT_FROM_NFKC`, which readers need), with
typographic quotes, dashes and ellipses made plain, no control or invisible characters, single
spaces, and paragraphs separated by one blank line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace

from shared.errors import TextEmptyError, TextTooLongError, UnsupportedLanguageError
from shared.types import normalize_language
from worker.synthesis.scripts import FittedText, fit_to_language, language_name

PARAGRAPH_BREAK = "\n\n"

_TYPOGRAPHY = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": " - ",
        "\u2014": " - ",
        "\u2015": " - ",
        "\u2212": "-",
        "\u2026": "...",
    }
)
KEPT_FROM_NFKC = "ºª№"
"""Signs NFKC would make letters (`1.º` → `1.o`, `№` → `No`) before any reading rule saw
them: the Spanish, Portuguese, Italian and Russian readers need them as written."""
_KEPT = re.compile(f"([{KEPT_FROM_NFKC}])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINE = re.compile(r"\n")


def _is_dropped(char: str) -> bool:
    """Control and format characters (zero-width spaces, BOMs, bidi marks) except newlines."""
    if char in "\n\t":
        return False
    return unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs", "Cn"}


def normalize_text(raw: str) -> str:
    """Return the canonical form of `raw` (may be empty)."""
    text = nfkc(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_TYPOGRAPHY)
    text = "".join(" " if c == "\t" else c for c in text if not _is_dropped(c))
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    # Hard-wrapped text marks paragraphs with blank lines; otherwise every newline is one.
    paragraphs: Iterator[str]
    if _BLANK_LINE.search(text):
        blocks = _BLANK_LINE.split(text)
        paragraphs = (_NEWLINE.sub(" ", block) for block in blocks)
    else:
        paragraphs = iter(text.split("\n"))
    cleaned = (_SPACES.sub(" ", p).strip() for p in paragraphs)
    return PARAGRAPH_BREAK.join(p for p in cleaned if p)


def nfkc(text: str) -> str:
    """NFKC, except for `KEPT_FROM_NFKC`."""
    parts = _KEPT.split(text)
    return "".join(p if i % 2 else unicodedata.normalize("NFKC", p) for i, p in enumerate(parts))


def has_words(text: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def prepare_text(raw: str, *, max_chars: int, language: str, languages: frozenset[str]) -> str:
    """Validate and normalize a story; raises the matching `InvalidInputError` subclass."""
    return prepare_story_text(raw, max_chars=max_chars, language=language, languages=languages).text


def prepare_story_text(
    raw: str, *, max_chars: int, language: str, languages: frozenset[str]
) -> FittedText:
    """`prepare_text`, with the count of the letters left out: a few of a script the language
    cannot read are dropped, more refuse the story (`scripts.py`)."""
    code = normalize_language(language)
    if code not in languages:
        raise _unsupported(language, code, languages)
    if len(raw) > 4 * max_chars:  # refuse absurd inputs before doing any work on them
        raise _too_long(len(raw), max_chars)
    # NFKC first: a micro sign (`µm`) or an ohm sign reaches the script check as the Greek
    # letter it stands for, which it keeps as a symbol in text of other scripts.
    fitted = fit_to_language(normalize_text(raw), code, languages)
    text = normalize_text(fitted.text)
    if not has_words(text):
        raise TextEmptyError(details="the text has no letters or digits after normalization")
    if len(text) > max_chars:
        raise _too_long(len(text), max_chars)
    return replace(fitted, text=text)


def _unsupported(language: str, code: str, languages: frozenset[str]) -> UnsupportedLanguageError:
    names = sorted(language_name(c) for c in languages)
    choices = (
        names[0]
        if len(names) == 1
        else "one of these languages: " + ", ".join(names[:-1]) + " or " + names[-1]
    )
    return UnsupportedLanguageError(
        f"Narration in {language_name(code)} is not available yet. "
        f"Please submit a story in {choices}.",
        details=f"language {language!r} is not among {', '.join(sorted(languages))}",
        context={"language": language},
    )


def _too_long(length: int, max_chars: int) -> TextTooLongError:
    return TextTooLongError(
        f"The story is {length:,} characters long; the limit is {max_chars:,}. "
        "Please shorten it or split it into parts.",
        context={"text_length": length, "max_chars": max_chars},
    )
