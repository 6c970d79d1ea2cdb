"""Norwegian (Bokmål): the modern count (`tjueen`), `og` before the last part, ordinals after
`1.`, dates, times, kroner and øre, units, regnal numbers (`Haakon VII` → "Haakon den
sjuende") and the common abbreviations."""

from __future__ import annotations

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
        "null", "en", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve",
        "tolv", "tretten", "fjorten", "femten", "seksten", "sytten", "atten", "nitten",
    ),
    tens=("", "", "tjue", "tretti", "førti", "femti", "seksti", "sytti", "åtti", "nitti"),
    neuter_one="ett",
    hundred="hundre",
    thousand="tusen",
    million=("million", "millioner"),
    milliard=("milliard", "milliarder"),
    ordinal_ones=(
        "nullte", "første", "andre", "tredje", "fjerde", "femte", "sjette", "sjuende",
        "åttende", "niende", "tiende", "ellevte", "tolvte", "trettende", "fjortende",
        "femtende", "sekstende", "syttende", "attende", "nittende",
    ),
    ordinal_tens=(
        "", "", "tjuende", "trettiende", "førtiende", "femtiende", "sekstiende", "syttiende",
        "åttiende", "nittiende",
    ),
    ordinal_big={"hundre": "hundrede", "tusen": "tusende", "millioner": "millionte"},
    part=("del", "deler"),
)  # fmt: skip

_KRONE = (Noun("krone", "kroner"), same("øre", neuter=True))
_EURO = (same("euro"), same("cent"))
_DOLLAR = (same("dollar"), same("cent"))
_POUND = (same("pund", neuter=True), same("pence"))
_KMH = same("kilometer i timen")

_NEUTER_NOUNS = frozenset((
    "år", "barn", "hus", "ord", "land", "liv", "øye", "glass", "stykke", "kapittel", "bord",
    "brev", "eple", "egg", "tog", "skip", "rom", "sted", "minutt", "sekund", "døgn", "kilo",
    "gram", "pund", "bilde", "menneske", "dyr", "tre", "vindu", "spørsmål", "svar",
    "øyeblikk", "navn", "nummer", "mål", "poeng", "tall", "hjerte", "hode", "øre", "bein",
    "papir", "brød", "vann", "slott", "fjell"
))  # fmt: skip
ONE = OneBeforeNoun("en", "ett", _NEUTER_NOUNS)
"""The neuter nouns a story most often counts one of; the rest take `en`."""

LANGUAGE = Language(
    cardinal=NUMBERS.cardinal,
    ordinal=NUMBERS.ordinal,
    year=NUMBERS.year,
    day=NUMBERS.ordinal,
    months=(
        "januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
        "oktober", "november", "desember",
    ),
    decimal_word="komma",
    minus_word="minus",
    plus_word="pluss",
    zero="null",
    units={
        "km": same("kilometer"), "m": same("meter"), "cm": same("centimeter"),
        "mm": same("millimeter"), "kg": same("kilo", neuter=True),
        "g": same("gram", neuter=True), "mg": same("milligram", neuter=True),
        "l": same("liter"), "ml": same("milliliter"), "dl": same("desiliter"),
        "km/t": _KMH, "km/h": _KMH, "h": Noun("time", "timer"),
        "m2": same("kvadratmeter"), "km2": same("kvadratkilometer"), "m3": same("kubikmeter"),
        "min": Noun("minutt", "minutter", neuter=True), "sek": Noun("sekund", "sekunder", True),
        "s": Noun("sekund", "sekunder", True), "°C": Noun("grad celsius", "grader celsius"),
        "°F": Noun("grad fahrenheit", "grader fahrenheit"), "°": Noun("grad", "grader"),
    },
    currencies={
        "kr": _KRONE, "NOK": _KRONE, "DKK": _KRONE, "SEK": _KRONE, "€": _EURO, "EUR": _EURO,
        "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    },
    percent=same("prosent"),
    cents_and="og",
    to_word="til",
    fraction=NUMBERS.fraction,
    mixed_and="og",
    before_numbers=ONE.read,
    clock_words=("klokken", "klokka"),
)  # fmt: skip

ABBREVIATIONS = ShortForms(
    words={
        "bl.a.": "blant annet", "f.eks.": "for eksempel", "osv.": "og så videre",
        "ca.": "cirka", "nr.": "nummer", "kl.": "klokken", "dvs.": "det vil si",
        "mht.": "med hensyn til", "pga.": "på grunn av", "evt.": "eventuelt",
        "jf.": "jamfør", "m.m.": "med mer", "mfl.": "med flere", "inkl.": "inklusive",
        "ekskl.": "eksklusive", "tlf.": "telefon", "ift.": "i forhold til",
        "hhv.": "henholdsvis", "iflg.": "ifølge", "ang.": "angående", "etc.": "etcetera",
        "f.Kr.": "før Kristus", "e.Kr.": "etter Kristus", "kap.": "kapittel",
        "bl. a.": "blant annet", "o.l.": "og lignende", "stk.": "stykk",
    },
    titles={"hr.": "herr", "dr.": "doktor", "prof.": "professor", "fr.": "fru"},
)  # fmt: skip

ROMANS = RomanContexts(after=("kapittel", "del", "bind", "akt", "nummer"))

_KINGS = (
    "Haakon", "Håkon", "Olav", "Harald", "Magnus", "Sigurd", "Oscar", "Karl", "Christian",
    "Frederik", "Eirik", "Sverre",
)  # fmt: skip
_KINGS_IN_DIGITS = digit_regnal(_KINGS, NUMBERS.ordinal)
"""`Haakon 7.` and `Haakon VII` → "Haakon den sjuende"; `kapittel XII` → "kapittel tolv"."""
_ORDINAL = ordinal_reader(NUMBERS)
_ROMAN = roman_reader(NUMBERS, NUMBERS.ordinal)


def read(text: str, region: str) -> str:
    text = ABBREVIATIONS.expand(greek_symbols(text, units_read=False))
    text = _KINGS_IN_DIGITS(romans(text, ROMANS, _ROMAN))
    text = STOP_ORDINAL.sub(_ORDINAL, text)
    return read_all(text, LANGUAGE)
