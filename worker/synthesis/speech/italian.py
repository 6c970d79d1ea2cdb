"""Italian: numbers with dotted thousands and a decimal comma, ordinals (`1º`, `3ª`, `il 2°
piano`), regnal numerals by ordinal (`Luigi XIV` → "quattordicesimo"), centuries, dates,
times, money (`4,99 €` → "quattro euro e novantanove"), units, temperatures, percentages,
fractions, abbreviations and titles.

`un`, `uno`, `una`, `un'` and the apocope `ventun` follow the noun after the number where the
noun is known (`1 ora` → "un'ora", `21 anni` → "ventun anni").
"""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech.core import cardinal, digit_by_digit, greek_symbols, safe, spaced
from worker.synthesis.speech.italian_words import (
    ABBREVIATIONS,
    BEFORE_NUMBER,
    CURRENCY_WORDS,
    LOWER_CASE_TITLES,
    UNITS,
)
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
    next_word,
    numeric_dates,
    quantities,
    signs,
    spell_numbers,
    whole_number,
)
from worker.synthesis.speech.rules import NumberFormat, RomanContexts, romans

_NUMBER = NumberFormat("it", ",", ". '", "virgola", "meno")
_MONTHS = (
    "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
    "settembre", "ottobre", "novembre", "dicembre",
)  # fmt: skip
_CENT = Noun("centesimo", "centesimi")
_CURRENCIES = {
    "€": Currency(Noun("euro", "euro"), _CENT), "EUR": Currency(Noun("euro", "euro"), _CENT),
    "$": Currency(Noun("dollaro", "dollari"), _CENT),
    "USD": Currency(Noun("dollaro", "dollari"), _CENT),
    "£": Currency(Noun("sterlina", "sterline", True), Noun("penny", "pence")),
    "GBP": Currency(Noun("sterlina", "sterline", True), Noun("penny", "pence")),
    "CHF": Currency(Noun("franco svizzero", "franchi svizzeri"), _CENT),
    "¥": Currency(Noun("yen", "yen")),
}  # fmt: skip
_MASCULINE_IN_A = frozenset((
    "problema", "programma", "sistema", "tema", "pianeta", "papa", "poeta", "cinema", "clima",
    "dramma", "Luca", "Andrea", "Nicola", "Elia", "Enea", "Battista", "Mattia", "Tobia", "Giona",
    "Geremia", "Isaia", "Zaccaria"
))  # fmt: skip
_FEMININE_IN_E = frozenset((
    "notte", "chiave", "parte", "classe", "gente", "fine", "madre", "mente", "volte", "ore",
    "persone", "settimane", "case", "pagine", "ragazze", "donne", "stelle", "lire", "mele",
    "sterline", "fonte", "torre", "nave", "neve", "sete", "fame", "morte", "arte", "legge"
))  # fmt: skip
_COUNTED = frozenset((
    "anni", "giorni", "mesi", "minuti", "secondi", "punti", "gradi", "uomini", "bambini",
    "ragazzi", "libri", "posti", "piani", "voti", "passi", "colpi", "morti", "feriti", "abitanti",
    "studenti", "soldati", "metri", "euro", "dollari", "chili", "litri", "pezzi"
))  # fmt: skip
"""Plural masculine nouns before which `ventuno` is cut to `ventun`."""
_FUNCTION = frozenset((
    "e", "ed", "o", "od", "a", "ad", "di", "da", "in", "con", "su", "per", "tra", "fra", "che",
    "è", "non", "più", "meno"
))  # fmt: skip
_WORD_MONEY = money_words(_NUMBER, CURRENCY_WORDS)
_NUMBERED = keyed(BEFORE_NUMBER, r"\s?(?=\d)")
_NOT_REGNAL = frozenset(("Generazione", "Malcolm", "Vitamina", "Gruppo", "Classe", "Tipo"))
_SAINT = re.compile(r"(?<![\w.])S\.\s?(?=(?P<name>[A-ZÀ-Þ][\w']*))")
_CAPITALISED = re.compile(r"([A-ZÀ-Þ]\w*) $")
_PLACES = frozenset(("Via", "Piazza", "Chiesa", "Basilica", "Corso", "Viale", "Porta", "Borgo"))
_ROMANS = RomanContexts(
    after=("capitolo", "capitoli", "volume", "tomo", "atto", "scena", "parte", "libro", "canto",
           "articolo", "episodio", "stagione", "secolo"),
    before=("secolo", "secoli", "millennio"),
)  # fmt: skip
_NAME_FIRST = re.compile(r"(?P<name>\b[A-ZÀ-Þ][a-zà-ÿ]+)\sI(?=\s*(?:[,.;:!?)]|$)|\s[a-zà-ÿ])")
_ARTICLE = re.compile(
    r"\b(?:(?P<f>la|alla|della|nella|dalla|sulla)|il|lo|\w*l'|al|allo|del|dello|nel|dal|sul)\s?$",
    re.IGNORECASE,
)
_ORDINAL_NOUNS = frozenset(("piano", "posto", "secolo", "anniversario", "giorno", "anno"))
_ORDINAL = re.compile(r"(?<![\w.,])(?P<n>\d+)(?P<suf>[ºª°])(?![\w°])(?!\s?[CF]\b)")
_FIRST_OF_MONTH = re.compile(rf"(?<![\d.,])(?:1|01)(?=\s(?:{month_pattern(_MONTHS)})\b)")
_TIME = re.compile(
    r"(?P<pre>\b(?i:alle|dalle|le|ore|verso le|entro le|fino alle)\s)?(?<![\d.,:])"
    r"(?P<h>\d{1,2})(?P<sep>[:.])(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?![\d:]|[.,]\d)"
)
_POSTCODE = re.compile(r"(?<=, )\d{5}(?= [A-ZÀ-Þ])")  # 20121 Milano: digit by digit
_MILLIONS = re.compile(r"(?:milione|milioni|miliardo|miliardi)$")
_ELIDED = re.compile(r"\bun' (?=\w)")


def ordinal(n: int, feminine: bool = False) -> str:
    words: str = num2words(n, lang="it", to="ordinal")
    return words[:-1] + "a" if feminine else words


def _is_feminine(noun: str) -> bool:
    if noun in _FEMININE_IN_E or noun.endswith(("ione", "tà", "tù", "trice")):
        return True
    return noun.endswith("a") and noun not in _MASCULINE_IN_A


def _agree(words: str, value: int, noun: str, feminine: bool) -> str:
    """`uno` before its noun: un, uno, una, un', and `ventun` before a masculine plural."""
    if not words.endswith("uno"):
        return words
    if value != 1:  # ventun anni, but centouno anni and ventuno ore
        return words if feminine or not words.endswith("tuno") else words[:-1]
    if feminine:
        return "un'" if noun[:1] in "aeiouàèéìòù" else "una"
    impure = re.match(r"(?:s[^aeiou]|z|gn|ps|x|y)", noun)
    return "uno" if impure else "un"


def _number(whole: str, fraction: str | None) -> str:
    words = whole_number(_NUMBER, whole)
    return f"{words} virgola {decimals(fraction, 'it')}" if fraction else words


def _count(whole: str, fraction: str | None, noun: Noun) -> str:
    """A number and its noun: agreement, the plural for every count but one, `di` after
    millions."""
    value = _NUMBER.whole(whole)
    words = _number(whole, fraction)
    name = noun.one if value == 1 and not fraction else noun.many
    if not fraction:
        words = _agree(words, value, name, noun.feminine)
        if _MILLIONS.search(words):
            return f"{words} di {name}"
    return words + name if words.endswith("'") else f"{words} {name}"


def _money(whole: str, fraction: str | None, symbol: str) -> str:
    return money(whole, fraction, _CURRENCIES[symbol], _count, lambda n: f"e {cardinal(n, 'it')}")


def _time(m: re.Match[str]) -> str:
    hours, minutes = int(m["h"]), int(m["m"])
    if hours > 24 or (m["sep"] == "." and not m["pre"]):
        raise ValueError(m.group(0))
    words = "una" if hours == 1 else cardinal(hours, "it")
    if minutes:
        words = f"{words} e {cardinal(minutes, 'it')}"
    if m["s"]:
        words = f"{words} e {_count(str(int(m['s'])), None, UNITS['s'])}"
    return (m["pre"] or "") + spaced(m.string, m.start("h"), m.end(), words)


def _date(day: int, month: int, year: int) -> str:
    day_words = "primo" if day == 1 else cardinal(day, "it")
    return f"{day_words} {_MONTHS[month - 1]} {cardinal(year, 'it')}"


def _ordinals(text: str) -> str:
    @safe
    def replace(m: re.Match[str]) -> str:
        feminine = m["suf"] == "ª"
        if m["suf"] == "°":  # also a degree: an ordinal only after an article or before a noun
            article = _ARTICLE.search(m.string, 0, m.start())
            if not article and next_word(m.string, m.end()) not in _ORDINAL_NOUNS:
                raise ValueError(m.group(0))
            feminine = bool(article and article["f"])
        return spaced(m.string, m.start(), m.end(), ordinal(int(m["n"]), feminine))

    return _ORDINAL.sub(replace, text)


def _roman(value: int, kind: str, m: re.Match[str]) -> str:
    """Kings and popes by ordinal (`Elisabetta II` → "seconda"), centuries by ordinal,
    chapters by cardinal (`capitolo XII` → "dodici")."""
    dot = m["dot"] or ""
    if kind == "name":
        if value > 40 or m["pre"].strip() in _NOT_REGNAL:
            return m["roman"] + dot
        return ordinal(value, _is_feminine(m["pre"].strip())) + dot
    if kind == "before" or m["pre"].strip().lower() == "secolo":
        return ordinal(value) + dot
    return cardinal(value, "it") + dot


def _saint(m: re.Match[str]) -> str:
    before = _CAPITALISED.search(m.string, max(0, m.start() - 30), m.start())
    if before and before[1] not in _PLACES:  # a first name's initial: Mario S. Rossi
        return m.group(0)
    name = m["name"]
    if name[:1] in "AEIOUÀÈÉÌÒÙ":
        return "Sant'"
    if _is_feminine(name):
        return "Santa "
    return "Santo " if re.match(r"(?:S[^aeiou]|Z)", name) else "San "


def _abbreviations(text: str) -> str:
    text = _NUMBERED.sub(lambda m: BEFORE_NUMBER[m.group(1)] + " ", text)
    text = _SAINT.sub(_saint, text)
    return LOWER_CASE_TITLES.expand(ABBREVIATIONS.expand(text))


def _fraction_words(num: int, den: int, following: str) -> str:
    if num >= den or den > 10:
        return f"{cardinal(num, 'it')} su {cardinal(den, 'it')}"
    if den == 2:
        return "mezzo" if following and following not in _FUNCTION else "un mezzo"
    name = ordinal(den)
    if num == 1:
        return f"un {name}"
    return f"{cardinal(num, 'it')} {name[:-1]}i"


def _mixed(whole: int, num: int, den: int) -> str:
    """`2 1/2` → "due e mezzo", `1 3/4` → "uno e tre quarti"."""
    return f"{cardinal(whole, 'it')} e {'mezzo' if den == 2 else _fraction_words(num, den, '')}"


def _plain(whole: str, fraction: str | None, following: str) -> str:
    words, value = _number(whole, fraction), _NUMBER.whole(whole)
    if fraction or following in _FUNCTION or not following.islower():  # not before a noun
        return words
    counted = value == 1 or following in _COUNTED
    return _agree(words, value, following, _is_feminine(following)) if counted else words


def _names_first(m: re.Match[str]) -> str:
    return f"{m['name']} {ordinal(1, _is_feminine(m['name']))}"


_MONEY = (after_number(_NUMBER, _CURRENCIES), before_number(_NUMBER, ("€", "$", "£")))
_UNIT_PATTERN = (after_number(_NUMBER, UNITS),)
_PERCENT = (after_number(_NUMBER, ("%",)),)


def read(text: str, region: str) -> str:
    """Italian as an Italian reader says it (the region changes nothing yet)."""
    text = greek_symbols(text, units_read=False)
    text = _abbreviations(text)
    text = _ordinals(text)
    text = romans(text, _ROMANS, _roman)
    text = _NAME_FIRST.sub(_names_first, text)
    text = _POSTCODE.sub(lambda m: digit_by_digit(m[0], "it"), numeric_dates(text, _date))
    text = _FIRST_OF_MONTH.sub("primo", text)
    text = _TIME.sub(safe(_time), text)
    text = signs(text, "meno", "più")
    text = quantities(_WORD_MONEY(text), _MONEY, _money)
    text = quantities(text, _PERCENT, lambda w, f, _: f"{_number(w, f)} per cento")
    text = quantities(text, _UNIT_PATTERN, lambda w, f, unit: _count(w, f, UNITS[unit]))
    text = fractions(text, _fraction_words, _mixed)
    text = _ELIDED.sub("un'", spell_numbers(text, _NUMBER, _plain))
    return leftovers(text, lambda digits: _number(digits, None), "punto")
