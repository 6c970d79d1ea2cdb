"""What the Russian and Polish readers share: numbers written with spaces between thousands and
a decimal comma, nouns counted with three plural forms, the preposition that governs a number,
and roman numerals read as ordinals."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from worker.synthesis.speech.core import spaced
from worker.synthesis.speech.rules import ROMAN_SOURCE, roman_value

WHOLE = r"\d{1,3}(?: \d{3})+(?!\d)|\d+"
"""A whole number: `2 750 000` (NFKC made the no-break spaces plain) or plain digits."""
NUMBER = rf"(?<![\d.,:])(?P<whole>{WHOLE})(?:,(?P<fraction>\d+))?(?![\d]|[.,:]\d)"
"""A standalone number with an optional decimal comma: groups `whole` and `fraction`."""
_AMOUNT = (
    r"(?<![\d.,:])(?P<whole>\d{1,3}(?:[ .]\d{3})+(?!\d)|\d+)"
    r"(?:(?:,|\.(?=\d\d(?!\d)))(?P<fraction>\d+))?(?![\d]|[.,:]\d)"
)
"""An amount of money: also `1.500 zł` and `14.30 zł`, as prices are often written."""
ROMAN = rf"(?-i:(?P<roman>{ROMAN_SOURCE}))(?![\w])"

_SIGN = re.compile(r"(?:(?<=\s)|^|(?<=[(\[]))(?P<sign>[-+])(?=\d)")
_WORD_BEFORE = re.compile(r"(\w+)\.?\s+$")
_GOES_ON = re.compile(r"\s*[^\s\"'A-ZА-ЯЁĄĆĘŁŃÓŚŹŻ]")
_DIGITS = re.compile(r"\d+")


def whole(written: str) -> int:
    return int(written.replace(" ", "").replace(".", ""))


def signs(text: str, minus: str, plus: str) -> str:
    """A sign written before a number (after a space, a bracket or at the start)."""
    return _SIGN.sub(lambda m: f"{minus if m['sign'] == '-' else plus} ", text)


def word_before(text: str, start: int, skip: frozenset[str] = frozenset()) -> str:
    """The word just before `start`, lower-cased ("" at the start); words in `skip` (a minus
    sign's word) are passed over, so `до -5` still finds `до`."""
    while True:
        m = _WORD_BEFORE.search(text, max(0, start - 40), start)
        if not m:
            return ""
        word = m.group(1).lower()
        if word not in skip:
            return word
        start = m.start()


_LINKED = re.compile(r"\d+(?:,\d+)?\s(?:и|или|i|lub|albo)\s+$")


def governed(text: str, start: int, cases: Mapping[str, str], skip: frozenset[str]) -> str:
    """The case the preposition before `start` governs ("n" where none does); a number joined
    to one before it takes that one's (`между 2 и 3 часами`, `około 2 lub 3 godzin`)."""
    if linked := _LINKED.search(text, max(0, start - 40), start):
        start = linked.start()
    return cases.get(word_before(text, start, skip), "n")


def keeps_stop(text: str, end: int) -> str:
    """ "." where an abbreviation's full stop (ending at `end`) also ends the sentence."""
    return "" if _GOES_ON.match(text, end) else "."


@dataclass(frozen=True)
class Noun:
    """A counted noun: after 1 / after 2–4 / after 5 and more, its genitive singular (after a
    decimal, and in the genitive after 1), its gender ("m", "f", "n") and, where known, its
    dative, instrumental and prepositional, singular then plural (`о 5 километрах`)."""

    one: str
    few: str
    many: str
    genitive: str
    gender: str = "m"
    oblique: tuple[str, ...] = ()

    def counted(self, form: int, case: str) -> str:
        """The noun after a number of plural `form` (0, 1, 2) in `case`; a decimal is form 3.
        Without the oblique forms, the other cases take the genitive's (rare in stories)."""
        if form == 3:
            return self.genitive
        if case in ("d", "i", "p", "l") and self.oblique:
            index = "dip".index("p" if case == "l" else case)
            return self.oblique[index if form == 0 else index + 3]
        if case not in ("n", "a"):
            return self.genitive if form == 0 else self.many
        return (self.one, self.few, self.many)[form]


def nouns(table: Mapping[str, tuple[str, ...]]) -> dict[str, Noun]:
    """A table of abbreviations and their nouns, written as tuples of Noun's fields (the
    oblique forms, if any, after the gender)."""
    return {key: _noun(forms) for key, forms in table.items()}


def _noun(forms: tuple[str, ...]) -> Noun:
    one, few, many, genitive, *rest = forms
    gender = rest[0] if rest else "m"
    return Noun(one, few, many, genitive, gender, tuple(rest[1:]))


def alternatives(keys: Iterable[str]) -> str:
    """A regex alternation of written forms, longest first (`км/ч` before `км`)."""
    return "|".join(re.escape(key) for key in sorted(keys, key=len, reverse=True))


def unit_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """A number and the abbreviation after it: groups `whole`, `fraction`, `unit`."""
    return re.compile(rf"{NUMBER}\s?(?P<unit>{alternatives(keys)})(?![\w])")


def digits_left(text: str, read: Callable[[int], str]) -> str:
    """Whatever digits no rule took (`1.2.3`, `12/5`), read as numbers, none left behind."""
    return _DIGITS.sub(lambda m: spaced(m.string, m.start(), m.end(), read(int(m.group()))), text)


def title_case(words: str) -> str:
    """A regnal ordinal as written after a name: `Пётр Первый`, `Jan Paweł Drugi`."""
    return " ".join(word[:1].upper() + word[1:] for word in words.split())


def name_roman_pattern(upper: str, lower: str) -> re.Pattern[str]:
    """A capitalised name followed by a roman numeral (`Пётр I`, `Jana Pawła II`)."""
    return re.compile(rf"(?P<name>\b[{upper}][{lower}]+)\s{ROMAN}(?P<dot>\.(?=\s[{lower}]))?")


def after_roman_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A counting word and the roman numeral after it (`глава XII`, `rozdział XII`)."""
    source = rf"(?P<word>\b(?:{alternatives(words)}))\s{ROMAN}"
    return re.compile(source, re.IGNORECASE)


def before_roman_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """A roman numeral and the word it counts after it (`XXI век`, `XIX wieku`)."""
    source = rf"(?<![\w.]){ROMAN}\s(?P<word>(?:{alternatives(words)}))(?![\w])"
    return re.compile(source, re.IGNORECASE)


def roman(m: re.Match[str]) -> int:
    return roman_value(m["roman"])


def ending_case(word: str, endings: tuple[tuple[str, str], ...], default: str) -> str:
    """The case a word's ending shows (the first matching ending in `endings` wins)."""
    return next((case for end, case in endings if word.endswith(end)), default)


Count = Callable[[str, str | None, Noun, str], str]
"""Reads (whole as written, fraction or None, noun, case) → "пять километров"."""
Ordinal = Callable[[int, str, str], str]
"""Reads (number, case, gender) → an ordinal."""
_NEXT_WORD = re.compile(r"\s+([^\W\d_]+)")


def next_word(m: re.Match[str]) -> str:
    """The word right after a match, lower-cased ("" where none follows)."""
    found = _NEXT_WORD.match(m.string, m.end())
    return found.group(1).lower() if found else ""


@dataclass(frozen=True)
class Reading:
    """One language's quantities and regnal numerals: its number words (`count`, `ordinal`),
    nouns and the case a number takes where it stands (`case`)."""

    count: Count
    ordinal: Ordinal
    case: Callable[[re.Match[str]], str]
    currencies: Mapping[str, tuple[Noun, Noun]]
    units: Mapping[str, Noun]
    counting_before: Mapping[str, tuple[str, str]]
    female_names: tuple[str, ...]
    name_cases: tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
    """The cases male and female names' endings show."""

    def money(self, m: re.Match[str]) -> str:
        """`4,99 ₽` → "четыре рубля девяносто девять копеек"; `$20`, `5 zł`."""
        main, cent = self.currencies[m["cur"]]
        case, fraction = self.case(m), m["fraction"]
        stop = keeps_stop(m.string, m.end()) if m.group().endswith(".") else ""
        if m["mult"]:  # `$2 млн` → "два миллиона долларов"
            said = f"{self.count(m['whole'], fraction, self.units[m['mult']], case)} {main.many}"
        elif fraction and len(fraction) > 2:  # not cents: a decimal amount
            said = self.count(m["whole"], fraction, main, case)
        else:  # `0,50 zł` is "pięćdziesiąt groszy", without "zero złotych"
            cents = self.count(fraction.ljust(2, "0"), None, cent, case) if fraction else ""
            said = self.count(m["whole"], None, main, case)
            if cents and not int(fraction):
                cents = ""
            elif cents and not whole(m["whole"]):
                said, cents = cents, ""
            said = f"{said} {cents}".strip()
        return spaced(m.string, m.start(), m.end(), said + stop)

    def unit(self, m: re.Match[str]) -> str:
        unit = m["unit"]
        stop = keeps_stop(m.string, m.end()) if unit.endswith(".") else ""
        said = self.count(m["whole"], m["fraction"], self.units[unit], self.case(m))
        return spaced(m.string, m.start(), m.end(), said + stop)

    def roman_name(self, m: re.Match[str]) -> str:
        """`Пётр I` → "Пётр Первый", `Jana Pawła II` → "Jana Pawła Drugiego"."""
        name = m["name"]
        feminine = name.startswith(self.female_names)
        case = ending_case(name, self.name_cases[feminine], "n")
        said = title_case(self.ordinal(roman(m), case, "f" if feminine else "m"))
        return f"{name} {said}{m['dot'] or ''}"

    def roman_after(self, m: re.Match[str]) -> str:
        """`глава XII` → "глава двенадцатая": the noun gives gender and case."""
        gender, case = self.counting_before[m["word"].lower()]
        return f"{m['word']} {self.ordinal(roman(m), case, gender)}"


def money_patterns(
    currencies: Iterable[str], signs: str, multipliers: Iterable[str]
) -> tuple[re.Pattern[str], ...]:
    """An amount and its currency after it (`4,99 zł`, `5 млн ₽`), or one of `signs` before
    it (`$20`, `$2 млн`): groups `whole`, `fraction`, `mult` (a million's abbreviation), `cur`."""
    mult = rf"(?P<mult>{alternatives(multipliers)})(?![\w])"
    after = rf"{_AMOUNT}\s?(?:{mult}\s?)?(?P<cur>{alternatives(currencies)})(?![\w])"
    before = rf"(?P<cur>[{re.escape(signs)}])\s?{_AMOUNT}(?:\s?{mult})?"
    return re.compile(after), re.compile(before)


def money_word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """An amount with cents and its currency written as a word (`4,99 доллара`, `4,99 euro`):
    money, read as whole units and cents. Without cents the plain number reader keeps the
    word as written (it already agrees with the number). Groups as in `money_patterns`."""
    amount = r"(?<![\d.,:])(?P<whole>\d{1,3}(?:[ .]\d{3})+(?!\d)|\d+)[,.](?P<fraction>\d\d)"
    return re.compile(
        rf"{amount}(?![\d]|[.,]\d)(?P<mult>(?!))?\s(?P<cur>{alternatives(words)})(?![\w])"
    )


_CAPITAL = "A-ZА-ЯЁĄĆĘŁŃÓŚŹŻ"


def noun_pattern(table: Iterable[str], capitalised: Iterable[str]) -> re.Pattern[str]:
    """An abbreviated noun before a number or a name (`ул. Ленина`, `na str. 45`): group
    `abbr`. Only those in `capitalised` are also matched with a capital (`Ул.` starts a
    sentence; `Д.` is more often an initial than a house)."""
    keys = [*table, *(key[:1].upper() + key[1:] for key in capitalised)]
    return re.compile(rf"(?<![\w.])(?P<abbr>{alternatives(keys)})\s?(?=\d|[{_CAPITAL}])")


def noun_reader(
    table: Mapping[str, Mapping[str, str]], cases: Mapping[str, str]
) -> Callable[[re.Match[str]], str]:
    """Reads an abbreviated noun in the case its preposition governs (`на ул.` → "на улице")."""

    def read(m: re.Match[str]) -> str:
        abbreviation = m["abbr"]
        said = table[abbreviation.lower()][cases.get(word_before(m.string, m.start()), "n")]
        return (said[:1].upper() + said[1:] if abbreviation[:1].isupper() else said) + " "

    return read


def as_begun(written: str, spoken: str) -> str:
    """A paragraph that began with a number (`1 мая ...`) begins with a capital once read."""
    if written[:1].islower():
        return spoken
    return spoken[:1].upper() + spoken[1:]
