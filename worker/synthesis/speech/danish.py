"""Danish: vigesimal tens (`halvfems`), `og` before the last part, ordinals after `1.`, dates,
times, kroner and øre, units, regnal numbers (`Christian IV` → "Christian den Fjerde") and the
common abbreviations."""

from __future__ import annotations

import re

from worker.synthesis.speech.core import greek_symbols
from worker.synthesis.speech.nordic import Language, Noun, ShortForms, read_all, same
from worker.synthesis.speech.rules import RomanContexts, romans
from worker.synthesis.speech.scandinavian import (
    STOP_ORDINAL,
    OneBeforeNoun,
    Scandinavian,
    digit_regnal,
    ordinal_reader,
    roman_reader,
)

NUMBERS = Scandinavian(
    ones=(
        "nul", "en", "to", "tre", "fire", "fem", "seks", "syv", "otte", "ni", "ti", "elleve",
        "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten",
    ),
    tens=(
        "", "", "tyve", "tredive", "fyrre", "halvtreds", "tres", "halvfjerds", "firs", "halvfems",
    ),
    neuter_one="et",
    hundred="hundrede",
    thousand="tusind",
    million=("million", "millioner"),
    milliard=("milliard", "milliarder"),
    ordinal_ones=(
        "nulte", "første", "anden", "tredje", "fjerde", "femte", "sjette", "syvende", "ottende",
        "niende", "tiende", "ellevte", "tolvte", "trettende", "fjortende", "femtende",
        "sekstende", "syttende", "attende", "nittende",
    ),
    ordinal_tens=(
        "", "", "tyvende", "tredivte", "fyrretyvende", "halvtredsindstyvende", "tresindstyvende",
        "halvfjerdsindstyvende", "firsindstyvende", "halvfemsindstyvende",
    ),
    ordinal_big={"hundrede": "hundrede", "tusind": "tusinde", "millioner": "millionte"},
    units_first=True,
)  # fmt: skip

_KRONE = (Noun("krone", "kroner"), same("øre"))
_EURO = (same("euro"), same("cent"))
_DOLLAR = (same("dollar"), same("cent"))
_POUND = (same("pund", neuter=True), same("pence"))
_KMH = same("kilometer i timen")

_NEUTER_NOUNS = frozenset((
    "år", "barn", "hus", "ord", "land", "liv", "øje", "glas", "stykke", "kapitel", "bord",
    "brev", "æble", "æg", "tog", "skib", "værelse", "sted", "minut", "sekund", "døgn",
    "kilo", "gram", "pund", "billede", "menneske", "dyr", "træ", "vindue", "spørgsmål",
    "svar", "øjeblik", "navn", "nummer", "mål", "point", "tal", "hjerte", "hoved", "øre",
    "ben", "papir", "brød", "vand", "slot", "bjerg"
))  # fmt: skip
ONE = OneBeforeNoun("en", "et", _NEUTER_NOUNS)
"""The neuter nouns a story most often counts one of; the rest take `en`."""

LANGUAGE = Language(
    cardinal=NUMBERS.cardinal,
    ordinal=NUMBERS.ordinal,
    year=NUMBERS.year,
    day=NUMBERS.ordinal,
    months=(
        "januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
        "oktober", "november", "december",
    ),
    decimal_word="komma",
    minus_word="minus",
    plus_word="plus",
    zero="nul",
    units={
        "km": same("kilometer"), "m": same("meter"), "cm": same("centimeter"),
        "mm": same("millimeter"), "kg": same("kilo", neuter=True),
        "g": same("gram", neuter=True), "mg": same("milligram", neuter=True),
        "l": same("liter"), "ml": same("milliliter"), "dl": same("deciliter"),
        "km/t": _KMH, "km/h": _KMH, "h": Noun("time", "timer"),
        "m2": same("kvadratmeter"), "km2": same("kvadratkilometer"), "m3": same("kubikmeter"),
        "min": Noun("minut", "minutter", neuter=True), "sek": Noun("sekund", "sekunder", True),
        "s": Noun("sekund", "sekunder", True), "°C": Noun("grad celsius", "grader celsius"),
        "°F": Noun("grad fahrenheit", "grader fahrenheit"), "°": Noun("grad", "grader"),
    },
    currencies={
        "kr": _KRONE, "DKK": _KRONE, "NOK": _KRONE, "SEK": _KRONE, "€": _EURO, "EUR": _EURO,
        "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    },
    percent=same("procent"),
    cents_and="og",
    to_word="til",
    fraction=NUMBERS.fraction,
    mixed_and="og",
    before_numbers=ONE.read,
    clock_words=("klokken",),
)  # fmt: skip

ABBREVIATIONS = ShortForms(
    words={
        "bl.a.": "blandt andet", "f.eks.": "for eksempel", "fx": "for eksempel",
        "osv.": "og så videre", "ca.": "cirka", "nr.": "nummer", "kl.": "klokken",
        "dvs.": "det vil sige", "mht.": "med hensyn til", "pga.": "på grund af",
        "evt.": "eventuelt", "jf.": "jævnfør", "mv.": "med videre", "m.m.": "med mere",
        "mfl.": "med flere", "inkl.": "inklusive", "ekskl.": "eksklusive", "tlf.": "telefon",
        "ift.": "i forhold til", "hhv.": "henholdsvis", "iflg.": "ifølge",
        "ang.": "angående", "etc.": "etcetera", "stk.": "styk", "f.Kr.": "før Kristus",
        "e.Kr.": "efter Kristus", "kap.": "kapitel", "bl. a.": "blandt andet",
    },
    titles={"hr.": "herr", "dr.": "doktor", "prof.": "professor", "frk.": "frøken"},
)  # fmt: skip

ROMANS = RomanContexts(after=("kapitel", "afsnit", "bind", "del", "akt", "nummer"))

_KINGS = (
    "Christian", "Frederik", "Valdemar", "Erik", "Knud", "Hans", "Margrethe", "Oluf",
    "Christoffer", "Svend", "Harald",
)  # fmt: skip


def _regnal(n: int) -> str:
    """A king is "den" and a capitalised ordinal: `Christian IV` → "Christian den Fjerde"."""
    return NUMBERS.ordinal(n).capitalize()


_KINGS_IN_DIGITS = digit_regnal(_KINGS, _regnal)
_ORDINAL = ordinal_reader(NUMBERS)
_ROMAN = roman_reader(NUMBERS, _regnal)
_THE_DAY = re.compile(r"\b([dD])\.(?=\s?\d)")
"""`d. 14. juli`: `d.` stands for `den` before a date (and for nothing else here)."""


def read(text: str, region: str) -> str:
    text = ABBREVIATIONS.expand(greek_symbols(text, units_read=False))
    text = _THE_DAY.sub(lambda m: "den" if m.group(1) == "d" else "Den", text)
    text = _KINGS_IN_DIGITS(romans(text, ROMANS, _ROMAN))
    text = STOP_ORDINAL.sub(_ORDINAL, text)
    return read_all(text, LANGUAGE)
