"""Finnish: numbers and ordinals in the case their context asks (`3. kerroksessa` →
"kolmannessa kerroksessa", `5:ltä` → "viideltä", `10–16` → "kymmenestä kuuteentoista"), the
partitive after every count but one (`4,99 €` → "neljä euroa yhdeksänkymmentäyhdeksän
senttiä"), dates, times, units, regnal numbers and the common abbreviations."""

from __future__ import annotations

import re
from functools import cache

from num2words import num2words

from worker.synthesis.speech.core import greek_symbols, spaced
from worker.synthesis.speech.nordic import Language, Noun, ShortForms, dates, read_all
from worker.synthesis.speech.rules import ROMAN_SOURCE, RomanContexts, roman_value, romans

_APART = re.compile(r"(?<=\w)(?=miljoon|miljard)")
"""num2words writes `kaksimiljoonaa`; a count of millions is written apart: `kaksi miljoonaa`."""


@cache
def cardinal(n: int, case: str = "nominative") -> str:
    return _APART.sub(" ", num2words(n, lang="fi", case=case))


@cache
def ordinal(n: int, case: str = "nominative") -> str:
    return _APART.sub(" ", num2words(n, lang="fi", to="ordinal", case=case))


def _count(n: int, neuter: bool = False) -> str:
    return cardinal(n)


def fraction(num: int, den: int) -> str:
    """`1⁄2` → "puoli", `3⁄4` → "kolme neljäsosaa" (the ordinal's stem and `osa`)."""
    if den == 2 and num == 1:
        return "puoli"
    part = ordinal(den) + "osa"
    return f"{cardinal(num)} {part}" if num == 1 else f"{cardinal(num)} {part}a"


def _noun(one: str, other: str) -> Noun:
    return Noun(one, other)


_EURO = (_noun("euro", "euroa"), _noun("sentti", "senttiä"))
_DOLLAR = (_noun("dollari", "dollaria"), _noun("sentti", "senttiä"))
_POUND = (_noun("punta", "puntaa"), _noun("penny", "penniä"))
_KRONA = (_noun("kruunu", "kruunua"), _noun("äyri", "äyriä"))

LANGUAGE = Language(
    cardinal=_count,
    ordinal=ordinal,
    year=cardinal,
    day=ordinal,
    months=(
        "tammikuuta", "helmikuuta", "maaliskuuta", "huhtikuuta", "toukokuuta", "kesäkuuta",
        "heinäkuuta", "elokuuta", "syyskuuta", "lokakuuta", "marraskuuta", "joulukuuta",
    ),
    decimal_word="pilkku",
    minus_word="miinus",
    plus_word="plus",
    zero="nolla",
    units={
        "km": _noun("kilometri", "kilometriä"), "m": _noun("metri", "metriä"),
        "cm": _noun("senttimetri", "senttimetriä"), "mm": _noun("millimetri", "millimetriä"),
        "kg": _noun("kilo", "kiloa"), "g": _noun("gramma", "grammaa"),
        "mg": _noun("milligramma", "milligrammaa"), "l": _noun("litra", "litraa"),
        "dl": _noun("desilitra", "desilitraa"), "ml": _noun("millilitra", "millilitraa"),
        "km/h": _noun("kilometri tunnissa", "kilometriä tunnissa"),
        "h": _noun("tunti", "tuntia"), "m2": _noun("neliömetri", "neliömetriä"),
        "km2": _noun("neliökilometri", "neliökilometriä"),
        "m3": _noun("kuutiometri", "kuutiometriä"), "min": _noun("minuutti", "minuuttia"),
        "s": _noun("sekunti", "sekuntia"), "°C": _noun("celsiusaste", "celsiusastetta"),
        "°F": _noun("fahrenheitaste", "fahrenheitastetta"), "°": _noun("aste", "astetta"),
    },
    currencies={
        "€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
        "kr": _KRONA, "SEK": _KRONA, "NOK": _KRONA, "DKK": _KRONA,
    },
    percent=_noun("prosentti", "prosenttia"),
    cents_and="",
    to_word="–",
    clock_words=("kello",),
    fraction=fraction,
    mixed_and="ja",
)  # fmt: skip

ABBREVIATIONS = ShortForms(
    words={
        "esim.": "esimerkiksi", "ym.": "ynnä muuta", "jne.": "ja niin edelleen",
        "yms.": "ynnä muuta sellaista", "tms.": "tai muuta sellaista", "ks.": "katso",
        "ns.": "niin sanottu", "nk.": "niin kutsuttu", "ts.": "toisin sanoen",
        "vrt.": "vertaa", "yl.": "yleensä", "huom.": "huomaa", "puh.": "puhelin",
        "os.": "osoite", "eKr.": "ennen Kristusta", "jKr.": "jälkeen Kristuksen",
        "ko.": "kyseinen", "em.": "edellä mainittu", "klo": "kello", "klo.": "kello",
        "nro": "numero", "n:o": "numero", "milj.": "miljoonaa", "mrd.": "miljardia",
        "kpl": "kappaletta", "kpl.": "kappaletta",
    },
    titles={
        "tri": "tohtori", "prof.": "professori", "rva": "rouva", "hra": "herra",
        "nti": "neiti", "dos.": "dosentti",
    },
)  # fmt: skip
_BEFORE_NUMBER = {"n.": "noin", "v.": "vuonna", "s.": "sivu"}
_SHORT_BEFORE_NUMBER = re.compile(r"\b([nvs])\.(?=\s?\d)")
"""`n. 10`, `v. 1917`, `s. 5`: short forms that stand for a word only before a number."""
_AMONG = re.compile(r"(?<!\d)(?<!\d )\b([Mm])m\.(?!\w)")
"""`mm.` (muun muassa), but not millimetres ending a sentence (`5 mm.`)."""

ROMANS = RomanContexts(after=("luku", "osa", "kirja", "näytös", "numero"))

_CASE_ENDINGS = (
    ("ssa", "inessive"), ("ssä", "inessive"), ("sta", "elative"), ("stä", "elative"),
    ("lla", "adessive"), ("llä", "adessive"), ("lta", "ablative"), ("ltä", "ablative"),
    ("lle", "allative"), ("ksi", "translative"), ("na", "essive"), ("nä", "essive"),
    ("ta", "partitive"), ("tä", "partitive"), ("a", "partitive"), ("ä", "partitive"),
)  # fmt: skip
_ILLATIVE = re.compile(r"^(?:[aeiouyäö]{1,2}n|h[aeiouyäö]n|seen|siin|teen)$")


def _case_of_suffix(suffix: str) -> str:
    """The case a suffix written after a colon marks (`5:n` genitive, `5:een` illative)."""
    if suffix == "n":
        return "genitive"
    if len(suffix) > 1 and _ILLATIVE.search(suffix):
        return "illative"
    return next((case for end, case in _CASE_ENDINGS if suffix.endswith(end)), "nominative")


def _case_of_word(word: str) -> str:
    """The case an ordinal takes from the noun after it (`3. kerroksessa` → inessive); a
    partitive month (`14. heinäkuuta`) or any other form leaves it in the nominative."""
    if word == "päivänä":
        return "essive"
    for end, case in _CASE_ENDINGS[:10]:
        if word.endswith(end):
            return case
    return "nominative"


_ORDINAL = re.compile(r"(?<![\d.,])(\d{1,4})\.(?=\s+(?P<next>[a-zåäö]+))")
_COLON = re.compile(r"(?<![\d.,:])(\d+):(?P<suf>[a-zåäö]+)\b")
_RANGE = re.compile(
    r"(?<![\d.,:])(\d{1,6})\s?[–-]\s?(\d{1,6})(?![\d:]|[.,]\d|\s?(?:[a-z°%€$£]+\b|[%€$£°]))"
)
"""`10–16` alone (no unit after it): from the first to the second."""


_ROMAN_CASE = re.compile(rf"(?<=[a-zåäö] )(?P<roman>{ROMAN_SOURCE}):(?P<suf>[a-zåäö]+)\b")
"""`Kaarle XII:n` → "Kaarle kahdennentoista": a regnal ordinal in the suffix's case."""


def _roman_case(m: re.Match[str]) -> str:
    return ordinal(roman_value(m["roman"]), _case_of_suffix(m["suf"]))


def _ordinal(m: re.Match[str]) -> str:
    words = ordinal(int(m.group(1)), _case_of_word(m["next"]))
    return spaced(m.string, m.start(), m.end(), words)


def _colon(m: re.Match[str]) -> str:
    """`5:ltä` → "viideltä"; `5:s`, `5:nnessä` (ordinals) → "viides", "viidennessä"."""
    n, suffix = int(m.group(1)), m["suf"]
    if suffix == "s":
        words = ordinal(n)
    elif suffix.startswith(("nne", "nte")):
        words = ordinal(n, _case_of_suffix(suffix))
    else:
        words = cardinal(n, _case_of_suffix(suffix))
    return spaced(m.string, m.start(), m.end(), words)


def _range(m: re.Match[str]) -> str:
    words = f"{cardinal(int(m.group(1)), 'elative')} {cardinal(int(m.group(2)), 'illative')}"
    return spaced(m.string, m.start(), m.end(), words)


def _roman(value: int, kind: str, m: re.Match[str]) -> str:
    """`Kaarle XII` → "Kaarle kahdestoista"; `luku XII` → "luku kaksitoista"."""
    if kind == "name":
        if value > 40:  # `Sony CD`: not a king
            return m.group(0)[len(m["pre"]) :]
        return ordinal(value) + (m["dot"] or "")
    return cardinal(value) + (m["dot"] or "")


def read(text: str, region: str) -> str:
    text = greek_symbols(text, units_read=False)
    text = _AMONG.sub(lambda m: f"{m.group(1)}uun muassa", text)
    text = _SHORT_BEFORE_NUMBER.sub(lambda m: _BEFORE_NUMBER[m.group(0)], text)
    text = _ROMAN_CASE.sub(_roman_case, ABBREVIATIONS.expand(text))
    text = romans(text, ROMANS, _roman)
    text = _COLON.sub(_colon, _ORDINAL.sub(_ordinal, text))
    text = _RANGE.sub(_range, dates(text, LANGUAGE))
    return read_all(text, LANGUAGE)
