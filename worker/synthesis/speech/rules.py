"""Building blocks for the readers of languages written with spaces between words.

Each language module (`german.py`, `french.py`, ...) holds its rules as data and composes its
reader from these blocks: how it writes numbers (`NumberFormat`), its abbreviations and titles
(`Abbreviations`), where a roman numeral is a number (`romans`), plural forms (`Plural`).
What depends on grammar (an ordinal's gender, a date's case) stays in the language module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from worker.synthesis.speech.core import alternation, cardinal, digit_by_digit, spaced

Replace = Callable[[re.Match[str]], str]


# -- numbers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberFormat:
    """How a language writes numbers: `decimal_mark` between whole and fraction, `group_marks`
    between thousands (a space stands for the no-break spaces too: NFKC made them spaces)."""

    lang: str
    decimal_mark: str
    group_marks: str
    decimal_word: str
    minus_word: str

    @cached_property
    def source(self) -> str:
        """A regex source for one written number: groups `whole` and `fraction` (optional)."""
        groups = "|".join(rf"\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+" for mark in self.group_marks)
        mark = re.escape(self.decimal_mark)
        whole = f"(?:{groups}|\\d+)" if groups else r"\d+"
        return rf"(?P<whole>{whole})(?:{mark}(?P<fraction>\d+))?"

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """A number standing alone: not part of a longer run of digits, marks and digits."""
        return re.compile(rf"(?<![\d.,]){self.source}(?![\d]|[.,]\d)")

    def whole(self, written: str) -> int:
        return int(re.sub(r"\D", "", written))

    def read(self, whole: str, fraction: str | None) -> str:
        """The number as a reader says it: the fraction digit by digit after the decimal word
        (`3,14` → "drei Komma eins vier"); a whole number with leading zeros digit by digit."""
        if len(whole) > 1 and whole.startswith("0"):  # an agent's 007, a code: its digits
            words = digit_by_digit(re.sub(r"\D", "", whole), self.lang)
        else:
            words = cardinal(self.whole(whole), self.lang)
        if fraction:
            words = f"{words} {self.decimal_word} {digit_by_digit(fraction, self.lang)}"
        return words

    def spell(self, text: str) -> str:
        """Every number left in `text`, read; a minus sign before one as the minus word."""

        def read(m: re.Match[str]) -> str:
            return spaced(m.string, m.start(), m.end(), self.read(m["whole"], m["fraction"]))

        text = _SIGN.sub(f"{self.minus_word} ", text)
        return self.pattern.sub(read, text)


_SIGN = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(\[]))[-−](?=\d)")
"""A minus sign: after a space, an opening bracket or at the start, before a digit."""


def percentages(text: str, number: NumberFormat, read: Callable[[str], str]) -> str:
    """`12,5 %` → `read("zwölf Komma fünf")`: the percentage after its number."""
    pattern = re.compile(rf"(?<![\d.,]){number.source}\s?%")
    return pattern.sub(lambda m: read(number.read(m["whole"], m["fraction"])), text)


def fraction_pattern(units: Iterable[str]) -> re.Pattern[str]:
    """A fraction as written, whole number first if any, then a unit from `units` if one
    follows: `½` as NFKC writes it (`1⁄2`, `2 1⁄2`, `21⁄2`: the whole number glued to the
    numerator) and `2 1/2`. Groups `whole` (before `⁄`), `mixed` (before `/`), `num`, `den`,
    `unit`."""
    return re.compile(
        r"(?<![\d.,/⁄])(?:(?P<whole>\d{1,3})\s?(?=\d⁄)|(?P<mixed>\d{1,3})\s(?=\d/))?"
        r"(?P<num>\d)[⁄/](?P<den>\d{1,2})(?![\d/⁄])"
        rf"(?:\s?(?P<unit>{alternation(units)})(?![\w/°]))?"
    )


# -- plurals ----------------------------------------------------------------------------------

Plural = Callable[[int], int]
"""The index of the plural form a count takes."""


def two_forms(n: int) -> int:
    """One and other: most Germanic and Romance languages."""
    return 0 if n == 1 else 1


def french_forms(n: int) -> int:
    """French: 0 and 1 take the singular."""
    return 0 if n in (0, 1) else 1


def slavic_forms(n: int) -> int:
    """Russian: 1, 21, 31 … | 2–4, 22–24 … | the rest (5–20, 25–30, 0 …)."""
    if n % 10 == 1 and n % 100 != 11:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


def polish_forms(n: int) -> int:
    """Polish: only 1 itself | 2–4, 22–24 … | the rest."""
    if n == 1:
        return 0
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return 1
    return 2


# -- abbreviations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Abbreviations:
    """Written short forms and what they stand for. `titles` come before a name and never end a
    sentence; `words` may end one, so their full stop is kept when the sentence ends there
    (`usw. Dann` → "und so weiter. Dann"). The spaces inside (`z. B.`, `z.B.`) are optional."""

    words: Mapping[str, str] = field(default_factory=dict)
    titles: Mapping[str, str] = field(default_factory=dict)
    case_sensitive: bool = True

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        keys = sorted({*self.words, *self.titles}, key=len, reverse=True)
        alternatives = "|".join(_loose(key) for key in keys) or "(?!)"
        flags = 0 if self.case_sensitive else re.IGNORECASE
        return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])", flags)

    @cached_property
    def _table(self) -> dict[str, tuple[str, bool]]:
        table = {_key(k): (v, False) for k, v in self.words.items()}
        table.update({_key(k): (v, True) for k, v in self.titles.items()})
        return table

    def expand(self, text: str) -> str:
        def replace(m: re.Match[str]) -> str:
            spoken, title = self._table[_key(m.group(0))]
            return spoken if title else spoken + kept_stop(m)

        return self._pattern.sub(replace, text)


_SENTENCE_GOES_ON = re.compile(r"\s*[^\s\"'A-ZÀ-ÞА-ЯΑ-Ω]")
"""After an abbreviation's stop, something other than a new sentence's capital or the end."""


def kept_stop(m: re.Match[str]) -> str:
    """The full stop of an abbreviation (the match) that also ends its sentence, else ""."""
    ends = m.group(0).endswith(".") and not _SENTENCE_GOES_ON.match(m.string, m.end())
    return "." if ends else ""


def _key(written: str) -> str:
    return re.sub(r"\s+", "", written).casefold()


def _loose(key: str) -> str:
    """`z. B.` matches `z.B.` and `z. B.` alike."""
    parts = [re.escape(part) for part in re.sub(r"\s+", "", key).split(".")]
    dotted = r"\.\s?".join(parts)
    return dotted[: -len(r"\s?")] if key.endswith(".") else dotted


# -- roman numerals ---------------------------------------------------------------------------

_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
ROMAN_SOURCE = r"(?=[MDCLXVI])M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
"""A roman numeral in canonical form (no `IIII`, no `VX`): the only ones read as numbers."""
REGNAL_SOURCE = r"(?=[XVI])X{0,3}(?:IX|IV|V?I{0,3})"
"""The numerals a ruler or pope takes (up to 39): `Vitamin C` and `Typ D` are letters."""


def roman_value(written: str) -> int:
    total = 0
    for char, following in zip(written, [*written[1:], ""], strict=True):
        value = _ROMAN_VALUES[char]
        total += -value if following and _ROMAN_VALUES[following] > value else value
    return total


@dataclass(frozen=True)
class RomanContexts:
    """Where a roman numeral is a number: after a word that counts (`Kapitel XII`, `siglo
    XXI`), before one (`XXI siècle`), or after a capitalised name (`Karl V.`, `Henri IV`) when
    `names` is set. `I` alone is a number only after a counting word (it is a word in some
    languages, and `Peter I` is rarer than a sentence that happens to end that way)."""

    after: Iterable[str] = ()
    before: Iterable[str] = ()
    names: bool = True


def romans(
    text: str,
    contexts: RomanContexts,
    read: Callable[[int, str, re.Match[str]], str],
) -> str:
    """Read each roman numeral its context makes a number: `read(value, kind, match)` with kind
    "after" (a counting word before it), "before" (one after it) or "name"; the match's group
    `dot` holds a full stop written after the numeral (`Karl V.`), if any."""
    for kind, pattern in _roman_patterns(contexts):

        def replace(m: re.Match[str], kind: str = kind) -> str:
            value = roman_value(m["roman"])
            return m.group(0) if not value else m["pre"] + read(value, kind, m)

        text = pattern.sub(replace, text)
    return text


def _roman_patterns(contexts: RomanContexts) -> list[tuple[str, re.Pattern[str]]]:
    numeral = rf"(?-i:(?P<roman>{ROMAN_SOURCE}))(?P<dot>\.)?"
    patterns: list[tuple[str, re.Pattern[str]]] = []
    if after := "|".join(map(re.escape, contexts.after)):
        source = rf"(?P<pre>\b(?:{after})\s){numeral}(?!\w)"
        patterns.append(("after", re.compile(source, re.IGNORECASE)))
    if before := "|".join(map(re.escape, contexts.before)):
        source = rf"(?P<pre>)\b{numeral}(?=\s(?:{before})\b)"
        patterns.append(("before", re.compile(source, re.IGNORECASE)))
    if contexts.names:
        regnal = rf"(?P<roman>{REGNAL_SOURCE})(?P<dot>\.)?"
        source = rf"(?P<pre>\b[A-ZÀ-ÞА-Я][a-zà-ÿа-яё]+\s)(?!I\b){regnal}(?!\w)"
        patterns.append(("name", re.compile(source)))
    return patterns
