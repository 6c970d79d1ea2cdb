"""The words the Polish reader says: months, counted nouns, the cases prepositions govern, the
nouns roman numerals count, and abbreviations. Cases: n(ominative), g(enitive), d(ative),
a(ccusative), i(nstrumental), l(ocative)."""

from __future__ import annotations

from worker.synthesis.speech.rules import Abbreviations
from worker.synthesis.speech.slavic import Noun, nouns

MONTHS = (
    "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca",
    "lipca", "sierpnia", "września", "października", "listopada", "grudnia",
)  # fmt: skip


def _governing(table: dict[str, str]) -> dict[str, str]:
    """{"g": "do od"} → {"do": "g", "od": "g"}."""
    return {word: case for case, words in table.items() for word in words.split()}


CARDINAL_CASE = _governing({
    "g": "od do około ok dla bez u według wg spośród oprócz prócz wśród koło z ze",
    "i": "przed nad pod między",
    "l": "przy",
    "d": "ku dzięki wbrew",
    "a": "w we na przez o za po",
})  # fmt: skip
"""The case a cardinal takes after a preposition (`od 3 do 6` → "od trzech do sześciu")."""
ORDINAL_CASE = _governing({
    "g": "od do z ze około ok dla bez u według wg",
    "l": "w we na o po przy",
    "i": "przed za nad pod między",
    "d": "ku dzięki",
})  # fmt: skip
"""The case of an ordinal, an hour or a year after a preposition (`o 14:30`, `w 1984 r.`)."""
DATE_CASE = {
    **ORDINAL_CASE,
    **_governing({"n": "jest dziś dzisiaj jutro wczoraj był była było będzie to", "a": "na"}),
}  # fmt: skip
"""A date's day is genitive ("czternastego lipca") unless a word before says otherwise."""

YEAR = {"n": "rok", "a": "rok", "g": "roku", "l": "roku", "d": "rokowi", "i": "rokiem"}
YEAR_NOUN = {"rok": "n", "roku": "g", "rokiem": "i", "rokowi": "d"}
HOUR = {"n": "godzina", "a": "godzinę", "g": "godziny", "d": "godzinie", "l": "godzinie",
        "i": "godziną"}  # fmt: skip
CENTURY = {"n": "wiek", "a": "wiek", "g": "wieku", "l": "wieku", "d": "wiekowi", "i": "wiekiem"}


def _cases(*forms: str) -> dict[str, str]:
    """The forms of a noun in the order n, g, d, a, i, l."""
    return dict(zip("ngdail", forms, strict=True))


NOUNS = {
    "ul.": _cases("ulica", "ulicy", "ulicy", "ulicę", "ulicą", "ulicy"),
    "al.": _cases("aleja", "alei", "alei", "aleję", "aleją", "alei"),
    "pl.": _cases("plac", "placu", "placowi", "plac", "placem", "placu"),
    "str.": _cases("strona", "strony", "stronie", "stronę", "stroną", "stronie"),
    "rys.": _cases("rysunek", "rysunku", "rysunkowi", "rysunek", "rysunkiem", "rysunku"),
    "tab.": _cases("tabela", "tabeli", "tabeli", "tabelę", "tabelą", "tabeli"),
    "nr": _cases("numer", "numeru", "numerowi", "numer", "numerem", "numerze"),
    "woj.": _cases("województwo", "województwa", "województwu", "województwo", "województwem",
                   "województwie"),
}  # fmt: skip
"""Abbreviated nouns before a number or a name, in the case their preposition governs
(`przy ul. Długiej` → "przy ulicy Długiej", `pod nr 112` → "pod numerem sto dwanaście")."""

_ZLOTY = Noun("złoty", "złote", "złotych", "złotego")
_GROSZ = Noun("grosz", "grosze", "groszy", "grosza")
_DOLLAR = Noun("dolar", "dolary", "dolarów", "dolara")
_CENT = Noun("cent", "centy", "centów", "centa")
_EURO = Noun("euro", "euro", "euro", "euro", "n")
_POUND = Noun("funt", "funty", "funtów", "funta")
_PENNY = Noun("pens", "pensy", "pensów", "pensa")
CURRENCIES = {
    "zł": (_ZLOTY, _GROSZ), "PLN": (_ZLOTY, _GROSZ), "$": (_DOLLAR, _CENT),
    "USD": (_DOLLAR, _CENT), "€": (_EURO, _CENT), "EUR": (_EURO, _CENT), "£": (_POUND, _PENNY),
    "GBP": (_POUND, _PENNY),
}  # fmt: skip
CURRENCY_WORDS = {
    **dict.fromkeys(("złoty", "złote", "złotych", "złotego"), (_ZLOTY, _GROSZ)),
    **dict.fromkeys(("dolar", "dolary", "dolarów", "dolara"), (_DOLLAR, _CENT)),
    **dict.fromkeys(("funt", "funty", "funtów", "funta"), (_POUND, _PENNY)), "euro": (_EURO, _CENT),
}  # fmt: skip
"""Currencies written as words after an amount with cents (`4,99 euro`)."""


def _metric(name: str) -> tuple[str, str, str, str]:
    return (name, name + "y", name + "ów", name + "a")


_MINUTE = ("minuta", "minuty", "minut", "minuty", "f")
_SECOND = ("sekunda", "sekundy", "sekund", "sekundy", "f")
_HOURS = ("godzina", "godziny", "godzin", "godziny", "f")
_THOUSAND = ("tysiąc", "tysiące", "tysięcy", "tysiąca")
_CELSIUS = ("stopień Celsjusza", "stopnie Celsjusza", "stopni Celsjusza", "stopnia Celsjusza")
UNITS: dict[str, Noun] = nouns({
    "km": _metric("kilometr"), "m": _metric("metr"), "cm": _metric("centymetr"),
    "mm": _metric("milimetr"), "kg": _metric("kilogram"), "g": _metric("gram"),
    "mg": _metric("miligram"), "l": _metric("litr"), "ml": _metric("mililitr"),
    "ha": _metric("hektar"), "t": ("tona", "tony", "ton", "tony", "f"),
    "km/h": ("kilometr na godzinę", "kilometry na godzinę", "kilometrów na godzinę",
             "kilometra na godzinę"),
    "m/s": ("metr na sekundę", "metry na sekundę", "metrów na sekundę", "metra na sekundę"),
    "h": _HOURS, "min": _MINUTE, "min.": _MINUTE, "s": _SECOND, "sek.": _SECOND,
    "%": ("procent", "procent", "procent", "procent"), "°C": _CELSIUS,
    "°": ("stopień", "stopnie", "stopni", "stopnia"),
    "°F": ("stopień Fahrenheita", "stopnie Fahrenheita", "stopni Fahrenheita",
           "stopnia Fahrenheita"),
    "gr": ("grosz", "grosze", "groszy", "grosza"), "tys.": _THOUSAND, "tys": _THOUSAND,
    "mln": ("milion", "miliony", "milionów", "miliona"),
    "mld": ("miliard", "miliardy", "miliardów", "miliarda"),
    "szt.": ("sztuka", "sztuki", "sztuk", "sztuki", "f"),
})  # fmt: skip
"""Abbreviations written after a number and the noun each stands for."""

ORDINAL_FORMS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("szy", "gi", "ci", "ty", "my", "wy", "sty", "y", "i"), ("n", "m")),
    **dict.fromkeys(("sza", "ga", "cia", "ta", "ma", "wa", "a"), ("n", "f")),
    **dict.fromkeys(("sze", "gie", "cie", "te", "me", "we", "e"), ("n", "n")),
    **dict.fromkeys(("go", "ego", "iego"), ("g", "m")),
    **dict.fromkeys(("mu", "emu", "iemu"), ("d", "m")),
    **dict.fromkeys(("m", "ym", "im"), ("l", "m")),
    **dict.fromkeys(("ej", "iej"), ("l", "f")),
    **dict.fromkeys(("ą", "ią"), ("i", "f")),
}
"""An ordinal's written ending (`3-ci`, `2-go`, `5-tym`) → case, gender."""
ORDINAL_ENDINGS = "|".join(sorted(ORDINAL_FORMS, key=len, reverse=True))


def _forms(gender: str, forms: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {form: (gender, case) for case, form in forms.items()}


def _masculine(stem: str, locative: str) -> dict[str, tuple[str, str]]:
    """A masculine noun like `rozdział`: rozdział, rozdziału, rozdziale, rozdziałem."""
    return _forms("m", {"n": stem, "g": stem + "u", "l": locative, "i": stem + "em"})


COUNTING_BEFORE: dict[str, tuple[str, str]] = {
    **_masculine("rozdział", "rozdziale"), **_masculine("tom", "tomie"),
    **_masculine("akt", "akcie"), **_masculine("punkt", "punkcie"),
    **_masculine("sezon", "sezonie"), **_masculine("paragraf", "paragrafie"),
    **_forms("f", {"n": "część", "g": "części", "i": "częścią"}),
    **_forms("f", {"n": "księga", "g": "księgi", "l": "księdze", "a": "księgę", "i": "księgą"}),
}  # fmt: skip
"""Nouns a roman numeral after them counts (`rozdział XII` → "rozdział dwunasty")."""
COUNTED_AFTER: dict[str, tuple[str, str]] = {
    **_forms("m", {"n": "wiek", "g": "wieku", "i": "wiekiem", "d": "wiekowi"}),
    **_forms("n", {"n": "stulecie", "g": "stulecia", "l": "stuleciu", "i": "stuleciem"}),
    **_forms("n", {"n": "tysiąclecie", "g": "tysiąclecia", "l": "tysiącleciu"}),
    "w.": ("m", "g"),
}  # fmt: skip
"""Nouns a roman numeral before them counts (`XXI wiek`, `w XIX wieku`, `XIX w.`)."""

FEMALE_NAMES = (
    "Elżbiet", "Ann", "Mari", "Katarzyn", "Jadwig", "Wiktori", "Izabel", "Krystyn", "Barbar",
    "Bon", "Małgorzat",
)  # fmt: skip
MALE_NAME_CASES = (("owi", "d"), ("em", "i"), ("ie", "l"), ("a", "g"), ("u", "l"))
FEMALE_NAME_CASES = (("ą", "i"), ("ę", "a"), ("ie", "l"), ("y", "g"), ("i", "g"))
"""The case a name's ending shows (`Jana Pawła II` → "Jana Pawła Drugiego")."""

MASCULINE_IN_A = frozenset({"kierowca", "poeta", "mężczyzna", "tata", "sędzia", "kolega"})
FEMININE_FEW = frozenset({
    "siostry", "córki", "minuty", "godziny", "sekundy", "osoby", "kobiety", "dziewczyny",
    "książki", "strony", "noce", "lekcje", "rzeczy", "nogi", "ręce", "matki", "babcie", "ciocie",
    "koleżanki", "klasy", "drużyny", "szkoły", "ulice", "ściany", "wersje", "części", "opcje",
    "grupy", "karty", "butelki", "filiżanki", "kawy", "herbaty", "tony", "złotówki", "sztuki",
    "litery", "linie", "historie", "piosenki", "gwiazdy", "doby", "pary", "szanse", "bramki",
    "sceny", "role", "ryby", "krowy", "kury", "myszy", "żony", "wnuczki", "zmiany", "drogi",
})  # fmt: skip
"""Feminine nouns after 2–4, which take "dwie" ("dwie siostry", but "dwa psy")."""
PERSONAL = frozenset({
    "synów", "braci", "mężczyzn", "chłopców", "chłopaków", "studentów", "uczniów", "pracowników",
    "żołnierzy", "rycerzy", "policjantów", "lekarzy", "kolegów", "przyjaciół", "panów",
    "zawodników", "graczy", "pasażerów", "turystów", "gości", "wnuków", "królów", "posłów",
})  # fmt: skip
"""Men counted: "trzech synów", "pięciu żołnierzy" (the numeral in the genitive)."""
FEMININE_STEMS = (
    "klas", "stron", "szkol", "szkoł", "połow", "lig", "lidz", "kolejc", "kolejk", "ulic",
    "grup", "rund", "edycj", "lekcj", "scen", "zwrotk", "lini", "ławk", "dzielnic", "kadencj",
    "wojn", "osob", "kobiet", "godzin", "minut", "sekund", "pozycj", "kategori", "półk",
    "kondygnacj", "dekad", "kolumn", "tabel", "strof", "częś",
)  # fmt: skip
"""Stems of feminine nouns an ordinal often counts, in any case (`w 2. klasie`, `na 1. stronie`)."""

ABBREVIATIONS = Abbreviations(
    words={
        "np.": "na przykład", "tzn.": "to znaczy", "itd.": "i tak dalej", "itp.": "i tym podobne",
        "m.in.": "między innymi", "ok.": "około", "nr": "numer", "r.": "roku", "tys.": "tysięcy",
        "mln": "milionów", "mld": "miliardów", "tzw.": "tak zwany", "tj.": "to jest",
        "wg": "według", "zob.": "zobacz", "por.": "porównaj", "ds.": "do spraw",
        "woj.": "województwo", "pow.": "powiat", "gm.": "gmina", "tel.": "telefon",
        "str.": "strona", "godz.": "godzina", "n.p.m.": "nad poziomem morza",
        "p.n.e.": "przed naszą erą", "n.e.": "naszej ery", "jw.": "jak wyżej",
        "cdn.": "ciąg dalszy nastąpi", "pt.": "pod tytułem", "br.": "bieżącego roku",
        "wyd.": "wydanie", "zł": "złotych", "gr": "groszy",
    },
    titles={
        "prof.": "profesor", "dr": "doktor", "dr hab.": "doktor habilitowany", "mgr": "magister",
        "inż.": "inżynier", "ks.": "ksiądz", "św.": "święty", "płk": "pułkownik",
        "gen.": "generał", "kpt.": "kapitan", "mec.": "mecenas", "doc.": "docent",
        "red.": "redaktor",
    },
)  # fmt: skip
"""Abbreviations read whole (`itd.` → "i tak dalej"); `ul.` depends on its preposition."""
CAPITALISED = Abbreviations(
    words={
        "Np.": "Na przykład",
        "Tzn.": "To znaczy",
        "Ok.": "Około",
        "Zob.": "Zobacz",
        "Por.": "Porównaj",
        "Tj.": "To jest",
        "Tzw.": "Tak zwany",
    },
    titles={"Prof.": "Profesor", "Dr": "Doktor", "Mgr": "Magister", "Ks.": "Ksiądz"},
)
"""The same at the start of a sentence (the table above is matched as written)."""
