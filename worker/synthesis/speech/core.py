"""What every language's reader shares: spelling numbers, placing words, word tables and regex
alternations, the last pass over digits no rule took, and the fallback reader for the
languages without one of their own."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from num2words import CONVERTER_CLASSES, num2words

from shared.types import normalize_language
from worker.synthesis.scripts import GREEK_LETTER_NAMES, GREEK_SYMBOL

_LANGUAGES_WITH_DECIMAL_POINT = frozenset({"en", "ja", "ko", "zh", "he", "hi", "ms", "sw", "ar"})
DECIMAL_WORD = {
    "ar": "فاصلة", "da": "komma", "de": "Komma", "en": "point", "es": "coma", "fi": "pilkku",
    "fr": "virgule", "he": "נקודה", "it": "virgola", "ja": "点", "ko": "점", "nl": "komma",
    "no": "komma", "pl": "przecinek", "pt": "vírgula", "ru": "запятая", "sv": "komma",
    "tr": "virgül",
}  # fmt: skip
_PERCENT_WORD = {
    "da": "procent", "de": "Prozent", "en": "percent", "es": "por ciento", "fi": "prosenttia",
    "fr": "pour cent", "it": "per cento", "nl": "procent", "no": "prosent", "pl": "procent",
    "pt": "por cento", "sv": "procent", "ru": "процентов", "he": "אחוז", "ko": "퍼센트",
    "ja": "パーセント", "ar": "بالمئة",
}  # fmt: skip
_NUMBER_POINT = re.compile(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])")
_NUMBER_COMMA = re.compile(r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\d])")
_PERCENT_AFTER = re.compile(r"\s?%")
_PERCENT_BEFORE_TR = re.compile(r"%\s?(?=\d)")


def num2words_language(language: str) -> str | None:
    """The num2words code for a language tag, or None where num2words cannot spell numbers."""
    code = normalize_language(language)
    return code if code in CONVERTER_CLASSES and code in DECIMAL_WORD else None


MAX_SPELLED_DIGITS = 15
"""Longer numbers (ids, card numbers) are read digit by digit; num2words fails on them."""


def cardinal(number: int, lang: str) -> str:
    if len(str(abs(number))) > MAX_SPELLED_DIGITS:
        return digit_by_digit(str(abs(number)), lang)
    try:
        words: str = num2words(number, lang=lang)
    except (ArithmeticError, LookupError, NotImplementedError, ValueError, TypeError):
        return digit_by_digit(str(abs(number)), lang)
    return words.replace(",", "") if lang == "en" else words


def digit_by_digit(digits: str, lang: str) -> str:
    return " ".join(num2words(int(digit), lang=lang) for digit in digits)


def decimal(whole: str, fraction: str | None, lang: str) -> str:
    words = cardinal(int(whole), lang)
    if fraction:
        digits = " ".join(cardinal(int(d), lang) for d in fraction)
        words = f"{words} {DECIMAL_WORD[lang]} {digits}"
    return words


def _isspaced_letter(char: str) -> bool:
    """A letter of a script that separates words with spaces (not CJK, kana, hangul)."""
    return char.isalpha() and ord(char) < 0x2E80


def spaced(text: str, start: int, end: int, words: str) -> str:
    """`words` with a space where the replaced span touched a letter (`3D` → `three D`)."""
    before = " " if start > 0 and _isspaced_letter(text[start - 1]) else ""
    after = " " if end < len(text) and _isspaced_letter(text[end]) else ""
    return f"{before}{words}{after}"


def _numbers(text: str, lang: str) -> str:
    point = lang in _LANGUAGES_WITH_DECIMAL_POINT
    pattern, group_sep = (_NUMBER_POINT, ",") if point else (_NUMBER_COMMA, ".")

    def spell(m: re.Match[str]) -> str:
        whole = m.group(1).replace(group_sep, "")
        words = decimal(whole, m.group(2), lang)
        return spaced(m.string, m.start(), m.end(), words)

    return pattern.sub(spell, text)


def _percent(text: str, lang: str) -> str:
    if lang == "tr":
        return _PERCENT_BEFORE_TR.sub("yüzde ", text)
    if word := _PERCENT_WORD.get(lang):
        return _PERCENT_AFTER.sub(f" {word}", text)
    return text


def generic(text: str, lang: str | None) -> str:
    if lang is None:
        return text
    return _numbers(_percent(text, lang), lang)


_AFTER_NUMBER = re.compile(r"\d\s?$")


def greek_symbols(text: str, *, units_read: bool) -> str:
    """Greek letters standing for something read by name (`π` → pi, `α` → alpha). Units
    (`µF`, `5 Ω`) are read as `micro`, or left for the engine where `units_read` is False,
    as `mm` is in the languages whose units this module does not read."""

    def name(m: re.Match[str]) -> str:
        end, start = m.end(), m.start()
        if end < len(m.string) and m.string[end].isalpha():  # µ before a unit (`µH`)
            return "micro" if units_read else m.group(0)
        if (
            not units_read
            and m.group(0) in "\u03a9\u2126"
            and _AFTER_NUMBER.search(m.string, 0, start)
        ):
            return m.group(0)
        return spaced(m.string, start, end, GREEK_LETTER_NAMES[m.group(0)])

    return GREEK_SYMBOL.sub(name, text)


def word_set(words: str) -> frozenset[str]:
    """A table of words written as one string, separated by spaces."""
    return frozenset(words.split())


def alternation(keys: Iterable[str]) -> str:
    """A regex alternation of literal keys, the longest first so `km` wins over `m`; one that
    matches nothing where there are no keys."""
    return "|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)) or "(?!)"


_DIGIT_RUN = re.compile(r"\d+")


def leftover_digits(
    text: str, read: Callable[[str], str], pattern: re.Pattern[str] = _DIGIT_RUN
) -> str:
    """A reader's last step: each digit run no rule took (a code, `1,2,3`; with `pattern`, any
    other leftover shape) read by `read`, kept apart from a letter it touches, so that no digit
    reaches the engine."""
    return pattern.sub(lambda m: spaced(m.string, m.start(), m.end(), read(m.group(0))), text)


def safe(replace: Callable[[re.Match[str]], str]) -> Callable[[re.Match[str]], str]:
    """Leave a match as written when it turns out not to be what it looked like."""

    def guarded(m: re.Match[str]) -> str:
        try:
            return replace(m)
        except ValueError:
            return m.group(0)

    return guarded


def generic_reader(code: str) -> Callable[[str, str], str]:
    """The reader of a language without rules of its own: its numbers and percentages."""

    def read(text: str, region: str) -> str:
        text = text if code == "el" else greek_symbols(text, units_read=False)
        return generic(text, num2words_language(code))

    return read
