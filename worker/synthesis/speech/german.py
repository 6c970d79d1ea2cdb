"""German as a careful reader says it: ordinals and dates declined by the article or preposition
before them (`am 14. Juli` → "am vierzehnten Juli"), a number ending a sentence a cardinal (`Er
wurde 3.`), money, times, units, regnal and chapter numerals, abbreviations and titles."""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech import german_words as vocab
from worker.synthesis.speech import germanic
from worker.synthesis.speech.core import (
    alternation,
    digit_by_digit,
    greek_symbols,
    spaced,
    word_set,
)
from worker.synthesis.speech.germanic import Language
from worker.synthesis.speech.rules import NumberFormat, RomanContexts, fraction_pattern, romans

LANGUAGE = Language(
    number=NumberFormat("de", ",", ".' ", "Komma", "minus"),
    fix=lambda words: words,
    one=lambda feminine: "eine" if feminine else "ein",
    currencies=vocab.CURRENCIES, units=vocab.UNITS, scales=vocab.SCALES,
    hour="Uhr", seconds="und {} Sekunden", until="bis", percent="Prozent", hundred="hundert",
)  # fmt: skip
ABBREVIATIONS = germanic.abbreviations(vocab.MAY_END, vocab.NEVER_END)
_WEEKDAY = re.compile(r"(?<![\w.])(Mo|Di|Mi|Do|Fr|Sa|So)\.(?=,?\s\d\d?\.\s?(?:\d|[A-ZÄ]))")
_PAGE = re.compile(r"(?<![\w.])S\.\s?(?=\d)")
_STREET = re.compile(r"(?<=[a-zäöüß])str\.")

_STRONG = {"m": "er", "f": "e", "n": "es"}


def _gender(noun: str) -> str:
    """m, f or n: from the tables, else from the noun's ending, else masculine."""
    if noun in vocab.MASCULINE:
        return "m"
    if noun in vocab.FEMININE or (
        noun not in vocab.NEUTER and noun.endswith(vocab.FEMININE_ENDINGS)
    ):
        return "f" if not noun.endswith(vocab.NEUTER_ENDINGS) else "n"
    return "n" if noun in vocab.NEUTER or noun.endswith(vocab.NEUTER_ENDINGS) else "m"


_THIS = ("dies", "jed", "jen", "welch")
_A = ("ein", "kein", "mein", "dein", "sein", "ihr", "unser", "eur")
_ENDINGS = {
    **dict.fromkeys(word_set("der die das ins ans aufs ums fürs durchs übers"), "e"),
    **dict.fromkeys(word_set("den dem des am im vom zum zur beim ab bis seit"), "en"),
    **{stem + end: "e" for stem in _THIS for end in ("er", "e", "es")},
    **{stem + end: "en" for stem in _THIS for end in ("em", "en")},
    **{stem + "e": "e" for stem in _A},
    **{stem + end: "en" for stem in _A for end in ("em", "en", "er", "es")},
}  # fmt: skip
"""The ending an ordinal takes after an article, a pronoun or a preposition with its article
(`am 14.` → "vierzehnten"); after `ein`, `sein`, … it depends on the noun (`_STRONG`)."""
_BARE = word_set("ab bis seit")
_BY_GENDER = word_set("ein kein mein dein sein ihr unser euer")
_LAST_WORDS = re.compile(r"(?:(?P<first>\S+)\s+)?(?P<word>\S+)\s+$")
_SENTENCE_START = re.compile(r"(?:[.!?:;\"]\s*|\A\s*)\Z")


def _ending(before: str, gender: str, *, month: bool = True) -> str | None:
    """The ending an ordinal takes after the words `before` it, or None where the last word
    is no article, pronoun or preposition that decides it (`bis` only before a `month`)."""
    m = _LAST_WORDS.search(before)
    if not m or (not month and m["word"].lower() in _BARE):  # von 1 bis 3. Dann …
        return None
    word, first = m["word"].lower(), m["first"] or ""
    if word == "der" and first:  # in der 4. Runde, der Sieger der 4. Runde: dative, genitive
        opening = _SENTENCE_START.search(before, 0, m.start("first"))
        genitive = first.istitle() and first[-1].isalpha() and not opening  # not "Montag,"
        if first.lower() in vocab.PREPOSITIONS or genitive:
            return "en"
    if word in _BY_GENDER:
        return _STRONG[gender]
    return _ENDINGS.get(word)


def ordinal(number: int, ending: str) -> str:
    """`ordinal(14, "en")` → "vierzehnten"."""
    return str(num2words(number, lang="de", to="ordinal"))[:-1] + ending


_NUMERIC_DATE = re.compile(r"(?<![\d.,])(\d{1,2})\.\s?(\d{1,2})\.(?:\s?(\d{4}|\d{2}))?(?![\d])")
_ORDINAL = re.compile(r"(?<![\d.,:/])(\d{1,4})\.(?=\s|$)")
_NEXT = re.compile(r"\s+(?P<word>[^\s]+)")
_NOUN = re.compile(r"\s+(?:[a-zäöüß][\w-]*\s+)?(?P<noun>[A-ZÄÖÜ][\w-]*)")
_CONTINUES = re.compile(r"(?:\bund|\boder|\bbis|-)\s*$")


def _before(m: re.Match[str]) -> str:
    return m.string[max(0, m.start() - 60) : m.start()]


def _date(day: int, month: int, year: str | None, before: str) -> str | None:
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return None
    words = f"{ordinal(day, _ending(before, 'm') or 'er')} {vocab.MONTHS[month - 1]}"
    spoken = LANGUAGE.year if year and len(year) == 4 else LANGUAGE.cardinal
    return f"{words} {spoken(int(year))}" if year else words


def _dates(text: str) -> str:
    def numeric(m: re.Match[str]) -> str:
        words = _date(int(m[1]), int(m[2]), m[3], _before(m))
        if words and not m[3] and germanic.at_end(m):
            words += "."  # the date's last stop ended the sentence too
        return spaced(m.string, m.start(), m.end(), words) if words else m.group(0)

    return _NUMERIC_DATE.sub(numeric, germanic.ISO_DATE.sub(r"\3.\2.\1", text))


def _ordinals(text: str) -> str:
    """`14.` before a month, after an article or a preposition, or opening a sentence before
    a noun: an ordinal. Ending a sentence, one only after those (`Ich komme am 3.`); else a
    cardinal left for later (`Er wurde 3.`)."""
    last: list[tuple[int, str]] = [(-100, "e")]  # where the last ordinal ended, its ending

    def read(m: re.Match[str]) -> str:
        before, following = _before(m), _NEXT.match(m.string, m.end())
        word = following["word"] if following else ""
        noun = _NOUN.match(m.string, m.end())
        gender = _gender(noun["noun"]) if noun else "m"
        ending = _ending(before, gender, month=word.rstrip(".,:;!?") in vocab.MONTHS)
        if not word:  # its stop ends the sentence too
            return m.group(0) if ending is None else f"{ordinal(int(m[1]), ending)}."
        if ending is None and _CONTINUES.search(before) and m.start() - last[0][0] < 12:
            ending = last[0][1]  # am 1. und 2. Mai: the second as the first
        opening = _SENTENCE_START.search(before) and word[:1].isupper()
        if ending is None and (word.rstrip(".,:;!?") in vocab.MONTHS or opening):
            ending = _STRONG[gender]
        elif ending is None and word[:1].islower():  # als 3. ins Ziel: no sentence ends here
            ending = "er"
        if ending is None:
            return m.group(0)
        last[0] = (m.end(), ending)
        return spaced(m.string, m.start(), m.end(), ordinal(int(m[1]), ending))

    return _ORDINAL.sub(read, text)


_ROMAN_CONTEXTS = RomanContexts(after=vocab.ROMAN_AFTER, before=vocab.ROMAN_BEFORE)


def _ruler(value: int, m: re.Match[str]) -> str:
    """`Karl V.` → "Karl der Fünfte", `unter Heinrich VIII.` → "unter Heinrich dem Achten"."""
    name, numeral = m["pre"].strip(), m["roman"]
    known = name in vocab.RULERS or name[:-1] in vocab.RULERS
    if value > 40 or (not known and (not m["dot"] or len(numeral) == 1)):
        return m.group(0)[len(m["pre"]) :]
    words = _LAST_WORDS.search(_before(m))
    word = words["word"].lower() if words else ""
    case = (
        "genitive"
        if name.endswith("s") and name[:-1] in vocab.RULERS
        else vocab.RULER_CASES.get(word, "")
    )
    article, ending = vocab.RULER_ARTICLES[case][name in vocab.QUEENS]
    stop = "." if m["dot"] and germanic.at_end(m) else ""
    return f"{article} {ordinal(value, ending).capitalize()}{stop}"


_LONE_I = re.compile(r"(?P<pre>\b(?P<name>[A-ZÄÖÜ][a-zäöüß]+)\s)(?P<roman>I)(?P<dot>\.)")
_CAPITAL_NEXT = re.compile(r"\s+[A-ZÄÖÜ]")


def _first(m: re.Match[str]) -> str:
    """`I.` after a ruler's name: `Ottos I.` → "Ottos des Ersten". Before a capital only after a
    title or in the genitive (`Ludwig I. Meier` may be an initial; `Kaiser Karl I. Er …`)."""
    name = m["name"]
    genitive = name.endswith("s") and name[:-1] in vocab.RULERS
    if not (genitive or name in vocab.RULERS):
        return m.group(0)
    words = _LAST_WORDS.search(_before(m))
    titled = bool(words and words["word"] in vocab.TITLES)
    if _CAPITAL_NEXT.match(m.string, m.end()) and not (titled or genitive):
        return m.group(0)
    return m["pre"] + _ruler(1, m)


def _roman(value: int, kind: str, m: re.Match[str]) -> str:
    if kind == "after":  # Kapitel XII: a cardinal; its stop (if any) ends the sentence
        return LANGUAGE.cardinal(value) + (m["dot"] or "")
    if kind == "before":  # im XIX. Jahrhundert
        noun = _NOUN.match(m.string, m.end())
        ending = _ending(_before(m), _gender(noun["noun"]) if noun else "n") or "es"
        return ordinal(value, ending)
    return _ruler(value, m)


_SCORE = re.compile(r"(?<![\d.,:])(\d{1,2}):(\d{1,2})(?![\d:])")
_ONE = re.compile(r"(?<![\d.,:/-])1(?=\s(?:[a-zäöüß]+\s)?(?P<noun>[A-ZÄÖÜ][a-zäöüß]+))")
_HEIGHT = re.compile(r"(?<![\d.,])(\d),(\d\d)\s?m(?!\w)")  # 1,80 m: "ein Meter achtzig"
_YEAR_BEFORE = re.compile(
    r"\b(?:im|jahre?s?|seit|bis|von|ab|um|vor|nach|in|anno|sommer|winter|frühjahr|herbst|"
    r"frühling|ende|anfang|mitte|zwischen|und|" + "|".join(vocab.MONTHS).lower() + r")\s$",
    re.IGNORECASE,
)
_NO_NOUN_AFTER = re.compile(r"(?!\s+[A-ZÄÖÜ])")  # 1984 Menschen: a count
# Emergency and service numbers after a word that dials them, digit by digit: "eins eins zwei".
_SERVICE = re.compile(r"(\b(?:[Ww]ähl|[Rr]uf|Notruf|Nummer)\w*\s(?:\S+\s){,3})(11[025])\b")
# A currency named after an amount as its sign (`4,99 Euro` as `4,99 €`); not `2 Pfund Mehl`.
_CURRENCY_NAME = re.compile(
    rf"(?<=\d) ?({alternation(vocab.CURRENCY_NAMES)}|Pfund(?!\s+(?!Sterling)[A-ZÄÖÜ]))(?!\w)"
)
_WEEKDAY_DATE = re.compile(  # am Montag, 3. Mai: "am Montag, dem dritten Mai"
    r"\b(?P<pre>(?:[Aa]m|[Vv]om|[Zz]um|[Ss]eit|[Aa]b|[Bb]is|[Ff]ür)\s(?:"
    + "|".join(vocab.DAYS.values())
    + r"),)\s(?=\d\d?\.\s?(?:\d|[A-ZÄ]))"
)
_FRACTION_SLASH = fraction_pattern(vocab.UNITS)


def _date_case(m: re.Match[str]) -> str:
    """A date after a weekday takes the case of the preposition before the weekday."""
    article = "den" if m["pre"][:3].lower() in ("bis", "für") else "dem"
    return f"{m['pre']} {article} "


def _part(numerator: int, denominator: int) -> str:
    """`(1, 2)` → "einhalb", `(3, 4)` → "dreiviertel": a fraction joined to a whole number."""
    count = "ein" if numerator == 1 else LANGUAGE.cardinal(numerator)
    return count + ("halb" if denominator == 2 else ordinal(denominator, "el"))


def _mixed(m: re.Match[str]) -> str:
    """`2 ½ Stunden` → "zweieinhalb Stunden", `½ Liter` → "ein halber Liter"."""
    whole, num, den = m["whole"] or m["mixed"], int(m["num"]), int(m["den"])
    unit = vocab.UNITS.get(m["unit"] or "")
    noun = _NOUN.match(m.string, m.end()) if not unit else None
    if not 0 < num < den or (not whole and "/" in m[0] and not (num == 1 and (noun or unit))):
        return m.group(0)  # 3/4 alone: germanic.fractions
    name = (unit.many or unit.one) if unit and whole else unit.one if unit else ""
    if whole:
        number = "ein" if int(whole) == 1 else LANGUAGE.cardinal(int(whole))
        words = number + _part(num, den)
    elif num == 1 and (noun or unit):
        gender = _gender(noun["noun"] if noun else name.split()[0])
        words = _one_part(_before(m), gender, den)
    else:
        words = _fraction(num, den)
    return spaced(m.string, m.start(), m.end(), f"{words} {name}" if name else words)


def _one_part(before: str, gender: str, denominator: int) -> str:
    """One half or one quarter of a noun, declined: "eine halbe", "einem halben", "ein viertel";
    only the adjective after a written article (`eine ½ Stunde`, `dem ½ Liter`)."""
    words = _LAST_WORDS.search(before)
    word = words["word"].lower() if words else ""
    part = "halb" if denominator == 2 else ordinal(denominator, "el")
    if word in vocab.ARTICLE_ENDINGS or word in vocab.OTHER_ARTICLES:
        ending = _STRONG[gender] if word == "ein" else vocab.ARTICLE_ENDINGS.get(word, "en")
        return part + ending if denominator == 2 else part
    dative = word in vocab.DATIVE
    article = ("einer" if gender == "f" else "einem") if dative else vocab.ONE_BY_GENDER[gender]
    return f"{article} {part}{('en' if dative else _STRONG[gender]) if denominator == 2 else ''}"


def _fraction(numerator: int, denominator: int) -> str:
    """`3/4` → "drei Viertel", `1/2` → "ein halb", `1/3` → "ein Drittel"."""
    count = "ein" if numerator == 1 else LANGUAGE.cardinal(numerator)
    return f"{count} {'halb' if denominator == 2 else ordinal(denominator, 'el').capitalize()}"


def _one(m: re.Match[str]) -> str:
    """A lone 1 before a noun: "ein" or "eine" (`1 Katze` → "eine Katze")."""
    words = _LAST_WORDS.search(_before(m))
    if words and words["word"].lower().rstrip(".") in vocab.NUMBERED:
        return m.group(0)
    return "eine" if _gender(m["noun"]) == "f" else "ein"


def read(text: str, region: str) -> str:
    """German as a careful reader says it; every digit read."""
    text = greek_symbols(text, units_read=False)
    text = _WEEKDAY.sub(lambda m: vocab.DAYS[m[1]], text)  # Fr., 14.7.
    text = _WEEKDAY_DATE.sub(_date_case, _FRACTION_SLASH.sub(_mixed, text))
    text = _CURRENCY_NAME.sub(lambda m: " " + vocab.CURRENCY_NAMES.get(m[1], "£"), text)
    text = germanic.money(text, LANGUAGE)
    text = germanic.times(_dates(text), LANGUAGE)
    text = _SERVICE.sub(lambda m: m[1] + digit_by_digit(m[2], "de"), text)
    text = germanic.scales(_SCORE.sub(r"\1 zu \2", text), LANGUAGE)
    text = ABBREVIATIONS(_STREET.sub("straße", _PAGE.sub("Seite ", text)))
    text = _ordinals(_LONE_I.sub(_first, romans(text, _ROMAN_CONTEXTS, _roman)))
    text = germanic.units(germanic.ranges(_HEIGHT.sub(r"\1 m \2", text), LANGUAGE), LANGUAGE)
    text = germanic.fractions(germanic.percent(text, LANGUAGE), _fraction)
    text = germanic.years(text, LANGUAGE, _YEAR_BEFORE, _NO_NOUN_AFTER)
    return germanic.last_numbers(_ONE.sub(_one, text), LANGUAGE)
