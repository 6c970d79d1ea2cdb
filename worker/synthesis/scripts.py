"""Writing systems: which script a story is written in, and whether its language reads it.

No text is lost without the listener knowing. A story is refused before any work, with
`unsupported_language` naming the script found and the language to choose, when letters of a
script its language does not read make up a whole sentence or more than `MAX_FOREIGN_SHARE` of
its letters (or most of them). What little is left of such letters (a Chinese name in an
English story) is dropped, so an engine never spells them out or reads their Unicode names,
and counted (`DroppedLetters`): the job's output and success callback report it. Latin letters
(names, brands, acronyms) are kept in every language; Japanese (Han and kana) and Korean
(Hangul and Han) read every script they are written in. A Greek letter used as a symbol in
other text (`5 µm`, `10 Ω`, `π`, `α particles`) is neither: it is kept, and read by its name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from shared.errors import UnsupportedLanguageError

LATIN = "Latin"
_JAPANESE = frozenset({"Han", "Hiragana", "Katakana"})
LANGUAGE_NAMES = {
    "en": "English",
    "fr": "French",
    "de": "German",
    "es": "Spanish",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "da": "Danish",
    "sv": "Swedish",
    "no": "Norwegian",
    "fi": "Finnish",
    "pl": "Polish",
    "tr": "Turkish",
    "ms": "Malay",
    "sw": "Swahili",
    "ru": "Russian",
    "el": "Greek",
    "ar": "Arabic",
    "he": "Hebrew",
    "hi": "Hindi",
    "zh": "Chinese",
    "ja": "Japanese",
    "ko": "Korean",
}
"""The languages whose scripts are known, by the names a listener picks them by."""
_LATIN_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "da", "sv", "no", "fi", "pl", "tr",
                    "ms", "sw")  # fmt: skip
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
_NAME_TO_SCRIPT = {
    "CJK": "Han", "IDEOGRAPHIC": "Han", "KATAKANA-HIRAGANA": "Katakana",
    "MICRO": "Greek", "OHM": "Greek", "KELVIN": "Latin", "ANGSTROM": "Latin",
    "MASCULINE": "Latin", "FEMININE": "Latin",  # the ordinal indicators of `1.º`, `2.ª`
}  # fmt: skip
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
_SENTENCE_END = re.compile(r"(?<=[.!?。！？．｡؟।॥۔])\s*|\n+")
_SENTENCES_KEPT = re.compile(f"({_SENTENCE_END.pattern})")
"""Splits into sentences and the breaks between them, so that joined they are the text."""

_GREEK_NAMES = (
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega",
)  # fmt: skip
_GREEK_SMALL = "αβγδεζηθικλμνξοπρστυφχψω"
GREEK_LETTER_NAMES: dict[str, str] = {
    **dict(zip(_GREEK_SMALL, _GREEK_NAMES, strict=True)),
    **dict(zip(_GREEK_SMALL.upper(), _GREEK_NAMES, strict=True)),
    "\u00b5": "mu",  # MICRO SIGN, which NFKC makes a Greek mu
    "\u2126": "omega",  # OHM SIGN, likewise a capital omega
}
"""Greek letters as a listener names them when they stand for something (π, α, Δ, Ω)."""
MICRO_UNITS = ("mol", "Hz", "Pa", "m", "g", "s", "l", "L", "F", "V", "A", "W", "M", "J", "N",
               "C", "H", "T", "K")  # fmt: skip
"""Units written after a micro sign: µm, µg, µs, µl, µF, µV, µA."""
_MICRO = "\u00b5\u03bc"
_NO_LETTER_BEFORE, _NO_LETTER_AFTER = r"(?<![^\W\d_])", r"(?![^\W\d_])"
_MICRO_PREFIX = f"[{_MICRO}](?=(?:{'|'.join(MICRO_UNITS)}){_NO_LETTER_AFTER})"
_ALONE = f"[{''.join(GREEK_LETTER_NAMES)}]{_NO_LETTER_AFTER}"
GREEK_SYMBOL = re.compile(f"{_NO_LETTER_BEFORE}(?:{_MICRO_PREFIX}|{_ALONE})")
"""A Greek letter standing alone (`π`, `α particles`, `10Ω`, `3π`) or a micro sign before a
unit (`5µm`): a symbol, not Greek text, unless it stands alone in a sentence with Greek words
(`ο`, `η` are Greek words)."""
_AFTER_NUMBER = r"(?:(?<=\d)|(?<=\d\s))"
_GREEK_UNIT = re.compile(f"{_NO_LETTER_BEFORE}(?:{_MICRO_PREFIX}|{_AFTER_NUMBER}{_ALONE})")
"""The symbols that are one even among Greek words: a unit (`µm`, `5 Ω`) or `3π`."""

OWN_SCRIPT_SHARE = 0.15
"""A story is its language's if this share of its letters is in that language's scripts: a
Chinese sentence naming an "iPhone 15 Pro Max" has more Latin letters than Han characters."""
MAX_FOREIGN_SHARE = 0.02
"""Letters of scripts the language cannot read, beyond which a story is refused rather than
shortened: a name or two in a long story is dropped, a passage is not."""


@dataclass(frozen=True)
class DroppedLetters:
    """Letters left out of the narration because its language cannot read their script."""

    count: int = 0
    scripts: tuple[str, ...] = ()


@dataclass(frozen=True)
class FittedText:
    text: str
    dropped: DroppedLetters = DroppedLetters()


def script_of(char: str) -> str | None:
    """The script of a letter ("Latin", "Cyrillic", "Han" …); None for anything else."""
    if not unicodedata.category(char).startswith("L"):
        return None
    first = unicodedata.name(char, "").split(" ", 1)[0]
    if not first or first in _NOT_A_SCRIPT:
        return None
    return _NAME_TO_SCRIPT.get(first, first.title())


def _letters(text: str) -> Counter[str]:
    return Counter(s for s in map(script_of, text) if s is not None)


def dominant_script(text: str) -> str | None:
    """The script most of the letters of `text` are in (None without letters)."""
    counts = _letters(text)
    return counts.most_common(1)[0][0] if counts else None


def fit_to_language(text: str, language: str, languages: Iterable[str] = ()) -> FittedText:
    """`text` without the few letters the narration `language` cannot read, and their count.

    Raises `UnsupportedLanguageError` when the story is in such a script, or enough of it is
    to be missed. A language without a known script accepts every text unchanged;
    `languages` (the engine's) name the languages the listener may choose instead.
    """
    scripts = SCRIPTS_BY_LANGUAGE.get(language)
    if scripts is None:
        return FittedText(text)
    written = text
    text = text if "Greek" in scripts else _without_greek_symbols(text)
    counts = _letters(text)
    total = sum(counts.values())
    own = sum(n for script, n in counts.items() if script in scripts)
    dominant = counts.most_common(1)[0][0] if counts else None
    if dominant is not None and dominant not in scripts and own < OWN_SCRIPT_SHARE * total:
        found = [s for s in counts if s not in scripts | {LATIN}] or [dominant]
        raise _whole_story(dominant, found, language, languages)
    readable = scripts | {LATIN}
    foreign = Counter({s: n for s, n in counts.items() if s not in readable})
    if not foreign:
        return FittedText(written)
    script = foreign.most_common(1)[0][0]
    sentences = _sentences_in(text, readable)
    if sentences.foreign or foreign.total() > MAX_FOREIGN_SHARE * total:
        raise _part_of_story(script, foreign, sentences, language, languages)
    dropped = DroppedLetters(foreign.total(), tuple(sorted(foreign)))
    return FittedText(_drop_letters_outside(written, text, readable), dropped)


def _without_greek_symbols(text: str) -> str:
    """`text` with each Greek letter used as a symbol made a non-letter, one for one, so that
    neither counts nor drops it."""
    if not GREEK_SYMBOL.search(text):
        return text
    return "".join(
        (_GREEK_UNIT if _has_greek_word(part) else GREEK_SYMBOL).sub("\u2022", part)
        for part in _SENTENCES_KEPT.split(text)
    )


def _has_greek_word(sentence: str) -> bool:
    """Two Greek letters in a row: a word, not a symbol."""
    return any(a == b == "Greek" for a, b in pairwise(map(script_of, sentence)))


@dataclass(frozen=True)
class _Sentences:
    total: int
    foreign: int
    """Sentences most of whose letters are in scripts the language cannot read."""
    touched: int
    """Sentences with any such letter."""


def _sentences_in(text: str, readable: frozenset[str]) -> _Sentences:
    total = foreign = touched = 0
    for sentence in _SENTENCE_END.split(text):
        counts = _letters(sentence)
        if not counts:
            continue
        outside = sum(n for script, n in counts.items() if script not in readable)
        total += 1
        touched += outside > 0
        foreign += 2 * outside > counts.total()
    return _Sentences(total, foreign, touched)


def _drop_letters_outside(text: str, masked: str, scripts: frozenset[str]) -> str:
    """Drop letters of other scripts together with the combining marks that follow them;
    `masked` is `text` with the letters to keep whatever their script made non-letters."""
    kept: list[str] = []
    dropping = False
    for char, seen in zip(text, masked, strict=True):
        script = script_of(seen)
        if script is not None:
            dropping = script not in scripts
        elif not unicodedata.category(char).startswith("M"):
            dropping = False
        if not dropping:
            kept.append(char)
    return "".join(kept)


def label(script: str) -> str:
    """A script as a listener knows it: "Chinese characters", "Cyrillic script"."""
    return _LABELS.get(script, f"{script} script")


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def _readers(found: Iterable[str], languages: Iterable[str]) -> list[str]:
    """The engine's languages that read every script `found`, the most specific first
    (Chinese before Korean and Japanese for Han characters)."""
    needed = set(found)
    fits = [code for code in languages if needed <= SCRIPTS_BY_LANGUAGE.get(code, frozenset())]
    return sorted(fits, key=lambda code: (len(SCRIPTS_BY_LANGUAGE[code]), language_name(code)))


def _choice(readers: list[str], script: str) -> str:
    if len(readers) > 3:  # Latin: the list would be long, and the listener knows which
        return f"a language written in {label(script)}"
    names = [language_name(code) for code in readers]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _whole_story(
    script: str, found: Iterable[str], language: str, languages: Iterable[str]
) -> UnsupportedLanguageError:
    readers = _readers(found, languages) or _readers([script], languages)
    action = (
        f"Please choose {_choice(readers, script)} as the story's language and submit it again."
        if readers
        else f"Narration in {label(script)} is not available yet. "
        "Please submit a story in one of the app's languages."
    )
    return UnsupportedLanguageError(
        f"This story is written in {label(script)}, but the narration language is "
        f"{language_name(language)}. {action}",
        details=f"most letters are {script}; language {language!r} reads {_scripts(language)}",
        context={"language": language, "script": script, "languages": readers},
    )


def _part_of_story(
    script: str,
    found: Iterable[str],
    sentences: _Sentences,
    language: str,
    languages: Iterable[str],
) -> UnsupportedLanguageError:
    readers = _readers(found, languages) or _readers([script], languages)
    count = sentences.foreign or sentences.touched
    part = f" ({count} of its {sentences.total} sentences)" if sentences.total > 1 else ""
    action = (
        f"Please choose {_choice(readers, script)} as the story's language, or remove that part, "
        "and submit the story again."
        if readers
        else "Please remove that part and submit the story again."
    )
    return UnsupportedLanguageError(
        f"Part of this story{part} is written in {label(script)}, which "
        f"{language_name(language)} narration cannot read. {action}",
        details=(
            f"{sentences.foreign} of {sentences.total} sentences mostly {script}, "
            f"{sentences.touched} with letters of it; language {language!r} reads "
            f"{_scripts(language)}"
        ),
        context={"language": language, "script": script, "languages": readers, "sentences": count},
    )


def _scripts(language: str) -> str:
    return ", ".join(sorted(SCRIPTS_BY_LANGUAGE[language] | {LATIN}))
