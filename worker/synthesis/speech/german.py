"""German as a careful reader says it: ordinals and dates declined by the article or preposition
before them (`am 14. Juli` → "am vierzehnten Juli"), a number ending a sentence a cardinal (`Er
wurde 3.`), money, times, units, regnal and chapter numerals, abbreviations and titles."""

from __future__ import annotations

import re

from num2words import num2words

from worker.synthesis.speech import germanic
from worker.synthesis.speech.core import digit_by_digit, greek_symbols, spaced, word_set
from worker.synthesis.speech.germanic import Currency, Language, Scale, Unit
from worker.synthesis.speech.rules import NumberFormat, RomanContexts, romans

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")  # fmt: skip
_EURO = Currency("Euro", "Euro", "Cent", "Cent")
_DOLLAR = Currency("Dollar", "Dollar", "Cent", "Cent")
_POUND = Currency("Pfund", "Pfund", "Penny", "Pence")
_FRANC = Currency("Franken", "Franken", "Rappen", "Rappen")
_YEN = Currency("Yen", "Yen", "Sen", "Sen")
CURRENCIES = {
    "€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    "CHF": _FRANC, "Fr.": _FRANC, "SFr.": _FRANC, "sFr.": _FRANC, "¥": _YEN, "JPY": _YEN,
}  # fmt: skip
UNITS = {
    "km": Unit("Kilometer"), "m": Unit("Meter"), "cm": Unit("Zentimeter"), "mm": Unit("Millimeter"),
    "μm": Unit("Mikrometer"), "kg": Unit("Kilogramm"), "g": Unit("Gramm"), "mg": Unit("Milligramm"),
    "μg": Unit("Mikrogramm"), "t": Unit("Tonne", "Tonnen", True), "l": Unit("Liter"),
    "L": Unit("Liter"), "ml": Unit("Milliliter"), "cl": Unit("Zentiliter"), "dl": Unit("Deziliter"),
    "km/h": Unit("Kilometer pro Stunde"), "m/s": Unit("Meter pro Sekunde"),
    "h": Unit("Stunde", "Stunden", True), "Std.": Unit("Stunde", "Stunden", True),
    "min": Unit("Minute", "Minuten", True), "Min.": Unit("Minute", "Minuten", True),
    "s": Unit("Sekunde", "Sekunden", True), "Sek.": Unit("Sekunde", "Sekunden", True),
    "ms": Unit("Millisekunde", "Millisekunden", True), "m2": Unit("Quadratmeter"),
    "km2": Unit("Quadratkilometer"), "m3": Unit("Kubikmeter"), "ha": Unit("Hektar"),
    "kWh": Unit("Kilowattstunde", "Kilowattstunden", True), "kW": Unit("Kilowatt"),
    "W": Unit("Watt"), "V": Unit("Volt"), "Hz": Unit("Hertz"), "kB": Unit("Kilobyte"),
    "MB": Unit("Megabyte"), "GB": Unit("Gigabyte"), "TB": Unit("Terabyte"),
    "°C": Unit("Grad Celsius"), "°F": Unit("Grad Fahrenheit"), "°": Unit("Grad"), "Ω": Unit("Ohm"),
}  # fmt: skip
"""Keyed by the NFKC form: `µ` is the Greek `μ`, `m²` is `m2`."""
_MILLION = Scale("Million", "Millionen", 10**6, feminine=True)
_BILLION = Scale("Milliarde", "Milliarden", 10**9, feminine=True)
SCALES = {"Mio.": _MILLION, "Mill.": _MILLION, "Mrd.": _BILLION, "Tsd.": Scale("", "Tausend", 1000)}

LANGUAGE = Language(
    number=NumberFormat("de", ",", ".' ", "Komma", "minus"),
    fix=lambda words: words,
    one=lambda feminine: "eine" if feminine else "ein",
    currencies=CURRENCIES, units=UNITS, scales=SCALES,
    hour="Uhr", seconds="und {} Sekunden", until="bis", percent="Prozent", hundred="hundert",
)  # fmt: skip
ABBREVIATIONS = germanic.abbreviations(
    may_end={
        "usw.": "und so weiter", "usf.": "und so fort", "etc.": "et cetera",
        "o. Ä.": "oder Ähnliches", "u. Ä.": "und Ähnliches", "s. o.": "siehe oben",
        "s. u.": "siehe unten", "u. v. m.": "und vieles mehr", "v. Chr.": "vor Christus",
        "n. Chr.": "nach Christus", "Jh.": "Jahrhundert", "Jhd.": "Jahrhundert",
        "Hbf.": "Hauptbahnhof", "MwSt.": "Mehrwertsteuer", "Mio.": "Millionen",
        "Mrd.": "Milliarden", "Tsd.": "Tausend", "geb.": "geboren", "gest.": "gestorben",
    },
    never_end={
        "Hr.": "Herr", "Hrn.": "Herrn", "Fr.": "Frau", "Dr.": "Doktor", "Prof.": "Professor",
        "St.": "Sankt", "Dipl.-Ing.": "Diplomingenieur", "Mag.": "Magister",
        "z. B.": "zum Beispiel", "bzw.": "beziehungsweise", "d. h.": "das heißt", "ca.": "circa",
        "Nr.": "Nummer", "Str.": "Straße", "evtl.": "eventuell", "ggf.": "gegebenenfalls",
        "inkl.": "inklusive", "exkl.": "exklusive", "zzgl.": "zuzüglich", "vgl.": "vergleiche",
        "bspw.": "beispielsweise", "u. U.": "unter Umständen", "z. T.": "zum Teil",
        "v. a.": "vor allem", "u. a.": "unter anderem", "i. d. R.": "in der Regel",
        "Abb.": "Abbildung", "Tel.": "Telefon", "bzgl.": "bezüglich", "insb.": "insbesondere",
    },
)  # fmt: skip
_WEEKDAY = re.compile(r"(?<![\w.])(Mo|Di|Mi|Do|Fr|Sa|So)\.(?=,?\s\d\d?\.\s?(?:\d|[A-ZÄ]))")
_DAYS = {"Mo": "Montag", "Di": "Dienstag", "Mi": "Mittwoch", "Do": "Donnerstag", "Fr": "Freitag",
         "Sa": "Samstag", "So": "Sonntag"}  # fmt: skip
_PAGE = re.compile(r"(?<![\w.])S\.\s?(?=\d)")
_STREET = re.compile(r"(?<=[a-zäöüß])str\.")

_FEMININE = word_set(
    "Frau Liga Staffel Saison Person Nacht Stadt Million Hand Tür Tochter Mutter Schwester Kugel "
    "Wand Tafel Uhr Maus Kuh Gans Spur Zeit Wahl Amtszeit Mannschaft"
)  # and most nouns in -e: Stunde, Runde, Seite
_NEUTER = word_set(
    "Mal Jahr Jahrhundert Jahrtausend Jahrzehnt Kapitel Buch Spiel Tor Kind Semester Stockwerk "
    "Geschoss Haus Rennen Level Quartal Treffen Konzert Lebensjahr Gebot Programm Glas Stück "
    "Auto Pferd Schiff Boot Zimmer Ei Paar Wort Bild Lied Land Dorf Tier Ziel Werk Ende Auge"
)
_MASCULINE = word_set("Name Junge Kunde Gedanke Glaube Buchstabe Friede Wille Käse Kollege")
_FEMININE_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "sion", "tät", "ei", "ik", "e")
_NEUTER_ENDINGS = ("chen", "lein", "ment", "um", "tum")
_STRONG = {"m": "er", "f": "e", "n": "es"}


def _gender(noun: str) -> str:
    """m, f or n: from the tables, else from the noun's ending, else masculine."""
    if noun in _MASCULINE:
        return "m"
    if noun in _FEMININE or (noun not in _NEUTER and noun.endswith(_FEMININE_ENDINGS)):
        return "f" if not noun.endswith(_NEUTER_ENDINGS) else "n"
    return "n" if noun in _NEUTER or noun.endswith(_NEUTER_ENDINGS) else "m"


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
_PREPOSITIONS = word_set(
    "in an auf mit von bei nach zu aus seit unter über vor hinter neben zwischen während wegen "
    "trotz statt außer gegenüber innerhalb außerhalb"
)
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
        if first.lower() in _PREPOSITIONS or genitive:
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
    words = f"{ordinal(day, _ending(before, 'm') or 'er')} {MONTHS[month - 1]}"
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
        ending = _ending(before, gender, month=word.rstrip(".,") in MONTHS)
        if not word:  # its stop ends the sentence too
            return m.group(0) if ending is None else f"{ordinal(int(m[1]), ending)}."
        if ending is None and _CONTINUES.search(before) and m.start() - last[0][0] < 12:
            ending = last[0][1]  # am 1. und 2. Mai: the second as the first
        opening = _SENTENCE_START.search(before) and word[:1].isupper()
        if ending is None and (word.rstrip(".,") in MONTHS or opening):
            ending = _STRONG[gender]
        elif ending is None and word[:1].islower():  # als 3. ins Ziel: no sentence ends here
            ending = "er"
        if ending is None:
            return m.group(0)
        last[0] = (m.end(), ending)
        return spaced(m.string, m.start(), m.end(), ordinal(int(m[1]), ending))

    return _ORDINAL.sub(read, text)


_ROMAN_CONTEXTS = RomanContexts(
    after=word_set(
        "Kapitel Band Teil Akt Szene Abschnitt Artikel Buch Folge Staffel Phase Stufe Anhang "
        "Absatz Paragraf Paragraph Nummer Tafel Klasse Gruppe"
    ),
    before=("Jahrhundert", "Jahrhunderts", "Jahrtausend"),
)
_QUEENS = word_set(
    "Elisabeth Elizabeth Katharina Maria Christina Margarethe Margrethe Viktoria Isabella "
    "Johanna Beatrix Anna Juliana"
)
_RULERS = _QUEENS | word_set(
    "Karl Ludwig Heinrich Friedrich Wilhelm Otto Leo Johannes Paul Pius Benedikt Gregor "
    "Innozenz Clemens Georg Eduard Richard Philipp Ferdinand Maximilian Rudolf Konrad Peter "
    "Iwan Alexander Nikolaus Gustav Christian Napoleon Urban Sixtus Jakob Franz Joseph Leopold "
    "Albert Johann Sigismund Juan Carlos Felipe Harald Olav Haakon Frederik"
)
_CASES = {
    **dict.fromkeys(word_set("mit von unter bei nach zu aus seit gegenüber"), "dative"),
    **dict.fromkeys(word_set("für gegen durch ohne um"), "accusative"),
}
_ARTICLES = {  # a king's, a queen's
    "genitive": (("des", "en"), ("der", "en")), "dative": (("dem", "en"), ("der", "en")),
    "accusative": (("den", "en"), ("die", "e")), "": (("der", "e"), ("die", "e")),
}  # fmt: skip


def _ruler(value: int, m: re.Match[str]) -> str:
    """`Karl V.` → "Karl der Fünfte", `unter Heinrich VIII.` → "unter Heinrich dem Achten"."""
    name, numeral = m["pre"].strip(), m["roman"]
    known = name in _RULERS or name[:-1] in _RULERS
    if value > 40 or (not known and (not m["dot"] or len(numeral) == 1)):
        return m.group(0)[len(m["pre"]) :]
    words = _LAST_WORDS.search(_before(m))
    word = words["word"].lower() if words else ""
    case = "genitive" if name.endswith("s") and name[:-1] in _RULERS else _CASES.get(word, "")
    article, ending = _ARTICLES[case][name in _QUEENS]
    stop = "." if m["dot"] and germanic.at_end(m) else ""
    return f"{article} {ordinal(value, ending).capitalize()}{stop}"


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
_NUMBERED = word_set("nummer seite kapitel platz teil band gleis tor zimmer raum haus runde")
_HEIGHT = re.compile(r"(?<![\d.,])(\d),(\d\d)\s?m(?!\w)")  # 1,80 m: "ein Meter achtzig"
_YEAR_BEFORE = re.compile(
    r"\b(?:im|jahre?s?|seit|bis|von|ab|um|vor|nach|in|anno|sommer|winter|frühjahr|herbst|"
    r"frühling|ende|anfang|mitte|zwischen|und|" + "|".join(MONTHS).lower() + r")\s$",
    re.IGNORECASE,
)
_NO_NOUN_AFTER = re.compile(r"(?!\s+[A-ZÄÖÜ])")  # 1984 Menschen: a count
# Emergency and service numbers after a word that dials them, digit by digit: "eins eins zwei".
_SERVICE = re.compile(r"(\b(?:[Ww]ähl|[Rr]uf|Notruf|Nummer)\w*\s(?:\S+\s){,3})(11[025])\b")
_EURO_WORD = re.compile(r"(?<=\d) ?Euro(?!\w)")  # 4,99 Euro as 4,99 €: "vier Euro neunundneunzig"


def _fraction(numerator: int, denominator: int) -> str:
    """`3/4` → "drei Viertel", `1/2` → "ein halb", `1/3` → "ein Drittel"."""
    count = "ein" if numerator == 1 else LANGUAGE.cardinal(numerator)
    return f"{count} {'halb' if denominator == 2 else ordinal(denominator, 'el').capitalize()}"


def _one(m: re.Match[str]) -> str:
    """A lone 1 before a noun: "ein" or "eine" (`1 Katze` → "eine Katze")."""
    words = _LAST_WORDS.search(_before(m))
    if words and words["word"].lower().rstrip(".") in _NUMBERED:
        return m.group(0)
    return "eine" if _gender(m["noun"]) == "f" else "ein"


def read(text: str, region: str) -> str:
    """German as a careful reader says it; every digit read."""
    text = greek_symbols(text, units_read=False)
    text = _EURO_WORD.sub(" €", _WEEKDAY.sub(lambda m: _DAYS[m[1]], text))  # Fr., 14.7.
    text = germanic.money(text, LANGUAGE)
    text = germanic.times(_dates(text), LANGUAGE)
    text = _SERVICE.sub(lambda m: m[1] + digit_by_digit(m[2], "de"), text)
    text = germanic.scales(_SCORE.sub(r"\1 zu \2", text), LANGUAGE)
    text = ABBREVIATIONS(_STREET.sub("straße", _PAGE.sub("Seite ", text)))
    text = _ordinals(romans(text, _ROMAN_CONTEXTS, _roman))
    text = germanic.units(germanic.ranges(_HEIGHT.sub(r"\1 m \2", text), LANGUAGE), LANGUAGE)
    text = germanic.fractions(germanic.percent(text, LANGUAGE), _fraction)
    text = germanic.years(text, LANGUAGE, _YEAR_BEFORE, _NO_NOUN_AFTER)
    return germanic.last_numbers(_ONE.sub(_one, text), LANGUAGE)
