"""What the readers of el, hi, ms, sw, zh, ja, ko, ar and he share: finding numbers (with the
language's separators, decimal mark, sign, percent sign) and the rule patterns (money, units,
times, dates, phones, ranges) each language fills with its own words and tables (`Numerals`).
What a converter does not cover (ids, leading zeros, long runs of digits) is read digit by
digit; a last pass reads any digit left, so none survives and none is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from worker.synthesis.speech.core import alternation, spaced

Replace = Callable[[re.Match[str]], str]
Rule = tuple[re.Pattern[str], Replace]

_SIGN = r"(?<![\d.,])(?:(?<![^\s(\[/:\u2e80-\uffff])(-))?"
"""A minus sign counts only at the start of a word (`-5`, `降到-5`), not in `5-10` or `A-4`."""
_LEFTOVER = re.compile(r"\d+")
MAX_DIGITS = 15
"""Longer numbers are ids or card numbers, read digit by digit."""
UNGROUPED_DIGITS = 9


@dataclass(frozen=True)
class Amount:
    """A number as written: its sign, its whole digits (separators removed) and fraction."""

    negative: bool
    whole: str
    fraction: str
    grouped: bool = False
    """Written with thousands separators (or money): a quantity, however long."""

    @property
    def integer(self) -> int:
        """The whole part; a ValueError if too long to say (an id: read digit by digit)."""
        if len(self.whole) > MAX_DIGITS:
            raise ValueError("too long to say as a number")
        return int(self.whole)

    def money(self) -> tuple[Amount, int]:
        """A sum's units, said as a quantity, and its hundredths (`5.5` → 5 and 50)."""
        return Amount(self.negative, self.whole, "", True), int(self.fraction.ljust(2, "0")[:2])


Said = Callable[[str, Amount], str]
"""Reads (the sign, code or unit as written, the amount) → words."""
Scaled = Callable[[str, Amount, str], str]


@dataclass(frozen=True)
class Numerals:
    """How a language writes and says numbers."""

    spell: Callable[[int], str]
    """Cardinal words for 0 <= n < 10**max_digits."""
    digits: Sequence[str]
    point: str
    minus: str
    percent: str
    """The phrase for `n %`, with `{}` where the number goes (`百分之{}`, `{} peratus`)."""
    decimal_mark: str = "."
    group: str = r"\d{1,3}(?:,\d{3})+"
    """A whole number written with thousands separators."""
    join: str = " "
    """Between words put side by side: "" where words are written unspaced (zh, ja)."""
    digit_join: str | None = None
    """Between the digits of an id read one by one, where not `join` (Japanese spaces them:
    七 七 七; a fraction stays one word: 三点一四)."""
    fraction_as_number: bool = False
    """`3,14` read "three comma fourteen" (el, he, ar) rather than digit by digit."""
    max_digits: int = MAX_DIGITS

    @property
    def number(self) -> str:
        """The pattern of an unsigned number: group 1 the whole part, group 2 the fraction."""
        mark = re.escape(self.decimal_mark)
        return rf"({self.group}|\d+)(?:{mark}(\d+))?(?!\d)"

    @property
    def signed(self) -> str:
        """`number`, with an optional minus sign as group 1 (whole and fraction move to 2, 3)."""
        return _SIGN + self.number

    def words(self, *parts: str) -> str:
        return self.join.join(part for part in parts if part)

    def amount(self, m: re.Match[str], start: int = 1, *, signed: bool = True) -> Amount:
        """The Amount a `signed` (or, with signed=False, `number`) match holds from `start`."""
        negative = bool(m.group(start)) if signed else False
        first = start + 1 if signed else start
        whole = re.sub(r"\D", "", m.group(first))
        grouped = len(whole) < len(m.group(first))
        return Amount(negative, whole, m.group(first + 1) or "", grouped)

    def one_by_one(self, digits: str, between: str | None = None) -> str:
        if between is None:
            between = self.join if self.digit_join is None else self.digit_join
        return between.join(self.digits[int(d)] for d in digits)

    def whole(self, digits: str, *, grouped: bool = False) -> str:
        """Read as a number, or digit by digit where no reader would say it as one: a leading
        zero, or more than 9 digits in a row (a phone number or an id: 13800138000) unless
        thousands separators show a quantity (1,400,000,000)."""
        limit = self.max_digits if grouped else min(self.max_digits, UNGROUPED_DIGITS)
        if len(digits) > limit or (len(digits) > 1 and digits[0] == "0"):
            return self.one_by_one(digits)
        return self.spell(int(digits))

    def fraction(self, digits: str) -> str:
        if self.fraction_as_number and len(digits) <= 2 and digits[0] != "0":
            return self.spell(int(digits))
        return self.one_by_one(digits, self.join)  # 三点一四: a fraction is one word

    def unsigned(self, amount: Amount) -> str:
        words = self.whole(amount.whole, grouped=amount.grouped)
        if amount.fraction:
            words = self.words(words, self.point, self.fraction(amount.fraction))
        return words

    def say(self, amount: Amount) -> str:
        words = self.unsigned(amount)
        return self.words(self.minus, words) if amount.negative else words


def apply(text: str, rules: Iterable[Rule]) -> str:
    """Each rule in turn; a replacement touching a spaced letter is kept apart from it, and a
    match that proves not to be what it looked like (ValueError) is left as written."""

    def run(replace: Replace) -> Replace:
        def guarded(m: re.Match[str]) -> str:
            try:
                return spaced(m.string, m.start(), m.end(), replace(m))
            except (ValueError, LookupError):  # a table without the word: left to later rules
                return m.group(0)

        return guarded

    for pattern, replace in rules:
        text = pattern.sub(run(replace), text)
    return text


def before_number(numerals: Numerals, keys: Iterable[str], say: Said) -> Rule:
    """`$5`, `RM 5`: a sign or code written before its number."""
    pattern = re.compile(rf"(?<![^\W\d_\u2e80-\uffff])({alternation(keys)})\s?{numerals.signed}")
    return pattern, lambda m: say(m.group(1), numerals.amount(m, 2))


def after_number(numerals: Numerals, keys: Iterable[str], say: Said) -> Rule:
    """`5 €`, `5 km`, `-3 °C`: a sign, code or unit written after its number; no letter of a
    spaced script may follow it (`5 mangoes` is not `5 m`)."""
    pattern = re.compile(rf"{numerals.signed}\s?({alternation(keys)})(?![^\W\d_\u2e80-\uffff])")
    return pattern, lambda m: say(m.group(4), numerals.amount(m))


def scaled_money_rule(numerals: Numerals, signs: Iterable[str], scales: str, say: Scaled) -> Rule:
    """`RM1.5 juta`, `₹2 करोड़`: a currency, its number and a scale word (`scales`, a regex
    alternation with its end), said by `say(currency, amount, scale)` in the language's order."""
    money = rf"(?<![^\W\d_])({alternation(signs)})\s?{numerals.signed}\s?({scales})"
    return re.compile(money), lambda m: say(m.group(1), numerals.amount(m, 2), m.group(5))


def time_rule(say: Callable[[int, int], str], around: tuple[str, str] = ("", "")) -> Rule:
    """`14:30`, `7:05`: hours and minutes; `around` the words the reading already says and
    so replaces, before and after (`saa 14:30`, `14:30 बजे`)."""
    before, after = (f"(?:{word})?" if word else "" for word in around)
    time = r"(?<![\d:.,])([01]?\d|2[0-3]):([0-5]\d)(?![\d:])"
    pattern = re.compile(before + time + after)
    return pattern, lambda m: say(int(m.group(1)), int(m.group(2)))


def dotted_time_rule(say: Callable[[int, int], str], words: str) -> Rule:
    """`pukul 2.30`, `στις 9.30`: a time written with a dot, after one of the `words` (a
    regex alternation) that say it is one; the word is kept."""
    pattern = re.compile(rf"((?<!\w)(?:{words}) )([01]?\d|2[0-3])\.([0-5]\d)(?![\d.,]\d)")
    return pattern, lambda m: m.group(1) + say(int(m.group(2)), int(m.group(3)))


def fraction_rule(numerals: Numerals, say: Callable[[str, str], str]) -> Rule:
    """`1/2`, `3/4`: said with the numerator's and denominator's words (二分之一)."""
    pattern = re.compile(r"(?<![\d/.,])(\d{1,3})/(\d{1,3})(?![\d/])")
    return pattern, lambda m: say(numerals.whole(m.group(1)), numerals.whole(m.group(2)))


_PHONE = re.compile(
    r"(?<![\d.,+])(?<!\d-)(\+)?"
    r"((?:(?<=\+)\d|0)\d{0,4}(?:[ -]\d{1,8}){1,5}|\d{1,5}(?:-\d{1,8}){1,5})"
    r"(?![^\W\u2e80-\uffff]|-|[.,]\d)"
)
"""Groups of digits apart by dashes, or by spaces too after a `+` or a leading 0."""


def phone_rule(
    numerals: Numerals,
    digits: Sequence[str] | None = None,
    join: str | None = None,
    between: str = ", ",
) -> Rule:
    """`555-1234`, `+60 12-345 6789`: digit by digit, `between` the groups a pause or the
    language's word for the dash; the `+` is kept for the engine."""
    words = digits or numerals.digits
    inside = numerals.join if join is None else join

    def say(m: re.Match[str]) -> str:
        groups = re.split(r"[ -]", m.group(2))
        if not _is_phone(bool(m.group(1)), m.group(2), groups):
            raise ValueError("not a phone number")
        spoken = between.join(inside.join(words[int(d)] for d in g) for g in groups)
        return f"+{spoken}" if m.group(1) else spoken

    return _PHONE, say


def _is_phone(plus: bool, written: str, groups: list[str]) -> bool:
    """With a `+`; else with a dash, and a group starting with 0 (`03-2161 2345`), three
    groups (`210-555-1234`) or the local shapes 3-4 and 5-5 (`555-1234`, `98765-43210`);
    not `5 10 15` (three numbers), `5-10` (a range) nor `1990-1995` (years)."""
    if plus or (len(groups) >= 3 and "-" in written):
        return True
    leading_zero = any(g[0] == "0" and len(g) > 1 for g in groups)
    return "-" in written and (leading_zero or [len(g) for g in groups] in ([3, 4], [5, 5]))


def range_rule(numerals: Numerals, word: str, dashes: str = "-~") -> Rule:
    """`5-10` → five, `word`, ten (`word` with its spaces: " to ", "到", "에서 "), where the
    second number is the larger (`3-2` is a score). Only the first number and the dash are
    read here: the second is left to the rules of money and units (`5-10 km`)."""
    pattern = re.compile(rf"{numerals.signed}\s?[{re.escape(dashes)}]\s?(?={numerals.number})")

    def say(m: re.Match[str]) -> str:
        first, second = numerals.amount(m), numerals.amount(m, 4, signed=False)
        low = -float(first.whole) if first.negative else float(first.whole)
        if float(second.whole) <= low or second.whole.startswith("0"):
            raise ValueError("not a range")
        return numerals.say(first) + word

    return pattern, say


def _checked(year: int, month: int, day: int) -> tuple[int, int, int]:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        raise ValueError("not a date")
    return year, month, day


def date_rules(say: Callable[[int, int, int], str], *, day_first: bool = True) -> list[Rule]:
    """`2024-03-05`, `2024/3/5` and, day first (`5/3/2024`, `5.3.2024`) or month first."""
    ymd = re.compile(r"(?<![\d.,/-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d/])")
    other = re.compile(r"(?<![\d.,/-])(\d{1,2})([-/.])(\d{1,2})\2(\d{4})(?![\d/])")

    def iso(m: re.Match[str]) -> str:
        return say(*_checked(int(m.group(1)), int(m.group(3)), int(m.group(4))))

    def written(m: re.Match[str]) -> str:
        first, second = int(m.group(1)), int(m.group(3))
        day, month = (first, second) if day_first else (second, first)
        return say(*_checked(int(m.group(4)), month, day))

    return [(ymd, iso), (other, written)]


def _percent(numerals: Numerals, amount: Amount) -> str:
    words = numerals.percent.format(numerals.unsigned(amount))
    return numerals.words(numerals.minus, words) if amount.negative else words


def number_rules(numerals: Numerals) -> list[Rule]:
    """Percentages, then every number left, then any digit still left (`1.2.3`)."""
    number = re.compile(numerals.signed)
    return [
        (re.compile(rf"{numerals.signed}\s?%"), lambda m: _percent(numerals, numerals.amount(m))),
        (number, lambda m: numerals.say(numerals.amount(m))),
        (_LEFTOVER, lambda m: numerals.whole(m.group(0))),
    ]


def reader(
    numerals: Numerals,
    rules: Sequence[Rule],
    native_digits: Mapping[int, int] | None = None,
    after: Sequence[Rule] = (),
) -> Callable[[str, str], str]:
    """Its own rules, its numbers, then `after` rules tidying what numbers became; first
    `native_digits` (a str.translate table) makes the language's digits (`٣`, `३`) ASCII."""
    everything = [*rules, *number_rules(numerals)]

    def read(text: str, region: str) -> str:
        if native_digits:
            text = text.translate(native_digits)
        text = apply(text, everything)
        for pattern, replace in after:
            text = pattern.sub(replace, text)
        return text

    return read
