"""Dutch read as a careful reader says it: `2.750.000`, `€ 4,99` → "vier euro
negenennegentig", ordinals `1e`, `3de`, `21ste`, dates `14-07-2024`, times `14.30 uur`,
`Karel V` → "Karel de Vijfde", units, abbreviations and titles. Numbers are spelled as the
Taalunie writes them: one word up to a thousand, a space after it ("tweeduizend vijftig")."""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech import germanic
from worker.synthesis.speech.core import (
    digit_by_digit,
    greek_symbols,
    spaced,
    word_set,
)
from worker.synthesis.speech.germanic import Currency, Language, Scale, Unit
from worker.synthesis.speech.rules import (
    ROMAN_SOURCE,
    NumberFormat,
    RomanContexts,
    fraction_pattern,
    roman_value,
    romans,
)

MONTHS = (
    "januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
    "oktober", "november", "december",
)  # fmt: skip
_EURO, _DOLLAR = (
    Currency("euro", "euro", "cent", "cent"),
    Currency("dollar", "dollar", "cent", "cent"),
)
_POUND, _FRANC = (
    Currency("pond", "pond", "penny", "pence"),
    Currency("frank", "frank", "rappen", "rappen"),
)
_YEN = Currency("yen", "yen", "sen", "sen")
CURRENCIES = {
    "€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    "CHF": _FRANC, "¥": _YEN, "JPY": _YEN,
}  # fmt: skip


UNITS = {
    "km": Unit("kilometer"), "m": Unit("meter"), "cm": Unit("centimeter"), "mm": Unit("millimeter"),
    "μm": Unit("micrometer"), "kg": Unit("kilogram"), "g": Unit("gram"), "mg": Unit("milligram"),
    "μg": Unit("microgram"), "t": Unit("ton"), "l": Unit("liter"), "L": Unit("liter"),
    "ml": Unit("milliliter"), "cl": Unit("centiliter"), "dl": Unit("deciliter"),
    "km/u": Unit("kilometer per uur"), "km/h": Unit("kilometer per uur"),
    "m/s": Unit("meter per seconde"), "h": Unit("uur"), "min": Unit("minuut", "minuten"),
    "s": Unit("seconde", "seconden"), "sec": Unit("seconde", "seconden"),
    "ms": Unit("milliseconde", "milliseconden"), "m2": Unit("vierkante meter"),
    "km2": Unit("vierkante kilometer"), "m3": Unit("kubieke meter"), "ha": Unit("hectare"),
    "kWh": Unit("kilowattuur"), "kW": Unit("kilowatt"), "W": Unit("watt"), "V": Unit("volt"),
    "Hz": Unit("hertz"), "kB": Unit("kilobyte"), "MB": Unit("megabyte"), "GB": Unit("gigabyte"),
    "TB": Unit("terabyte"), "°C": Unit("graad Celsius", "graden Celsius"),
    "°F": Unit("graad Fahrenheit", "graden Fahrenheit"), "°": Unit("graad", "graden"),
    "Ω": Unit("ohm"),
}  # fmt: skip
"""Keyed by the NFKC form: `µ` is the Greek `μ`, `m²` is `m2`."""
_MILLION, _BILLION = Scale("miljoen", "miljoen", 10**6), Scale("miljard", "miljard", 10**9)
SCALES = {"mln.": _MILLION, "mln": _MILLION, "mld.": _BILLION, "mld": _BILLION}

_ONE_IN_A_WORD = re.compile(r"(?<=\w)één")
_AFTER_THOUSAND = re.compile(r"duizend(?=[a-zë])(?!ste\b)")


def _fix(words: str) -> str:
    """num2words writes "honderdéén" and "tweeduizendvijftig"; the Taalunie "honderdeen"
    and "tweeduizend vijftig" (a space after duizend)."""
    return _AFTER_THOUSAND.sub("duizend ", _ONE_IN_A_WORD.sub("een", words))


LANGUAGE = Language(
    number=NumberFormat("nl", ",", ". ", "komma", "min"),
    fix=_fix,
    one=lambda feminine: "één",
    currencies=CURRENCIES, units=UNITS, scales=SCALES,
    hour="uur", seconds="en {} seconden", until="tot", percent="procent", hundred="honderd",
)  # fmt: skip

_MAY_END = {
    "enz.": "enzovoort", "etc.": "etcetera", "e.d.": "en dergelijke", "e.a.": "en andere",
    "jl.": "jongstleden", "a.s.": "aanstaande", "n.Chr.": "na Christus", "v.Chr.": "voor Christus",
    "a.u.b.": "alstublieft", "z.o.z.": "zie ommezijde", "mln.": "miljoen", "mld.": "miljard",
}  # fmt: skip
_NEVER_END = {
    "bijv.": "bijvoorbeeld", "bv.": "bijvoorbeeld", "d.w.z.": "dat wil zeggen",
    "o.a.": "onder andere", "dhr.": "de heer", "mevr.": "mevrouw", "mw.": "mevrouw",
    "blz.": "bladzijde", "pag.": "pagina", "hfdst.": "hoofdstuk", "ca.": "circa", "nr.": "nummer",
    "dr.": "dokter", "prof.": "professor", "mr.": "meester", "ir.": "ingenieur",
    "drs.": "doctorandus", "ing.": "ingenieur", "st.": "sint", "m.b.t.": "met betrekking tot",
    "i.p.v.": "in plaats van", "t.o.v.": "ten opzichte van", "i.v.m.": "in verband met",
    "n.a.v.": "naar aanleiding van", "m.a.w.": "met andere woorden", "vnl.": "voornamelijk",
    "incl.": "inclusief", "excl.": "exclusief", "ong.": "ongeveer", "t.a.v.": "ter attentie van",
    "m.i.": "mijns inziens", "vs.": "versus", "resp.": "respectievelijk", "evt.": "eventueel",
    "zgn.": "zogenaamd", "tel.": "telefoon", "gem.": "gemiddeld",
}  # fmt: skip


ABBREVIATIONS = germanic.abbreviations(_MAY_END, _NEVER_END)
_ROMAN_CONTEXTS = RomanContexts(
    after=(
        "hoofdstuk", "deel", "boek", "akte", "artikel", "band", "fase", "klasse", "seizoen",
        "bijlage", "paragraaf", "nummer", "afdeling", "groep",
    ),
)  # fmt: skip
_RULERS = word_set(
    "Willem Karel Lodewijk Filips Hendrik Frederik Leopold Albert Napoleon Boudewijn Johannes "
    "Paulus Pius Benedictus Gregorius Leo Innocentius Clemens George Eduard Richard Jacobus "
    "Alexander Peter Frans Jozef Nicolaas Gustaaf Christiaan Otto Elizabeth Elisabeth Catharina "
    "Maria Christina Margaretha Victoria Isabella Johanna Beatrix Anna Juliana Wilhelmina"
)


_TITLES = word_set(
    "koning koningin keizer keizerin paus prins prinses tsaar tsarina graaf gravin hertog "
    "hertogin aartshertog vorst vorstin stadhouder sultan farao sjah markies"
)
"""Words before a ruler's name that make a lone `I` after it a numeral (`Prins Willem I`)."""
_LONE_I = re.compile(r"(?P<title>\b\w+\s)?(?P<pre>\b(?P<name>[A-Z][a-zë]+)\s)I(?P<dot>\.)?(?!\w)")
_ROMAN_ORDINAL = re.compile(rf"\b(?P<roman>{ROMAN_SOURCE})(?:e|de|ste)\b")


def _first(m: re.Match[str]) -> str:
    """`Willem I` → "Willem de Eerste" after a title or a known ruler's name only: `I` alone
    may be a letter or an English word."""
    title = (m["title"] or "").strip().lower()
    if not (m["name"] in _RULERS or title in _TITLES):
        return m.group(0)
    return f"{m['title'] or ''}{m['pre']}de Eerste{m['dot'] or ''}"


def _roman_ordinal(m: re.Match[str]) -> str:
    """`XVIIe eeuw` → "zeventiende eeuw"; not `De` or `Me` (one letter other than I, V, X)."""
    value = roman_value(m["roman"])
    if not value or value > 100 or (len(m["roman"]) == 1 and m["roman"] not in "IVX"):
        return m.group(0)
    return ordinal(value)


def ordinal(number: int) -> str:
    """`ordinal(21)` → "eenentwintigste"."""
    return _fix(str(num2words(number, lang="nl", to="ordinal"))).removeprefix("een ")


def _roman(value: int, kind: str, m: re.Match[str]) -> str:
    """`hoofdstuk XII` → "hoofdstuk twaalf"; `Karel V` → "Karel de Vijfde"."""
    stop = m["dot"] or ""
    if kind == "after":
        return LANGUAGE.cardinal(value) + stop
    known = m["pre"].strip() in _RULERS
    if value > 40 or (not known and len(m["roman"]) == 1):
        return m.group(0)[len(m["pre"]) :]
    return f"de {ordinal(value).capitalize()}{stop}"


_EURO_WORD = re.compile(r"(?<=\d) ?euro(?!\w)")  # 4,99 euro as 4,99 €: "vier euro negenennegentig"
_HEIGHT = re.compile(r"(?<![\d.,])(\d),(\d\d)\s?m(?!\w)")  # 1,80 m: "één meter tachtig"
_ORDINAL = re.compile(r"(?<![\d.,])(\d+)(?:e|de|ste)(?![\w])")
_DATE = re.compile(r"(?<![\d.,/-])(\d{1,2})([-/])(\d{1,2})\2(\d{4})(?![\d/-])")
_BELGIAN_TIME = re.compile(r"(?<![\w.,])(\d{1,2})u(\d{2})?(?!\w)")
_YEAR_BEFORE = re.compile(
    r"\b(?:in|sinds|tot|van|vanaf|jaar|rond|circa|voor|na|eind|begin|midden|zomer|winter|"
    r"herfst|lente|anno|tussen|en|" + "|".join(MONTHS) + r")\s$",
    re.IGNORECASE,
)
_NO_NOUN_AFTER = re.compile(r"\s*(?:$|[^\w\s]|(?:en|tot|of|t/m)\b)")  # 1984 mensen: a count
_SERVICE = re.compile(  # emergency and service numbers, digit by digit: "één één twee"
    r"(?P<pre>\b(?:[Bb]el|[Aa]larmnummer|[Nn]oodnummer|[Nn]ummer)\w*\s(?:\S+\s){0,3})"
    r"(?P<n>112|144)\b"
)


def _date(day: int, month: int, year: int) -> str | None:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    return f"{LANGUAGE.count(str(day))} {MONTHS[month - 1]} {LANGUAGE.year(year)}"


def _dates(text: str) -> str:
    def numeric(m: re.Match[str]) -> str:
        words = _date(int(m[1]), int(m[3]), int(m[4]))
        return spaced(m.string, m.start(), m.end(), words) if words else m.group(0)

    return _DATE.sub(numeric, germanic.ISO_DATE.sub(r"\3-\2-\1", text))


def _belgian_time(m: re.Match[str]) -> str:
    """`14u30` → "veertien uur dertig"."""
    hour, minute = int(m[1]), int(m[2] or 0)
    if hour > 24 or minute > 59:
        return m.group(0)
    words = f"{LANGUAGE.count(m[1])} uur" + (f" {LANGUAGE.cardinal(minute)}" if minute else "")
    return spaced(m.string, m.start(), m.end(), words)


def _fraction(numerator: int, denominator: int) -> str:
    """`3/4` → "driekwart", `1/2` → "een half", `2/3` → "twee derde"."""
    count = "een" if numerator == 1 else LANGUAGE.cardinal(numerator)
    if denominator == 4:
        return "een kwart" if numerator == 1 else f"{count}kwart"
    return f"{count} {'half' if denominator == 2 else ordinal(denominator)}"


_FRACTION_SLASH = fraction_pattern(UNITS)
_NEXT_WORD = re.compile(r"\s+(?P<word>\w+)")
_HALVE = word_set(
    "liter meter kilometer centimeter kilo kilogram gram ton mijl week maand dag minuut "
    "seconde eeuw euro cent dollar fles kop portie appel"
)
"""De-words that take "halve" (`een halve liter`, `anderhalve week`); before a het-word or
no noun, "half" (`een half uur`, `tweeënhalf jaar`)."""


def _mixed(m: re.Match[str]) -> str:
    """`2½ uur` → "tweeënhalf uur", `1½ liter` → "anderhalve liter", `½ liter` → "een halve
    liter", `2 1/4` → "twee en een kwart"."""
    whole, num, den = m["whole"] or m["mixed"], int(m["num"]), int(m["den"])
    if not 0 < num < den or (not whole and "/" in m[0]):
        return m.group(0)  # 3/4 alone: germanic.fractions
    unit = UNITS.get(m["unit"] or "")
    name = ((unit.many or unit.one) if whole else unit.one) if unit else ""
    following = _NEXT_WORD.match(m.string, m.end())
    noun = name.split()[0] if name else following["word"] if following else ""
    half = "halve" if noun in _HALVE else "half"
    if not whole:
        words = f"een {half}" if (num, den) == (1, 2) else _fraction(num, den)
    elif (num, den) != (1, 2):
        words = f"{LANGUAGE.cardinal(int(whole))} en {_fraction(num, den)}"
    elif whole == "1":
        words = "ander" + half
    else:
        number = LANGUAGE.cardinal(int(whole))
        words = number + ("ën" if number.endswith("e") else "en") + half
    return spaced(m.string, m.start(), m.end(), f"{words} {name}" if name else words)


def read(text: str, region: str) -> str:
    """Dutch as a careful reader says it; every digit read."""
    text = _FRACTION_SLASH.sub(_mixed, greek_symbols(text, units_read=False))
    text = germanic.money(_EURO_WORD.sub(" €", text), LANGUAGE)
    text = _SERVICE.sub(lambda m: m["pre"] + digit_by_digit(m["n"], "nl"), text)
    text = germanic.times(_dates(text), LANGUAGE)
    text = _BELGIAN_TIME.sub(_belgian_time, text)
    text = ABBREVIATIONS(germanic.scales(text, LANGUAGE))
    text = romans(_ROMAN_ORDINAL.sub(_roman_ordinal, text), _ROMAN_CONTEXTS, _roman)
    text = _LONE_I.sub(_first, text)
    text = _ORDINAL.sub(lambda m: spaced(m.string, m.start(), m.end(), ordinal(int(m[1]))), text)
    text = germanic.units(germanic.ranges(_HEIGHT.sub(r"\1 m \2", text), LANGUAGE), LANGUAGE)
    text = germanic.fractions(germanic.percent(text, LANGUAGE), _fraction)
    return germanic.last_numbers(
        germanic.years(text, LANGUAGE, _YEAR_BEFORE, _NO_NOUN_AFTER), LANGUAGE
    )
