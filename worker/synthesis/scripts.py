"""Writing systems: which script a story is written in, and whether its language reads it.

A story whose letters are mostly in a script the narration language is not written in is
refused before any work; a few letters of another script inside it (Chinese characters in an
English story) are dropped, so an engine never spells them out or reads their Unicode names.
Latin letters (names, brands, acronyms) are kept in every language.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

from shared.errors import UnsupportedLanguageError

LATIN = "Latin"
_JAPANESE = frozenset({"Han", "Hiragana", "Katakana"})
_LATIN_LANGUAGES = [
    "en",
    "fr",
    "de",
    "es",
    "it",
    "pt",
    "nl",
    "da",
    "sv",
    "no",
    "fi",
    "pl",
    "tr",
    "ms",
    "sw",
]
SCRIPTS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    **dict.fromkeys(_LATIN_LANGUAGES, frozenset({LATIN})),
    "ru": frozenset({"Cyrillic"}),
    "el": frozenset({"Greek"}),
    "ar": frozenset({"Arabic"}),
    "he": frozenset({"Hebrew"}),
    "hi": frozenset({"Devanagari"}),
    "zh": frozenset({"Han"}),
    "ja": _JAPANESE,
    "ko": frozenset({"Hangul", "Han"}),
}
_NAME_TO_SCRIPT = {"CJK": "Han", "IDEOGRAPHIC": "Han", "KATAKANA-HIRAGANA": "Katakana"}
_NOT_A_SCRIPT = frozenset(
    {"MODIFIER", "MATHEMATICAL", "FULLWIDTH", "HALFWIDTH", "SUPERSCRIPT", "SUBSCRIPT",
     "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE", "LETTERLIKE"}
)  # fmt: skip
_LABELS = {
    "Han": "Chinese characters",
    "Hiragana": "Japanese kana",
    "Katakana": "Japanese kana",
    "Hangul": "Korean Hangul",
}


def script_of(char: str) -> str | None:
    """The script of a letter ("Latin", "Cyrillic", "Han" …); None for anything else."""
    if not unicodedata.category(char).startswith("L"):
        return None
    first = unicodedata.name(char, "").split(" ", 1)[0]
    if not first or first in _NOT_A_SCRIPT:
        return None
    return _NAME_TO_SCRIPT.get(first, first.title())


def dominant_script(text: str) -> str | None:
    """The script most of the letters of `text` are in (None without letters)."""
    counts = Counter(s for s in map(script_of, text) if s is not None)
    return counts.most_common(1)[0][0] if counts else None


def fit_to_language(text: str, language: str, languages: Iterable[str] = ()) -> str:
    """Return `text` without letters the narration `language` cannot read.

    Raises `UnsupportedLanguageError` when most letters are in such a script. A language
    without a known script accepts every text unchanged; `languages` (the engine's) only
    improves the message.
    """
    scripts = SCRIPTS_BY_LANGUAGE.get(language)
    if scripts is None:
        return text
    dominant = dominant_script(text)
    if dominant is not None and dominant not in scripts and not _well_represented(text, scripts):
        raise _wrong_script(dominant, language, languages)
    return _drop_letters_outside(text, scripts | {LATIN})


OWN_SCRIPT_SHARE = 0.15
"""A story is its language's if this share of its letters is in that language's scripts: a
Chinese sentence naming an "iPhone 15 Pro Max" has more Latin letters than Han characters."""


def _well_represented(text: str, scripts: frozenset[str]) -> bool:
    counts = Counter(s for s in map(script_of, text) if s is not None)
    own = sum(count for script, count in counts.items() if script in scripts)
    return own >= OWN_SCRIPT_SHARE * sum(counts.values())


def _drop_letters_outside(text: str, scripts: frozenset[str]) -> str:
    """Drop letters of other scripts together with the combining marks that follow them."""
    kept: list[str] = []
    dropping = False
    for char in text:
        script = script_of(char)
        if script is not None:
            dropping = script not in scripts
        elif not unicodedata.category(char).startswith("M"):
            dropping = False
        if not dropping:
            kept.append(char)
    return "".join(kept)


def _wrong_script(script: str, language: str, languages: Iterable[str]) -> UnsupportedLanguageError:
    label = _LABELS.get(script, f"{script} script")
    readers = sorted(code for code in languages if script in SCRIPTS_BY_LANGUAGE.get(code, ()))
    hint = f" Languages that read it: {', '.join(readers)}." if readers else ""
    return UnsupportedLanguageError(
        f"This story is written in {label} but the narration language is '{language}'. "
        f"Choose the story's language and try again.{hint}",
        context={"language": language, "script": script},
    )
