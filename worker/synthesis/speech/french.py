"""French: numbers with space-grouped thousands and a decimal comma, ordinals (`1er`, `1re`,
`2e`, `XXIe`), regnal and chapter numerals, dates, times (`14h30`), money, units,
temperatures, percentages, fractions, abbreviations and titles.

Years are read as cardinals (`1789` → "mille sept cent quatre-vingt-neuf"), the form French
schools teach, everywhere a year appears.
"""

from __future__ import annotations

import re
from functools import partial

from num2words import num2words

from worker.synthesis.speech.core import cardinal, greek_symbols, safe, spaced
from worker.synthesis.speech.romance import (
    Currency,
    Noun,
    after_number,
    before_number,
    decimals,
    fractions,
    keyed,
    leftovers,
    money,
    money_words,
    month_pattern,
    numeric_dates,
    quantities,
    ranges,
    septante_nonante,
    signs,
    spell_numbers,
    whole_number,
)
from worker.synthesis.speech.rules import (
    ROMAN_SOURCE,
    Abbreviations,
    NumberFormat,
    RomanContexts,
    roman_value,
    romans,
)

_NUMBER = NumberFormat("fr", ",", " .'", "virgule", "moins")
_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
    "octobre", "novembre", "décembre",
)  # fmt: skip
_CURRENCIES = {
    "€": Currency(Noun("euro", "euros"), Noun("centime", "centimes")),
    "EUR": Currency(Noun("euro", "euros"), Noun("centime", "centimes")),
    "$": Currency(Noun("dollar", "dollars"), Noun("cent", "cents")),
    "USD": Currency(Noun("dollar", "dollars"), Noun("cent", "cents")),
    "£": Currency(Noun("livre", "livres", True), Noun("penny", "pence")),
    "GBP": Currency(Noun("livre", "livres", True), Noun("penny", "pence")),
    "CHF": Currency(Noun("franc suisse", "francs suisses"), Noun("centime", "centimes")),
    "¥": Currency(Noun("yen", "yens")), "M€": Currency(Noun("million d'euros", "millions d'euros")),
    "Md€": Currency(Noun("milliard d'euros", "milliards d'euros")),
}  # fmt: skip
_CURRENCY_WORDS = money_words(_NUMBER, {
    "euro": "EUR", "euros": "EUR", "dollar": "USD", "dollars": "USD", "livre sterling": "GBP",
    "livres sterling": "GBP", "franc suisse": "CHF", "francs suisses": "CHF",
})  # fmt: skip
_UNITS = {
    "km": Noun("kilomètre", "kilomètres"), "m": Noun("mètre", "mètres"),
    "cm": Noun("centimètre", "centimètres"), "mm": Noun("millimètre", "millimètres"),
    "km2": Noun("kilomètre carré", "kilomètres carrés"), "m2": Noun("mètre carré", "mètres carrés"),
    "cm2": Noun("centimètre carré", "centimètres carrés"),
    "m3": Noun("mètre cube", "mètres cubes"), "cm3": Noun("centimètre cube", "centimètres cubes"),
    "ha": Noun("hectare", "hectares"), "kg": Noun("kilogramme", "kilogrammes"),
    "g": Noun("gramme", "grammes"), "mg": Noun("milligramme", "milligrammes"),
    "t": Noun("tonne", "tonnes", True), "l": Noun("litre", "litres"), "L": Noun("litre", "litres"),
    "ml": Noun("millilitre", "millilitres"), "mL": Noun("millilitre", "millilitres"),
    "cl": Noun("centilitre", "centilitres"), "dl": Noun("décilitre", "décilitres"),
    "km/h": Noun("kilomètre à l'heure", "kilomètres à l'heure"),
    "h": Noun("heure", "heures", True), "min": Noun("minute", "minutes", True),
    "s": Noun("seconde", "secondes", True), "ms": Noun("milliseconde", "millisecondes", True),
    "W": Noun("watt", "watts"), "kW": Noun("kilowatt", "kilowatts"),
    "kWh": Noun("kilowattheure", "kilowattheures"), "V": Noun("volt", "volts"),
    "Hz": Noun("hertz", "hertz"), "Mo": Noun("mégaoctet", "mégaoctets"),
    "Go": Noun("gigaoctet", "gigaoctets"), "To": Noun("téraoctet", "téraoctets"),
    "°C": Noun("degré Celsius", "degrés Celsius"),
    "°F": Noun("degré Fahrenheit", "degrés Fahrenheit"), "°": Noun("degré", "degrés"),
}  # fmt: skip
_FEMININE_NOUNS = (
    "fois", "heure", "minute", "seconde", "semaine", "année", "journée", "nuit", "personne", "page",
    "voiture", "chose", "femme", "fille", "place", "pièce", "chambre", "maison", "ville", "tonne",
    "étoile", "histoire", "question", "lettre", "photo", "table", "bouteille", "tasse", "part",
    "victoire", "saison", "partie", "classe", "sœur", "mère", "idée", "raison", "fleur", "porte",
    "rue", "ligne", "équipe", "langue", "étape", "vie", "main", "tête", "voix", "fenêtre",
    "chanson", "élève", "entreprise", "école", "route", "marche", "tortue", "vache", "poule",
    "chèvre", "souris", "amie", "cousine", "tante", "nièce", "dame", "reine",
    "boîte", "carte", "lampe", "robe", "chemise", "jupe", "assiette", "cuillère", "fourchette",
)  # fmt: skip
_FEMININE = frozenset({*_FEMININE_NOUNS, *(f"{noun}s" for noun in _FEMININE_NOUNS)})
"""Nouns a number ending in `un` agrees with (`21 nuits` → "vingt et une nuits")."""
_ABBREVIATIONS = Abbreviations(
    words={
        "etc.": "et cetera", "av. J.-C.": "avant Jésus-Christ",
        "apr. J.-C.": "après Jésus-Christ", "J.-C.": "Jésus-Christ", "chap.": "chapitre",
        "éd.": "édition", "tél.": "téléphone", "Tél.": "téléphone", "N.B.": "nota bene",
        "P.-S.": "post-scriptum",
        "qqch": "quelque chose", "qqn": "quelqu'un", "s.v.p.": "s'il vous plaît",
        "svp": "s'il vous plaît", "SVP": "s'il vous plaît", "stp": "s'il te plaît",
        "Cie": "Compagnie", "Sté": "Société", "hab.": "habitants", "resp.": "respectivement",
        "bd": "boulevard", "bld": "boulevard", "Vve": "veuve", "apr.": "après",
    },
    titles={  # never the end of a sentence: their full stop goes with them
        "p. ex.": "par exemple", "par ex.": "par exemple", "c.-à-d.": "c'est-à-dire",
        "c-à-d": "c'est-à-dire", "env.": "environ", "cf.": "confer",
    },
)  # fmt: skip
_TITLES = {
    "M.": "Monsieur", "MM.": "Messieurs", "Mme": "Madame", "Mmes": "Mesdames",
    "Mlle": "Mademoiselle", "Mlles": "Mesdemoiselles", "Me": "Maître", "Dr": "Docteur",
    "Dr.": "Docteur", "Pr": "Professeur", "Pr.": "Professeur", "Mgr": "Monseigneur",
    "St": "Saint", "Ste": "Sainte", "Sts": "Saints", "Stes": "Saintes",
}  # fmt: skip
"""Read only before a capitalised name (`Me Durand`, `St-Denis`): `Me` is also a pronoun."""
_LONE_TITLE = keyed(("Mme", "Mmes", "Mlle", "Mlles", "Mgr"), r"(?![\w.'-])")
"""Titles that are no word, read wherever they stand (`Mme et M. Durand`)."""
_BEFORE_NUMBER = {
    "n°": "numéro", "nº": "numéro", "no": "numéro", "No": "numéro", "N°": "numéro",
    "p.": "page", "pp.": "pages", "art.": "article", "vol.": "volume", "fig.": "figure",
}  # fmt: skip
"""Read only before a number: `vol.` is also a flight, `art.` the end of `l'art.`"""
_TITLE = keyed(_TITLES, r"(?=[\s-][A-ZÀ-Þ])", behind=r"(?<![A-Z]\. )")  # not J. M. Dupont
_NUMBERED = keyed(_BEFORE_NUMBER, r"\s?(?=\d)")
_NOT_REGNAL = frozenset(("Génération", "Malcolm", "Vitamine", "Groupe", "Classe"))
_AVENUE = re.compile(r"(?<![\w.])av\.(?=\s[A-ZÀ-Þ])")
_ROMANS = RomanContexts(
    after=(
        "chapitre", "chapitres", "tome", "volume", "livre", "acte", "scène", "partie", "titre",
        "article", "leçon", "section", "annexe", "chant", "épisode", "saison",
    ),
    before=("siècle", "siècles", "millénaire"),
)  # fmt: skip
_SUFFIXES = "ers|res|ères|er|re|ère|es|èmes|ème|emes|eme|è|e|nds|ndes|nd|nde"
_ORDINAL = re.compile(rf"(?<![\w.,])(?P<n>\d+)(?P<suf>{_SUFFIXES})(?!\w)")
_ROMAN_ORDINAL = re.compile(
    rf"\b(?![CLDM](?:{_SUFFIXES})\b)(?P<n>{ROMAN_SOURCE})(?P<suf>{_SUFFIXES})(?!\w)"
)
"""`XXIe`, `Ier`, `Ve`, but not `Ce`, `Le`, `De`, `Me` (a single C, L, D or M is a word)."""
_NAME_FIRST = re.compile(r"(?P<name>\b[A-ZÀ-Þ][a-zà-ÿ]+\s)I(?=\s*(?:[,.;:!?)]|$)|\s[a-zà-ÿ])")
_FIRST_OF_MONTH = re.compile(rf"(?<![\d.,])1(?=\s(?:{month_pattern(_MONTHS)})\b)")
_TIME = re.compile(
    r"(?<![\d.,:])(?P<h>\d{1,2})(?:\s?h\s?|:)(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d:]|[.,]\d)"
)
_PHONE = re.compile(r"(?<![\d.])0\d(?:[.-]\d\d){4}(?!\d)")  # 06.12.34.56.78: by pairs
_POSTCODE = re.compile(r"(?<=, )(\d\d)(\d{3})(?= [A-ZÀ-Þ])")  # 75002 Paris: 75, then 002
_SEPTANTE_REGIONS = frozenset(("be", "ch"))
_MILLIONS = re.compile(r"(?:million|milliard)s?$")
_whole = partial(whole_number, _NUMBER)


def _feminine(words: str) -> str:
    """`un` → `une` at the end of a cardinal (`vingt et un` → "vingt et une")."""
    return words + "e" if words.endswith("un") else words


def ordinal(n: int, feminine: bool = False) -> str:
    if n == 1:
        return "première" if feminine else "premier"
    words: str = num2words(n, lang="fr", to="ordinal")
    # num2words keeps the plural `s` of quatre-vingts and deux cents before -ième
    return words.replace("vingtsième", "vingtième").replace("centsième", "centième")


def _number(whole: str, fraction: str | None) -> str:
    words = _whole(whole)
    return f"{words} virgule {decimals(fraction, 'fr')}" if fraction else words


def _count(whole: str, fraction: str | None, noun: Noun) -> str:
    """A number and its noun: agreement, plural from 2 on, `de` after millions."""
    words = _number(whole, fraction)
    value = _NUMBER.whole(whole)
    if noun.feminine and not fraction:
        words = _feminine(words)
    name = noun.many if value >= 2 else noun.one
    if not fraction and _MILLIONS.search(words):
        return f"{words} d'{name}" if name[0] in "aeiouéh" else f"{words} de {name}"
    return f"{words} {name}"


def _money(whole: str, fraction: str | None, symbol: str) -> str:
    return money(whole, fraction, _CURRENCIES[symbol], _count, partial(cardinal, lang="fr"))


def _time(m: re.Match[str]) -> str:
    hours, minutes = int(m["h"]), int(m["m"])
    if hours > 24:
        raise ValueError(m.group(0))
    words = _count(m["h"].lstrip("0") or "0", None, _UNITS["h"])
    if minutes:
        words = f"{words} {_feminine(cardinal(minutes, 'fr'))}"
    if m["s"]:
        words = f"{words} et {_count(str(int(m['s'])), None, _UNITS['s'])}"
    return spaced(m.string, m.start(), m.end(), words)


def _date(day: int, month: int, year: int) -> str:
    day_words = "premier" if day == 1 else cardinal(day, "fr")
    return f"{day_words} {_MONTHS[month - 1]} {cardinal(year, 'fr')}"


def _ordinal_suffix(n: int, suffix: str) -> str:
    plural = "s" if suffix.endswith("s") else ""
    base = suffix.rstrip("s")
    if base in ("er", "re", "ère") and n != 1:
        raise ValueError(suffix)
    if base in ("nd", "nde"):
        if n != 2:
            raise ValueError(suffix)
        return ("seconde" if base == "nde" else "second") + plural
    return ordinal(n, feminine=base in ("re", "ère")) + plural


def _ordinals(text: str) -> str:
    @safe
    def arabic(m: re.Match[str]) -> str:
        words = _ordinal_suffix(int(m["n"]), m["suf"])
        return spaced(m.string, m.start(), m.end(), words)

    @safe
    def roman(m: re.Match[str]) -> str:
        return _ordinal_suffix(roman_value(m["n"]), m["suf"])

    return _ORDINAL.sub(arabic, _ROMAN_ORDINAL.sub(roman, text))


def _roman(value: int, kind: str, m: re.Match[str]) -> str:
    """Kings and popes by cardinal (`Louis XIV` → "quatorze") but the first (`premier`);
    centuries by ordinal; chapters by cardinal."""
    dot = m["dot"] or ""
    if kind == "name" and (value > 40 or m["pre"].strip() in _NOT_REGNAL):
        return m["roman"] + dot
    if kind == "before":
        return ordinal(value) + dot
    return ("premier" if value == 1 else cardinal(value, "fr")) + dot


def _abbreviations(text: str) -> str:
    text = _TITLE.sub(lambda m: _TITLES[m.group(1)], text)
    text = _LONE_TITLE.sub(lambda m: _TITLES[m.group(1)], text)
    text = _NUMBERED.sub(lambda m: _BEFORE_NUMBER[m.group(1)] + " ", text)
    text = _ABBREVIATIONS.expand(text)
    return _AVENUE.sub("avenue", text)


def _fraction_words(num: int, den: int, following: str) -> str:
    names = {2: ("demi", "demis"), 3: ("tiers", "tiers"), 4: ("quart", "quarts")}
    if num >= den or den > 10:
        return f"{cardinal(num, 'fr')} sur {cardinal(den, 'fr')}"
    one, many = names.get(den, (ordinal(den), ordinal(den) + "s"))
    return f"{cardinal(num, 'fr')} {one if num == 1 else many}"


def _mixed(whole: int, num: int, den: int) -> str:
    """`2 1/2` → "deux et demi", `1 3/4` → "un et trois quarts"."""
    return f"{cardinal(whole, 'fr')} et {'demi' if den == 2 else _fraction_words(num, den, '')}"


def _plain(whole: str, fraction: str | None, following: str) -> str:
    words = _number(whole, fraction)
    if not fraction and (following in _FEMININE or following.endswith(("tion", "sion"))):
        return _feminine(words)
    return words


_MONEY = (after_number(_NUMBER, _CURRENCIES), before_number(_NUMBER, ("€", "$", "£")))
_UNIT_PATTERN = (after_number(_NUMBER, _UNITS),)
_PERCENT = (after_number(_NUMBER, ("%",)),)


def read(text: str, region: str) -> str:
    """French as a reader of the region says it: `septante`, `nonante` in Belgium and
    Switzerland."""
    text = greek_symbols(text, units_read=False)
    text = _abbreviations(_PHONE.sub(lambda m: re.sub(r"[.-]", " ", m[0]), text))
    text = _ordinals(text)
    text = romans(text, _ROMANS, _roman)
    text = _NAME_FIRST.sub(r"\g<name>premier", text)
    text = numeric_dates(text, _date)
    text = _POSTCODE.sub(lambda m: f"{cardinal(int(m[1]), 'fr')} {decimals(m[2], 'fr')}", text)
    text = _FIRST_OF_MONTH.sub("premier", text)
    text = _TIME.sub(safe(_time), text)
    text = ranges(text, "à")
    text = signs(text, "moins", "plus")
    text = quantities(_CURRENCY_WORDS(text), _MONEY, _money)
    text = quantities(text, _PERCENT, lambda w, f, _: f"{_number(w, f)} pour cent")
    text = quantities(text, _UNIT_PATTERN, lambda w, f, unit: _count(w, f, _UNITS[unit]))
    text = fractions(text, _fraction_words, _mixed)
    text = spell_numbers(text, _NUMBER, _plain)
    text = leftovers(text, _whole, "point")
    return septante_nonante(text) if region in _SEPTANTE_REGIONS else text
