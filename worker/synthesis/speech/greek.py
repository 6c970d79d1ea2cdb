"""Greek: numbers in Greek words (num2words has none), neuter for a bare number (τρία,
χίλια), feminine before χιλιάδες and for hours and pounds (τρεις χιλιάδες, στις τέσσερις);
`1.234,5` with the dot and comma Greek writes; money (4,99 € → τέσσερα ευρώ και ενενήντα
εννέα λεπτά), percentages (τοις εκατό), times, dates with the month's name, units and
temperatures. Greek letters are Greek text here, never read as symbols."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from worker.synthesis.speech.number_tables import (
    Amount,
    Numerals,
    Rule,
    after_number,
    before_number,
    date_rules,
    dotted_time_rule,
    phone_rule,
    range_rule,
    reader,
    time_rule,
)

Gender = Literal["n", "f", "m"]
_UNITS_N = ("μηδέν", "ένα", "δύο", "τρία", "τέσσερα", "πέντε", "έξι", "επτά", "οκτώ", "εννέα")
_TEENS = ("δέκα", "έντεκα", "δώδεκα", "δεκατρία", "δεκατέσσερα", "δεκαπέντε", "δεκαέξι",
          "δεκαεπτά", "δεκαοκτώ", "δεκαεννέα")  # fmt: skip
_TENS = ("", "", "είκοσι", "τριάντα", "σαράντα", "πενήντα", "εξήντα", "εβδομήντα", "ογδόντα",
         "ενενήντα")  # fmt: skip
_HUNDREDS = ("", "εκατό", "διακόσια", "τριακόσια", "τετρακόσια", "πεντακόσια", "εξακόσια",
             "επτακόσια", "οκτακόσια", "εννιακόσια")  # fmt: skip
_GENDERED = {
    "f": {"ένα": "μία", "τρία": "τρεις", "τέσσερα": "τέσσερις", "δεκατρία": "δεκατρείς",
          "δεκατέσσερα": "δεκατέσσερις"},
    "m": {"ένα": "ένας", "τρία": "τρεις", "τέσσερα": "τέσσερις", "δεκατρία": "δεκατρείς",
          "δεκατέσσερα": "δεκατέσσερις"},
}  # fmt: skip
"""The words that change with the gender of what is counted; the rest are the neuter ones."""
_SCALES = ((10**12, "ένα τρισεκατομμύριο", "τρισεκατομμύρια"),
           (10**9, "ένα δισεκατομμύριο", "δισεκατομμύρια"),
           (10**6, "ένα εκατομμύριο", "εκατομμύρια"))  # fmt: skip


def _below_thousand(n: int, gender: Gender) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        word = _HUNDREDS[hundreds]
        if hundreds == 1 and rest:
            word = "εκατόν"
        elif hundreds > 1 and gender != "n":
            word = word[:-1] + ("ες" if gender == "f" else "οι")  # διακόσιες, διακόσιοι
        words.append(word)
    if rest >= 20:
        words.append(_TENS[rest // 10])
        rest %= 10
    if rest >= 10:
        words.append(_TEENS[rest - 10])
    elif rest:
        words.append(_UNITS_N[rest])
    if gender != "n":
        words = [_GENDERED[gender].get(w, w) for w in words]
    return words


def spell(n: int, gender: Gender = "n") -> str:
    """A whole number; the gender is that of the thing counted (neuter for a bare number)."""
    if n == 0:
        return "μηδέν"
    words: list[str] = []
    for size, one, many in _SCALES:
        count, n = divmod(n, size)
        if count:
            words.extend([one] if count == 1 else [*_below_thousand(count, "n"), many])
    thousands, n = divmod(n, 1000)
    if thousands == 1:
        words.append("χίλια" if gender == "n" else "χίλιες" if gender == "f" else "χίλιοι")
    elif thousands:
        words.extend([*_below_thousand(thousands, "f"), "χιλιάδες"])
    if n:
        words.extend(_below_thousand(n, gender))
    return " ".join(words)


NUMERALS = Numerals(
    spell=spell,
    digits=_UNITS_N,
    point="κόμμα",
    minus="μείον",
    percent="{} τοις εκατό",
    decimal_mark=",",
    group=r"\d{1,3}(?:\.\d{3})+",
    fraction_as_number=True,
)
_CURRENCIES: dict[str, tuple[Gender, str, str]] = {
    "€": ("n", "ευρώ", "ευρώ"), "EUR": ("n", "ευρώ", "ευρώ"),
    "$": ("n", "δολάριο", "δολάρια"), "USD": ("n", "δολάριο", "δολάρια"),
    "£": ("f", "λίρα", "λίρες"), "GBP": ("f", "λίρα", "λίρες"),
}  # fmt: skip
_UNITS: dict[str, tuple[Gender, str, str]] = {
    "km": ("n", "χιλιόμετρο", "χιλιόμετρα"), "χλμ": ("n", "χιλιόμετρο", "χιλιόμετρα"),
    "m": ("n", "μέτρο", "μέτρα"), "cm": ("n", "εκατοστό", "εκατοστά"),
    "mm": ("n", "χιλιοστό", "χιλιοστά"), "kg": ("n", "κιλό", "κιλά"),
    "g": ("n", "γραμμάριο", "γραμμάρια"), "L": ("n", "λίτρο", "λίτρα"),
    "l": ("n", "λίτρο", "λίτρα"), "ml": ("n", "χιλιοστόλιτρο", "χιλιοστόλιτρα"),
    "km/h": ("n", "χιλιόμετρο την ώρα", "χιλιόμετρα την ώρα"),
    "°C": ("m", "βαθμός Κελσίου", "βαθμοί Κελσίου"),
    "°F": ("m", "βαθμός Φαρενάιτ", "βαθμοί Φαρενάιτ"), "°": ("m", "βαθμός", "βαθμοί"),
}  # fmt: skip
_MONTHS = ("Ιανουαρίου", "Φεβρουαρίου", "Μαρτίου", "Απριλίου", "Μαΐου", "Ιουνίου", "Ιουλίου",
           "Αυγούστου", "Σεπτεμβρίου", "Οκτωβρίου", "Νοεμβρίου", "Δεκεμβρίου")  # fmt: skip
"""In the genitive, as a date says them: πέντε Μαρτίου."""


def _counted(amount: Amount, gender: Gender, one: str, many: str) -> str:
    # 2,5 κιλά: a decimal counts in the neuter plural
    words = NUMERALS.unsigned(amount) if amount.fraction else spell(amount.integer, gender)
    name = one if amount.whole == "1" and not amount.fraction else many
    return f"{'μείον ' if amount.negative else ''}{words} {name}"


def _money(sign: str, amount: Amount) -> str:
    gender, one, many = _CURRENCIES[sign]
    if len(amount.fraction) > 2:
        return _counted(amount, gender, one, many)
    units, cents = amount.money()
    words = _counted(units, gender, one, many)
    if cents:
        words += f" και {spell(cents)} {'λεπτό' if cents == 1 else 'λεπτά'}"
    return words


def _unit(unit: str, amount: Amount) -> str:
    return _counted(amount, *_UNITS[unit])


def _clock(hour: int, minute: int) -> str:
    """14:30 → δεκατέσσερις και τριάντα: hours are feminine (η ώρα)."""
    words = spell(hour, "f")
    return f"{words} και {spell(minute)}" if minute else words


def _date(year: int, month: int, day: int) -> str:
    first = "πρώτη" if day == 1 else spell(day)
    return f"{first} {_MONTHS[month - 1]} {spell(year)}"


_BEFORE_WORD = re.compile(r"(?<![\d.,-])(\d{1,3}(?:\.\d{3})?|\d{1,6})(?![\d,.]\d)(?= ([^\W\d_]+))")
_AT_HOUR = re.compile(r"(?<=τις )(\d{1,2})(?![\d,.:]\d)")
"""`στις 3`: an hour, feminine (η ώρα)."""
_SINGULAR: tuple[tuple[str, Gender], ...] = (
    ("μα", "n"),
    ("ος", "m"),
    ("ας", "m"),
    ("ης", "m"),
    ("α", "f"),
    ("η", "f"),
)
_PLURAL: tuple[tuple[str, Gender], ...] = (
    ("τες", "m"),
    ("οι", "m"),
    ("ους", "m"),
    ("ες", "f"),
    ("εις", "f"),
)
"""The gender a noun's ending most often marks: μία ώρα, ένας άνθρωπος, ένα γράμμα; τρεις
γάτες, διακόσιοι μαθητές (-τες is mostly masculine), τρία παιδιά."""
_DAY = re.compile(rf"(?<![\d.,])([1-9]|[12]\d|3[01])(?= (?:{'|'.join(_MONTHS)})\b)")


def _agreeing(m: re.Match[str]) -> str:
    """`3 γάτες` → τρεις γάτες, `1 ώρα` → μία ώρα, `στις 3` → στις τρεις."""
    digits = m.group(1).replace(".", "")
    if digits[0] == "0" and len(digits) > 1:
        raise ValueError("an id, read digit by digit")
    plain = unicodedata.normalize("NFD", m.group(2).lower())
    word = "".join(c for c in plain if not unicodedata.combining(c))
    gender: Gender = "n"
    for end, marked in _SINGULAR if digits == "1" else _PLURAL:
        if word.endswith(end):
            gender = marked
            break
    return spell(int(digits), gender)


_ORDINAL_UNITS = ("", "πρώτ", "δεύτερ", "τρίτ", "τέταρτ", "πέμπτ", "έκτ", "έβδομ", "όγδο", "ένατ")
_ORDINAL_TENS = ("", "δέκατ", "εικοστ", "τριακοστ", "τεσσαρακοστ", "πεντηκοστ", "εξηκοστ",
                 "εβδομηκοστ", "ογδοηκοστ", "ενενηκοστ")  # fmt: skip
_ORDINAL_HUNDREDS = ("", "εκατοστ", "διακοσιοστ", "τριακοσιοστ", "τετρακοσιοστ", "πεντακοσιοστ",
                     "εξακοσιοστ", "επτακοσιοστ", "οκτακοσιοστ", "εννιακοσιοστ")  # fmt: skip
_STRESSED = str.maketrans("οηεαω", "όήέάώ")
"""The first vowel of an ending takes the stress after a stem that has none (εικοστός)."""
_ORDINAL = re.compile(
    r"(?<![\d.,])(\d{1,4})([οό]υς|[οό]ς|[οό]υ|[οό]ν|[οό]ι|[ωώ]ν|[οό]|[ηή]ς|[ηή]ν|[ηή]|[εέ]ς|[αά])"
    r"(?![^\W\d_])"
)
"""`2ος`, `1η`, `3ο`, `20ός`: the ending written after the digits is the one said."""


def _ordinal_stems(n: int) -> list[str]:
    if n >= 2000 or n == 0:
        raise ValueError("no ordinal")  # δισχιλιοστός and beyond: left to the cardinal
    stems = ["χιλιοστ"] if n >= 1000 else []
    n %= 1000
    hundreds, n = divmod(n, 100)
    if hundreds:
        stems.append(_ORDINAL_HUNDREDS[hundreds])
    if n in (11, 12):
        return [*stems, "ενδέκατ" if n == 11 else "δωδέκατ"]
    tens, unit = divmod(n, 10)
    return stems + [stem for stem in (_ORDINAL_TENS[tens], _ORDINAL_UNITS[unit]) if stem]


def _ordinal(m: re.Match[str]) -> str:
    """2ος → δεύτερος, 1η → πρώτη, 21ος → εικοστός πρώτος: each part takes the ending."""
    ending = "".join(c for c in unicodedata.normalize("NFD", m.group(2)) if c.isalpha())
    stressed = ending[0].translate(_STRESSED) + ending[1:]
    stems = _ordinal_stems(int(m.group(1)))
    return " ".join(stem + (stressed if stem.endswith("στ") else ending) for stem in stems)


RULES: list[Rule] = [
    *date_rules(_date),
    time_rule(_clock),
    dotted_time_rule(_clock, "στις|τις|Στις"),
    phone_rule(NUMERALS),
    range_rule(NUMERALS, " έως "),
    before_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, _CURRENCIES, _money),
    after_number(NUMERALS, _UNITS, _unit),
    (_ORDINAL, _ordinal),
    (_DAY, lambda m: "πρώτη" if m.group(1) == "1" else spell(int(m.group(1)))),
    (_AT_HOUR, lambda m: spell(int(m.group(1)), "f")),
    (_BEFORE_WORD, _agreeing),
]

_UNIT_STOP = re.compile(r"(?<=χιλιόμετρα)\.(?= [^\W\d_A-ZΑ-Ω])")
"""`5 χλμ. και`: the abbreviation's stop, once it is a word, is not a full stop."""

read = reader(NUMERALS, RULES, after=[(_UNIT_STOP, lambda m: "")])
"""No `greek_symbols`: in Greek text a Greek letter is a word, not a symbol."""
