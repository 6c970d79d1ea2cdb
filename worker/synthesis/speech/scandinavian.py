"""Danish, Norwegian and Swedish numbers: one builder, each language's words as data, and the
readers of ordinals, regnal names and roman numerals the three share."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from worker.synthesis.speech.core import spaced


@dataclass(frozen=True)
class Scandinavian:
    """How da, no and sv build numbers: `ones` 0–19 (counting forms), `tens` for 20–90 (index
    2–9), the neuter `1` before hundreds and thousands, `og` before a last part under 100
    (da/no), units first (da `enogtyve`) and sv's one-word numbers below a million."""

    ones: tuple[str, ...]
    tens: tuple[str, ...]
    neuter_one: str
    hundred: str
    thousand: str
    million: tuple[str, str]
    milliard: tuple[str, str]
    ordinal_ones: tuple[str, ...]
    ordinal_tens: tuple[str, ...]
    ordinal_big: Mapping[str, str]
    and_word: str = "og"
    units_first: bool = False
    joined: bool = False
    half: tuple[str, str] = ("halv", "halve")
    part: tuple[str, str] = ("del", "dele")

    def below100(self, n: int, neuter: bool = False) -> str:
        if n == 1 and neuter:
            return self.neuter_one
        if n < 20:
            return self.ones[n]
        tens, unit = divmod(n, 10)
        if not unit:
            return self.tens[tens]
        if self.units_first:
            return f"{self.ones[unit]}{self.and_word}{self.tens[tens]}"
        return self.tens[tens] + self.ones[unit]

    def below1000(self, n: int, neuter: bool = False) -> str:
        hundreds, rest = divmod(n, 100)
        if not hundreds:
            return self.below100(rest, neuter)
        one = self.neuter_one if hundreds == 1 else self.ones[hundreds]
        head = f"{one}{'' if self.joined else ' '}{self.hundred}"
        if not rest:
            return head
        if self.joined:
            return head + self.below100(rest, neuter)
        return f"{head} {self.and_word} {self.below100(rest, neuter)}"

    def cardinal(self, n: int, neuter: bool = False) -> str:
        if n == 0:
            return self.ones[0]
        parts: list[str] = []
        for value, (one, many) in ((10**9, self.milliard), (10**6, self.million)):
            big, n = divmod(n, value)
            if big:
                parts.append(f"en {one}" if big == 1 else f"{self.below1000(big)} {many}")
        thousands, n = divmod(n, 1000)
        if self.joined:
            head = f"{self.below1000(thousands, True)}{self.thousand}" if thousands else ""
            head = head.replace("ttt", "tt")  # sv `ett` + `tusen` is written `ettusen`
            if head or n:
                parts.append(head + (self.below1000(n, neuter) if n else ""))
            return " ".join(parts)
        if thousands:
            parts.append(f"{self.below1000(thousands, True)} {self.thousand}")
        if n:
            small = n < 100 and parts
            words = self.below100(n, neuter) if small else self.below1000(n, neuter)
            parts.append(f"{self.and_word} {words}" if small else words)
        return " ".join(parts)

    def ordinal_below100(self, n: int) -> str:
        if n < 20:
            return self.ordinal_ones[n]
        tens, unit = divmod(n, 10)
        if not unit:
            return self.ordinal_tens[tens]
        if self.units_first:
            return f"{self.ones[unit]}{self.and_word}{self.ordinal_tens[tens]}"
        return self.tens[tens] + self.ordinal_ones[unit]

    def ordinal(self, n: int) -> str:
        rest = n % 100
        if n < 100:
            return self.ordinal_below100(n)
        if rest:
            glue = "" if self.joined else f" {self.and_word} "
            return self.cardinal(n - rest) + glue + self.ordinal_below100(rest)
        if n in (100, 1000):  # "den hundrede dag", not "den et hundrede"
            return self.ordinal_big[self.hundred if n == 100 else self.thousand]
        words = self.cardinal(n)
        for word, spoken in self.ordinal_big.items():
            if words.endswith(word):
                return words[: -len(word)] + spoken
        return words

    def year(self, n: int) -> str:
        """1100–1999 in hundreds (`nitten hundrede og halvfems`), later years as counts."""
        hundreds, rest = divmod(n, 100)
        if not 11 <= hundreds <= 19:
            return self.cardinal(n)
        head = f"{self.below100(hundreds)}{'' if self.joined else ' '}{self.hundred}"
        if not rest:
            return head
        if self.joined:
            return head + self.below100(rest)
        return f"{head} {self.and_word} {self.below100(rest)}"

    def fraction(self, num: int, den: int) -> str:
        """`1⁄2` → "en halv", `3⁄4` → "tre fjerdedele": the ordinal and `del`."""
        count = "en" if num == 1 else self.cardinal(num)
        if den == 2:
            return f"{count} {self.half[num != 1]}"
        return f"{count} {self.ordinal(den)}{self.part[num != 1]}"


class OneBeforeNoun:
    """A bare `1` before a noun takes the noun's gender (da `et år`, `en bil`; sv `ett hus`,
    `en bil`): the neuter before the nouns listed, the common form before any other word."""

    def __init__(self, common: str, neuter: str, neuter_nouns: frozenset[str]) -> None:
        self.common, self.neuter, self.neuter_nouns = common, neuter, neuter_nouns

    def read(self, text: str) -> str:
        if "1" not in text:
            return text
        return _ONE_BEFORE_WORD.sub(self._one, text)

    def _one(self, m: re.Match[str]) -> str:
        return self.neuter if m["noun"].lower() in self.neuter_nouns else self.common


_ONE_BEFORE_WORD = re.compile(r"(?<![\d.,:/-])\b1(?=\s+(?P<noun>[a-zæøåäö]+)\b)")


STOP_ORDINAL = re.compile(r"(?<![\d.,])(\d{1,4})\.(?=,?\s+[a-zæøå]|,\s*\d{1,4}\.)")
"""da/no `3. sal`, `14. juli`, `1., 2. og 3.`: a number with a full stop before a word that goes
on the sentence, or before the next in a list."""
_GOES_ON = re.compile(r",?\s+[a-zæøå]")


def ordinal_reader(numbers: Scandinavian) -> Callable[[re.Match[str]], str]:
    """Reads a match whose group 1 is an ordinal's digits (`3.`, `3:e`)."""

    def read(m: re.Match[str]) -> str:
        return spaced(m.string, m.start(), m.end(), numbers.ordinal(int(m.group(1))))

    return read


def roman_reader(
    numbers: Scandinavian, regnal: Callable[[int], str]
) -> Callable[[int, str, re.Match[str]], str]:
    """For `rules.romans`: a king is "den" and `regnal(value)` (`Karl XII` → "Karl den
    tolfte"); after a counting word the numeral is a count (`kapitel XII` → "kapitel tolv")."""

    def read(value: int, kind: str, m: re.Match[str]) -> str:
        if kind == "name":
            if value > 40:  # `Sony CD`: not a king
                return m.group(0)[len(m["pre"]) :]
            return f"den {regnal(value)}{m['dot'] or ''}"
        return numbers.cardinal(value) + (m["dot"] or "")

    return read


def digit_regnal(kings: tuple[str, ...], regnal: Callable[[int], str]) -> Callable[[str], str]:
    """A king or queen numbered in digits (`Christian 4.`): "den" and `regnal(n)`; the stop is
    kept where it also ends the sentence."""
    pattern = re.compile(rf"\b(?P<name>{'|'.join(kings)}) (?P<n>\d{{1,2}})\.")

    def replace(m: re.Match[str]) -> str:
        ends = not _GOES_ON.match(m.string, m.end())
        return f"{m['name']} den {regnal(int(m['n']))}{'.' if ends else ''}"

    return lambda text: pattern.sub(replace, text)
