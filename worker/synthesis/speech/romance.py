"""Blocks the French and Italian readers share: quantities before a unit or a currency, numeric
dates, fractions, signs, and the word after a number (whose gender the number may take); the
`Noun` and `Currency` records serve the Spanish and Portuguese readers (`iberian.py`) too.

The wording (which noun, which agreement) stays in `french.py` and `italian.py`; these helpers
only find the spans and hand their parts over. Candidates for `rules.py` once others need them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from worker.synthesis.speech.core import (
    alternation,
    cardinal,
    digit_by_digit,
    leftover_digits,
    safe,
    spaced,
)
from worker.synthesis.speech.rules import NumberFormat


@dataclass(frozen=True)
class Noun:
    """A counted noun: its singular, its plural and whether it is feminine."""

    one: str
    many: str
    feminine: bool = False


@dataclass(frozen=True)
class Currency:
    """A currency's unit and, where amounts have cents, the name of its hundredth."""

    unit: Noun
    cent: Noun | None = None


Quantity = Callable[[str, str | None, str], str]
"""Reads (whole as written, fraction or None, symbol as written) → words."""


def keyed(table: Iterable[str], lookahead: str, behind: str = "") -> re.Pattern[str]:
    """Any key of `table` standing alone (longest first; group 1), then `lookahead`."""
    return re.compile(rf"{behind}(?<![\w.-])({alternation(table)}){lookahead}")


def after_number(number: NumberFormat, symbols: Iterable[str]) -> re.Pattern[str]:
    """A number followed by one of `symbols` (`5 km`, `4,99 €`, `12,5%`): groups whole,
    fraction and sym. The symbol ends where no letter, digit or apostrophe follows."""
    return re.compile(rf"(?<![\d.,]){number.source}\s?(?P<sym>{alternation(symbols)})(?![\w'])")


def before_number(number: NumberFormat, symbols: Iterable[str]) -> re.Pattern[str]:
    """One of `symbols` written before its number (`$50`, `€ 1,50`)."""
    return re.compile(
        rf"(?<![\w$€£])(?P<sym>{alternation(symbols)})\s?{number.source}(?![\d]|[.,]\d)"
    )


def money_words(number: NumberFormat, codes: Mapping[str, str]) -> Callable[[str], str]:
    """An amount with exactly two decimals before a currency written as a word (`4,99 euros`):
    the word becomes its code in `codes` (`4,99 EUR`), so that the amount is read as money, as
    the symbol's is ("quatre euros quatre-vingt-dix-neuf"). Other amounts (`2,5 euros`,
    `5 euros`) keep their word and are read as numbers."""
    mark = re.escape(number.decimal_mark)
    pattern = re.compile(
        rf"(?<![\d.,]){number.source}(?<=\d{mark}\d\d)\s(?P<word>{alternation(codes)})(?![\w'])"
    )

    def replace(m: re.Match[str]) -> str:
        return m.group(0)[: m.start("word") - m.start()] + codes[m["word"]]

    return lambda text: pattern.sub(replace, text)


def quantities(text: str, patterns: Iterable[re.Pattern[str]], read: Quantity) -> str:
    """Each quantity the patterns find, read; where `read` raises ValueError, left as is."""

    @safe
    def replace(m: re.Match[str]) -> str:
        words = read(m["whole"], m["fraction"], m["sym"])
        return spaced(m.string, m.start(), m.end(), words)

    for pattern in patterns:
        text = pattern.sub(replace, text)
    return text


NUMERIC_DATE = re.compile(
    r"(?<![\d.,/])(?P<day>\d{1,2})(?P<sep>[./-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4})(?!\d)"
)
"""`14/07/2024`, `14.07.2024`, `14-07-2024`: day first, as French and Italian write them."""


def numeric_dates(text: str, read: Callable[[int, int, int], str]) -> str:
    """Each numeric date read as `read(day, month, year)`; impossible ones are left alone."""

    @safe
    def replace(m: re.Match[str]) -> str:
        day, month = int(m["day"]), int(m["month"])
        if not (1 <= day <= 31 and 1 <= month <= 12):
            raise ValueError(m.group(0))
        return read(day, month, int(m["year"]))

    return NUMERIC_DATE.sub(replace, text)


_FRACTION = re.compile(
    r"(?<![\d/.,])(?:(?P<int>\d{1,3}) )?(?P<num>\d{1,2})/(?P<den>\d{1,2})(?![\d/]|[.,]\d)"
)


def fractions(
    text: str, read: Callable[[int, int, str], str], mixed: Callable[[int, int, int], str]
) -> str:
    """`3/4` → `read(3, 4, following word)`; `2 1/2` → `mixed(2, 1, 2)` where the fraction is
    proper; a zero denominator is left alone."""

    @safe
    def replace(m: re.Match[str]) -> str:
        num, den = int(m["num"]), int(m["den"])
        if den == 0:
            raise ValueError(m.group(0))
        if m["int"] and num < den:
            words = mixed(int(m["int"]), num, den)
        else:
            words = read(num, den, next_word(m.string, m.end()))
            words = f"{m['int']} {words}" if m["int"] else words
        return spaced(m.string, m.start(), m.end(), words)

    return _FRACTION.sub(replace, text)


_RANGE = re.compile(r"(?<![\w.,/-])(\d+)\s?-\s?(\d+)(?![\w.,/]?\d)")


def ranges(text: str, joiner: str) -> str:
    """`2-3 jours` → `2 à 3 jours`: the dash between two plain numbers, the first the smaller,
    said as `joiner` (a score, `3-1`, keeps its dash)."""

    def replace(m: re.Match[str]) -> str:
        low, high = m.groups()
        return f"{low} {joiner} {high}" if int(low) < int(high) else m.group(0)

    return _RANGE.sub(replace, text)


_SIGN = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(\[]))(?P<sign>[-+])(?=\d)")


def signs(text: str, minus: str, plus: str) -> str:
    """A minus or plus sign before a number (after a space, a bracket or at the start)."""
    return _SIGN.sub(lambda m: (minus if m["sign"] == "-" else plus) + " ", text)


_NEXT_WORD = re.compile(r"\s*([^\W\d_]+(?:'[^\W\d_]*)?)")


def next_word(text: str, end: int) -> str:
    """The word right after position `end` (after spaces only), or ""."""
    m = _NEXT_WORD.match(text, end)
    return m.group(1) if m else ""


def spell_numbers(
    text: str, number: NumberFormat, read: Callable[[str, str | None, str], str]
) -> str:
    """Every number left, read as `read(whole, fraction, following word)`."""

    def replace(m: re.Match[str]) -> str:
        words = read(m["whole"], m["fraction"], next_word(m.string, m.end()))
        return spaced(m.string, m.start(), m.end(), words)

    return number.pattern.sub(replace, text)


def month_pattern(months: Iterable[str]) -> str:
    """An alternation of month names matching capitalised and lower-case forms alike."""
    return "|".join(f"(?i:{re.escape(month)})" for month in months)


_LEFTOVER = re.compile(r"\d+(?:[.:]\d+)*")
_PART_MARK = re.compile(r"[.:]")


def leftovers(text: str, read: Callable[[str], str], point: str) -> str:
    """The digits no rule took (`2.0.1`, `3.5`), read part by part with `point` between, so
    that no digit reaches the engine."""

    def parts(run: str) -> str:
        return f" {point} ".join(read(part) for part in _PART_MARK.split(run))

    return leftover_digits(text, parts, _LEFTOVER)


Count = Callable[[str, str | None, Noun], str]
"""Reads (whole as written, fraction or None, noun) → the number and its agreeing noun."""


def money(
    whole: str, fraction: str | None, currency: Currency, count: Count, cents: Callable[[int], str]
) -> str:
    """An amount as French and Italian say it: the units, then the cents' number alone
    (`4,99 €` → count(4, euro) + cents(99)); cents alone with their own noun (`0,50 €`);
    more than two decimals as a plain decimal amount."""
    if fraction is None or len(fraction) > 2 or currency.cent is None:
        return count(whole, fraction, currency.unit)
    hundredths = int(fraction.ljust(2, "0"))
    if int(re.sub(r"\D", "", whole)) == 0 and hundredths:
        return count(str(hundredths), None, currency.cent)
    words = count(whole, None, currency.unit)
    return f"{words} {cents(hundredths)}" if hundredths else words


def whole_number(number: NumberFormat, written: str) -> str:
    """A whole number as written: grouped (`0.000`, `1 234`) always as its value — `NumberFormat.
    read` would read a grouped one with a leading zero digit by digit, marks included, and
    fail —, a code with leading zeros (`007`) digit by digit."""
    if not written.isdigit():
        return cardinal(number.whole(written), number.lang)
    return number.read(written, None)


_TEENS = {
    "dix-sept": "sept", "dix-huit": "huit", "dix-neuf": "neuf", "dix": "", "onze": "un",
    "douze": "deux", "treize": "trois", "quatorze": "quatre", "quinze": "cinq", "seize": "six",
}  # fmt: skip
_TEEN_ORDINALS = {
    "dix-septième": "septième", "dix-huitième": "huitième", "dix-neuvième": "neuvième",
    "dixième": "ième", "onzième": "unième", "douzième": "deuxième", "treizième": "troisième",
    "quatorzième": "quatrième", "quinzième": "cinquième", "seizième": "sixième",
}  # fmt: skip
_SEVENTY_NINETY = re.compile(
    rf"\b(soixante|quatre-vingt)(?:-| et )({alternation([*_TEEN_ORDINALS, *_TEENS])})\b"
)


def septante_nonante(text: str) -> str:
    """Belgian and Swiss French: `soixante-dix` → "septante", `quatre-vingt-onze` → "nonante
    et un", `soixante-dix-septième` → "septante-septième"."""

    def replace(m: re.Match[str]) -> str:
        base = "septante" if m[1] == "soixante" else "nonante"
        unit = _TEENS.get(m[2], _TEEN_ORDINALS.get(m[2], ""))
        if unit in ("", "ième"):
            return base[:-1] + unit if unit else base  # septantième
        return f"{base} et {unit}" if unit.startswith("un") else f"{base}-{unit}"

    return _SEVENTY_NINETY.sub(replace, text)


def decimals(digits: str, lang: str) -> str:
    """Decimals as French and Italian readers say them: `3,14` → "quatorze", `2,05` → "zéro
    cinq"; long ones digit by digit."""
    if len(digits) > 3:
        return digit_by_digit(digits, lang)
    zeros = len(digits) - len(digits.lstrip("0"))
    rest = digits[zeros:]
    return " ".join([cardinal(0, lang)] * zeros + ([cardinal(int(rest), lang)] if rest else []))
