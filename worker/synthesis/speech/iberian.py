"""What the Spanish and Portuguese readers share: the rules, in order, for money, units,
temperatures, dates, times, ordinals, roman numerals, titles and numbers agreeing with their
noun (its gender by `Genders`). Each language gives its words as data (`Iberian`): tables, and
how it spells numbers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from worker.synthesis.speech.core import alternation, digit_by_digit, spaced, word_set
from worker.synthesis.speech.romance import Currency, Noun
from worker.synthesis.speech.rules import Abbreviations, NumberFormat, RomanContexts, romans


@dataclass(frozen=True)
class Words:
    """How a language says whole numbers; `cardinal` is the masculine form said alone."""

    cardinal: Callable[[int], str]
    feminine: Callable[[str], str]
    before_noun: Callable[[str], str]  # the masculine before its noun: `veintiún años`
    ordinal: Callable[[int, bool, bool], str]  # (n, feminine, before a noun): `primer piso`


@dataclass(frozen=True)
class Genders:
    """A noun's gender from its ending (`endings` feminine), with the common exceptions: the
    `feminine` listed, the `masculine` in -a (`día`, `problema`) and the `stop` words."""

    feminine: frozenset[str]
    masculine: frozenset[str]
    stop: frozenset[str]
    endings: tuple[str, ...]

    def is_feminine(self, word: str) -> bool:
        if word in self.feminine:
            return True
        if word in self.masculine or word in self.stop or len(word) < 3:
            return False
        return word.endswith(self.endings)


_LETTERS = r"[^\W\d_]+"
_WORD_AFTER = re.compile(rf"\s+(?P<word>{_LETTERS})")
_WORD_BEFORE = re.compile(rf"(?P<word>{_LETTERS})\s+$")
_MILLIONS = re.compile(r"(?:millón|millones|billón|billones|milhão|milhões|bilhão|bilhões)$")
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡\"]\s*)$")
_PAIRED = re.compile(rf"\s+(?:o|u|y|e|ou|a)\s+\d+\s+(?P<word>{_LETTERS})")
_POINT_DECIMAL = re.compile(r"(?<![\d.,])(\d+)\.(\d{1,2})(?![\d]|[.,]\d)")


@dataclass(frozen=True)
class Iberian:
    """One language (and region)'s reader; `read` applies the rules, most specific first."""

    number: NumberFormat
    words: Words
    is_feminine: Callable[[str], bool]
    stop_words: frozenset[str]  # words after a number that are not its noun: `1 de cada 3`
    months: tuple[str, ...]
    first_day: str
    units: Mapping[str, Noun]
    currencies: Mapping[str, Currency]
    degree: Noun
    abbreviations: Abbreviations
    titles: Mapping[str, tuple[str, str]]  # before a name: (before a man's, before a woman's)
    roman_contexts: RomanContexts
    counting_ordinals: bool  # `capítulo III` an ordinal up to ten, as kings are
    time: Callable[[int, int], str]  # (hour, minute) → the time said
    said: Mapping[str, str]  # words for "+", "%", "and" (money and cents), "to" (a range), "x"
    rules: Callable[[str], str] = lambda text: text  # its own, after the abbreviations

    def read(self, text: str) -> str:
        text = self.abbreviations.expand(text)
        text = self._titles(self.rules(text))
        text = _FIRST.sub(self._first, romans(text, self.roman_contexts, self._roman))
        text = self._dates_and_times(text)
        sign = {"+": self.said["+"], "-": self.number.minus_word}
        text = self._measures(_SIGN.sub(lambda m: sign.get(m[0], sign["-"]) + " ", text))
        return self._numbers(self._ordinals(text))

    def say(self, n: int, feminine: bool = False, before_noun: bool = False) -> str:
        words = self.words.cardinal(n)
        if feminine:  # only what follows the millions agrees: `dos millones doscientas mil`
            parts = words.split(" ")
            last = max((i for i, w in enumerate(parts) if _MILLIONS.search(w)), default=-1)
            tail = self.words.feminine(" ".join(parts[last + 1 :]))
            return " ".join([*parts[: last + 1], tail]).strip()
        return self.words.before_noun(words) if before_noun else words

    def decimal(self, whole: str, fraction: str | None) -> str:
        """`3,14` → "tres coma catorce": a short fraction is said as a number, after a
        "cero" for each leading zero; a long one digit by digit."""
        lang, zero = self.number.lang, whole.startswith("0") and len(whole) > 1
        words = digit_by_digit(whole, lang) if zero else self.say(self.number.whole(whole))
        if not fraction:
            return words
        rest = fraction.lstrip("0")
        said = [words, self.number.decimal_word, *[self.say(0)] * (len(fraction) - len(rest))]
        if rest:
            said.append(self.say(int(rest)) if len(rest) <= 2 else digit_by_digit(rest, lang))
        return " ".join(said)

    def count(self, whole: str, fraction: str | None, noun: Noun) -> str:
        """A number and its noun, agreeing: "un kilómetro", "doscientas libras"."""
        if fraction:
            return f"{self.decimal(whole, fraction)} {noun.many}"
        n = self.number.whole(whole)
        words = self.say(n, noun.feminine, before_noun=True)
        name = noun.one if n == 1 else noun.many
        return f"{words} de {name}" if _MILLIONS.search(words) else f"{words} {name}"

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern[str]]:
        number = self.number.source
        cur, unit = alternation(self.currencies), alternation(self.units)
        titles, lone = alternation(self.titles).replace(r"\.", r"\.\s?"), rf"(?<![\d.,]){number}"
        scaled = rf"{number}(?:\s(?P<scale>{_SCALES}))?(?![\d\w]|[.,]\d)"
        return {
            "title": re.compile(  # not `vitamina D. Luego`
                rf"(?<![\w.])(?P<key>{titles})(?P<name>\s+(?!(?:{_NOT_NAMES})\b)[A-ZÀ-Þ][^\W\d_]*)"
            ),
            "first_day": re.compile(rf"(?<![\d.,])1(?=\s+de\s+(?:{'|'.join(self.months)})\b)"),
            "money": re.compile(rf"{lone}\s?(?P<cur>{cur})(?![\w$])"),
            "money_first": re.compile(rf"(?<![\w$])(?P<cur>{cur})\s?{scaled}"),
            "temperature": re.compile(rf"{lone}\s?(?:°|º(?=\s?[CF]\b))\s?(?P<scale>[CF])?(?!\w)"),
            "percent": re.compile(rf"{lone}\s?%"),
            "unit": re.compile(rf"{lone}\s?(?P<unit>{unit})(?![\w/])"),
        }

    def _titles(self, text: str) -> str:
        def replace(m: re.Match[str]) -> str:
            man, woman = self.titles[re.sub(r"\s", "", m["key"])]
            said = woman if self.is_feminine_name(m["name"].strip()) else man
            if _SENTENCE_START.search(m.string, max(0, m.start() - 4), m.start()):
                said = said[0].upper() + said[1:]
            return said + m["name"]

        return self._patterns["title"].sub(replace, text)

    def is_feminine_name(self, name: str) -> bool:
        return name.endswith("a") or name in _WOMEN

    def _first(self, m: re.Match[str]) -> str:  # `Carlos I`: no word is a lone `I` here
        return m["pre"] + self.words.ordinal(1, self.is_feminine_name(m["name"]), False)

    def _roman(self, value: int, kind: str, m: re.Match[str]) -> str:
        """Kings by ordinals up to ten, then cardinals; after `capítulo`, as the language says."""
        roman, dot = m["roman"], m["dot"] or ""
        if kind == "name" and not set(roman) <= set("IVX"):  # `Washington DC`, `vitamina C`
            return roman + dot
        name = m["pre"].strip().split()[-1]
        feminine = self.is_feminine_name(name) if kind == "name" else self.is_feminine(name)
        if value <= 10 and (kind == "name" or self.counting_ordinals):
            return self.words.ordinal(value, feminine, False) + dot
        return self.say(value) + dot  # `la parte XII` → "la parte doce"

    def _dates_and_times(self, text: str) -> str:
        def date(m: re.Match[str]) -> str:
            day, month, year = int(m["d"]), int(m["m"]), m["y"]
            if not (1 <= day <= 31 and 1 <= month <= 12):
                return m.group(0)
            said = f"{self.first_day if day == 1 else self.say(day)} de {self.months[month - 1]}"
            return f"{said} de {self.say(int(year) + (2000 if len(year) == 2 else 0))}"

        def time(m: re.Match[str]) -> str:
            hour, minute = int(m["h"]), int(m["m"] or 0)
            if hour > 24 or minute > 59:
                return m.group(0)
            return spaced(m.string, m.start(), m.end(), self.time(hour, minute))

        def range_(m: re.Match[str]) -> str:
            ok = int(m[1]) < int(m[2])
            return f"{m[1]} {self.said['to']} {m[2]}" if ok else m.group(0)

        def phone(m: re.Match[str]) -> str:  # `+34 91 123 45 67`: group by group
            return " ".join(self.decimal(g, None) for g in re.findall(r"\d+", m[0]))

        text = self._patterns["first_day"].sub(self.first_day, _NUMERIC_DATE.sub(date, text))
        text = _PHONE.sub(lambda m: f"{self.said['+']} {phone(m)}", text)
        text = _TIMES_SIGN.sub(f" {self.said['x']} ", text)
        text = _RANGE.sub(range_, _DOT_TIME.sub(time, _TIME.sub(time, text)))
        comma = self.number.decimal_mark == ","  # `10.5 km` in Spain: no group has 1 digit
        return _POINT_DECIMAL.sub(r"\1,\2", text) if comma else text

    def _money(self, m: re.Match[str]) -> str:
        currency, whole, fraction = self.currencies[m["cur"]], m["whole"], m["fraction"]
        if m.groupdict().get("scale"):  # `US$ 1,5 milhão` → "um vírgula cinco milhão de dólares"
            n = self.say(self.number.whole(whole), False, True)
            n = self.decimal(whole, fraction) if fraction else n
            return f"{n} {m['scale']}{'' if m['scale'] == 'mil' else ' de'} {currency.unit.many}"
        if fraction and len(fraction) > 2:
            return self.count(whole, fraction, currency.unit)
        cents = int((fraction or "0").ljust(2, "0"))
        said = [self.count(whole, None, currency.unit)] if self.number.whole(whole) else []
        if cents and currency.cent:
            said.append(self.count(str(cents), None, currency.cent))
        return f" {self.said['and']} ".join(said or [self.count(whole, None, currency.unit)])

    def _measures(self, text: str) -> str:
        """Money, temperatures, percentages and units, each with its number."""
        readers: dict[str, Callable[[re.Match[str]], str]] = {
            "money": self._money,
            "money_first": self._money,
            "temperature": lambda m: (
                self.count(m["whole"], m["fraction"], self.degree)
                + (" Fahrenheit" if m["scale"] == "F" else "")
            ),
            "percent": lambda m: f"{self.decimal(m['whole'], m['fraction'])} {self.said['%']}",
            "unit": lambda m: self.count(m["whole"], m["fraction"], self.units[m["unit"]]),
        }
        for kind, read in readers.items():

            def replace(m: re.Match[str], read: Callable[[re.Match[str]], str] = read) -> str:
                return spaced(m.string, m.start(), m.end(), read(m))

            text = self._patterns[kind].sub(replace, text)
        return text

    def _ordinals(self, text: str) -> str:
        def replace(m: re.Match[str]) -> str:
            mark = m["mark"]
            feminine = mark.rstrip("s")[-1] in "ªa"
            alone = feminine or mark.endswith("s")  # `primeros puestos`: no shortening
            noun = self._noun_after(m.string, m.end())  # not `3.º izquierda`
            before = mark == "er" or (not alone and noun is not None and not self.is_feminine(noun))
            said = self.words.ordinal(int(m["n"]), feminine, before)
            return said + ("s" if mark.endswith("s") else "")

        return _ORDINAL.sub(replace, text)

    def _noun_after(self, text: str, end: int) -> str | None:
        """The word after a number when it may be the number's noun."""
        after = _WORD_AFTER.match(text, end)
        word = after["word"] if after else None
        return word if word and word.lower() not in self.stop_words and len(word) > 1 else None

    def _numbers(self, text: str) -> str:
        def replace(m: re.Match[str]) -> str:
            whole, fraction = m.groupdict().get("whole", m[0]), m.groupdict().get("fraction")
            if fraction or whole.startswith("0") or m.re is _DIGITS:
                said = self.decimal(whole, fraction)
            else:
                said = self._agreeing(self.number.whole(whole), m.string, m.start(), m.end())
            return spaced(m.string, m.start(), m.end(), said)

        # then what no rule took (`1,500.50` in Spain): its runs of digits, none left unread
        return _DIGITS.sub(replace, self.number.pattern.sub(replace, text))

    def _agreeing(self, n: int, text: str, start: int, end: int) -> str:
        """`n` agreeing with the noun after it (`veintiún años`, `doscientas páginas`), or
        with a feminine article before it (`a la 1` → "a la una")."""
        noun = self._noun_after(text, end)
        before = _WORD_BEFORE.search(text, max(0, start - 30), start)
        previous = before["word"].lower() if before else ""
        noun = noun if noun and noun[0].islower() else None
        if n in _SERVICES and not noun and previous in _CALLED:  # `llama al 112`
            return digit_by_digit(str(n), self.number.lang)
        paired = _PAIRED.match(text, end)  # `1 o 2 personas` → "una o dos personas"
        word = (noun or (paired and paired["word"]) or "").lower()
        if self.is_feminine(word) or previous in _FEMININE_ARTICLES:
            said = self.say(n, feminine=True)
        else:
            counts = noun is not None and (n == 1 or noun.endswith("s"))
            said = self.say(n, before_noun=counts and previous not in _NAMING_WORDS)
        # `500 000 000 habitantes` → "quinientos millones de habitantes"
        return f"{said} de" if noun and _MILLIONS.search(said) else said


_NOT_NAMES = "El|La|Los|Las|Un|Una|Luego|Después|Entonces|Pero|Y|En|Es|No|Se|O|A|Os|As"
_WOMEN = word_set("Isabel Beatriz Inés Inês Leonor Carmen Raquel Mercedes Pilar")
_FEMININE_ARTICLES = word_set("la las una unas à às")
_NAMING_WORDS = word_set("el número página capítulo artículo o")  # `el número 1`: names
_DIGITS = re.compile(r"\d+")
_SERVICES = frozenset({112, 911, 190, 192, 193, 999})
_CALLED = word_set("al ao o el para")
_SCALES = "mil millones|millones|millón|mil milhões|milhões|milhão|bilhões|bilhão|mil"
_FIRST = re.compile(r"(?P<pre>\b(?P<name>[A-ZÀ-Þ][a-zà-ÿ]+) )I\b(?![.']?\w)")
_SIGN = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=[(\[]))[-−+](?=\d)")
_NUMERIC_DATE = re.compile(
    r"(?<![\d.,/-])(?P<d>\d{1,2})(?P<s>[/.-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\d/.-]\d|\d)"
)
_TIME = re.compile(
    r"(?<![\d.,:])(?P<h>[01]?\d|2[0-4])(?:(?::|h)(?P<m>[0-5]\d)(?:\s?h(?!\w))?|h(?!\w))(?![\d:])"
)
_DOT_TIME = re.compile(  # `a las 7.45`, `19.30 h`: a dot, and an article or `h` saying it is a time
    r"(?:(?<=\blas )|(?<=\bla )|(?<=às )|(?<=à )|(?=\d\d?\.\d\d\s?h(?!\w)))"
    r"(?P<h>[01]?\d|2[0-4])\.(?P<m>[0-5]\d)(?:\s?h(?!\w))?(?!\d|[.,]\d)"
)
_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]\d{2,4}){2,5}(?![\w-])")
_TIMES_SIGN = re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)")
_RANGE = re.compile(r"(?<![\d.,/:-])(\d+) ?- ?(\d+)(?![\d.,/:-]\d|\d)")
_ORDINAL = re.compile(  # `1.º`, `1.ª`, `1.er`, `1o`; the Americas' `1ro`, `2da`, `3er`, `4to`
    r"(?<![\d.,])(?P<n>\d+)\.?(?P<mark>[ºª]s?|(?:[rdtvnm]?[oa]|er|era)s?)(?!\w)"
)
