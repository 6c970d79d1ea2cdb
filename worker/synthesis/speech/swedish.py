"""Swedish: numbers in one word below a million (`tvåtusentjugofyra`), ordinals (`3:e`, `den
14 juli`), dates, times (`fjorton och trettio`), kronor and öre, units, regnal numbers (`Karl
XII` → "Karl den tolfte") and the common abbreviations."""

from __future__ import annotations

import re

from worker.synthesis.speech.core import greek_symbols
from worker.synthesis.speech.nordic import Language, Noun, ShortForms, read_all, same
from worker.synthesis.speech.rules import RomanContexts, romans
from worker.synthesis.speech.scandinavian import (
    OneBeforeNoun,
    Scandinavian,
    ordinal_reader,
    roman_reader,
)

NUMBERS = Scandinavian(
    ones=(
        "noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva",
        "tolv", "tretton", "fjorton", "femton", "sexton", "sjutton", "arton", "nitton",
    ),
    tens=("", "", "tjugo", "trettio", "fyrtio", "femtio", "sextio", "sjuttio", "åttio", "nittio"),
    neuter_one="ett",
    hundred="hundra",
    thousand="tusen",
    million=("miljon", "miljoner"),
    milliard=("miljard", "miljarder"),
    ordinal_ones=(
        "nollte", "första", "andra", "tredje", "fjärde", "femte", "sjätte", "sjunde", "åttonde",
        "nionde", "tionde", "elfte", "tolfte", "trettonde", "fjortonde", "femtonde",
        "sextonde", "sjuttonde", "artonde", "nittonde",
    ),
    ordinal_tens=(
        "", "", "tjugonde", "trettionde", "fyrtionde", "femtionde", "sextionde", "sjuttionde",
        "åttionde", "nittionde",
    ),
    ordinal_big={"hundra": "hundrade", "tusen": "tusende", "miljoner": "miljonte"},
    and_word="",
    joined=True,
    half=("halv", "halva"),
    part=("del", "delar"),
)  # fmt: skip


_KRONA = (Noun("krona", "kronor"), same("öre", neuter=True))
_EURO = (same("euro"), same("cent"))
_DOLLAR = (same("dollar"), same("cent"))
_POUND = (same("pund", neuter=True), same("pence"))
_KMH = same("kilometer i timmen")
_MILJON = Noun("miljon", "miljoner")  # `1 miljon` → "en miljon", as `1 krona`
_MILJARD = Noun("miljard", "miljarder")
MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)  # fmt: skip

_NEUTER_NOUNS = frozenset((
    "år", "barn", "hus", "ord", "land", "liv", "öga", "glas", "stycke", "kapitel", "bord",
    "brev", "äpple", "ägg", "tåg", "skepp", "rum", "ställe", "dygn", "kilo", "gram", "pund",
    "foto", "djur", "träd", "fönster", "svar", "ögonblick", "namn", "nummer", "mål",
    "poäng", "tal", "hjärta", "huvud", "öra", "ben", "papper", "bröd", "vatten", "slott",
    "berg"
))  # fmt: skip
ONE = OneBeforeNoun("en", "ett", _NEUTER_NOUNS)
"""The neuter nouns a story most often counts one of; the rest take `en`."""

LANGUAGE = Language(
    cardinal=NUMBERS.cardinal,
    ordinal=NUMBERS.ordinal,
    year=NUMBERS.year,
    day=NUMBERS.ordinal,
    months=MONTHS,
    decimal_word="komma",
    minus_word="minus",
    plus_word="plus",
    zero="noll",
    units={
        "km": same("kilometer"), "m": same("meter"), "cm": same("centimeter"),
        "mm": same("millimeter"), "kg": same("kilo", neuter=True),
        "g": same("gram", neuter=True), "mg": same("milligram", neuter=True),
        "l": same("liter"), "ml": same("milliliter"), "dl": same("deciliter"),
        "km/h": _KMH, "h": Noun("timme", "timmar"), "tim": Noun("timme", "timmar"),
        "m2": same("kvadratmeter"), "km2": same("kvadratkilometer"), "m3": same("kubikmeter"),
        "min": Noun("minut", "minuter"), "sek": Noun("sekund", "sekunder"),
        "s": Noun("sekund", "sekunder"), "°C": Noun("grad celsius", "grader celsius"),
        "°F": Noun("grad fahrenheit", "grader fahrenheit"), "°": Noun("grad", "grader"),
        "miljon": _MILJON, "miljoner": _MILJON, "miljard": _MILJARD, "miljarder": _MILJARD,
    },
    currencies={
        "kr": _KRONA, "SEK": _KRONA, "NOK": _KRONA, "DKK": _KRONA, "€": _EURO, "EUR": _EURO,
        "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    },
    percent=same("procent"),
    cents_and="och",
    to_word="till",
    fraction=NUMBERS.fraction,
    mixed_and="och",
    before_numbers=ONE.read,
    clock_words=("klockan",),
    minutes_and="och ",
    common_one="en",
)  # fmt: skip

ABBREVIATIONS = ShortForms(
    words={
        "t.ex.": "till exempel", "bl.a.": "bland annat", "osv.": "och så vidare",
        "o.s.v.": "och så vidare", "m.m.": "med mera", "ca": "cirka", "ca.": "cirka",
        "nr": "nummer", "nr.": "nummer", "kl.": "klockan", "kl": "klockan",
        "dvs.": "det vill säga", "d.v.s.": "det vill säga", "s.k.": "så kallad",
        "fr.o.m.": "från och med", "t.o.m.": "till och med", "p.g.a.": "på grund av",
        "pga.": "på grund av", "m.fl.": "med flera", "resp.": "respektive",
        "inkl.": "inklusive", "exkl.": "exklusive", "ang.": "angående", "enl.": "enligt",
        "f.d.": "före detta", "e.Kr.": "efter Kristus", "f.Kr.": "före Kristus",
        "tel.": "telefon", "jfr": "jämför", "ev.": "eventuellt", "kap.": "kapitel",
    },
    titles={"dr": "doktor", "dr.": "doktor", "prof.": "professor", "hr": "herr", "hr.": "herr"},
)  # fmt: skip

ROMANS = RomanContexts(after=("kapitel", "del", "band", "akt", "nummer"))

_ORDINAL = re.compile(r"(?<![\d.,])(\d{1,4}):[ae]\b")
"""`3:e`, `21:a`: the ordinal's written ending after a colon."""
_DAY = re.compile(rf"(?<![\d.,:])([0-3]?\d)(?=\s(?:{'|'.join(MONTHS)})\b)")
"""`den 14 juli`: a day before a month's name is said as an ordinal."""


_GENITIVE = re.compile(r"(?<=[^\W\d_]):s\b")
"""`Karl XII:s`, `USA:s`: the genitive `s` after a colon joins the word read before it."""


def _regnal(n: int) -> str:
    """A king is "den förste", "den andre" (the masculine of första, andra): `Karl XII` →
    "Karl den tolfte"; `kapitel XII` → "kapitel tolv"."""
    return {1: "förste", 2: "andre"}.get(n) or NUMBERS.ordinal(n)


_ORDINAL_READ = ordinal_reader(NUMBERS)
_ROMAN = roman_reader(NUMBERS, _regnal)


def read(text: str, region: str) -> str:
    text = ABBREVIATIONS.expand(greek_symbols(text, units_read=False))
    text = _GENITIVE.sub("s", romans(text, ROMANS, _ROMAN))
    text = _DAY.sub(_ORDINAL_READ, _ORDINAL.sub(_ORDINAL_READ, text))
    return read_all(text, LANGUAGE)
