"""The German reader's word tables: months, weekdays, currencies (signs and names), units, scale
words, abbreviations, nouns whose gender their ending does not tell, rulers' names."""

from __future__ import annotations

from worker.synthesis.speech.core import word_set
from worker.synthesis.speech.germanic import Currency, Scale, Unit

MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")  # fmt: skip
DAYS = {"Mo": "Montag", "Di": "Dienstag", "Mi": "Mittwoch", "Do": "Donnerstag", "Fr": "Freitag",
        "Sa": "Samstag", "So": "Sonntag"}  # fmt: skip
_EURO = Currency("Euro", "Euro", "Cent", "Cent")
_DOLLAR = Currency("Dollar", "Dollar", "Cent", "Cent")
_POUND = Currency("Pfund", "Pfund", "Penny", "Pence")
_FRANC = Currency("Franken", "Franken", "Rappen", "Rappen")
_YEN = Currency("Yen", "Yen", "Sen", "Sen")
CURRENCIES = {
    "€": _EURO, "EUR": _EURO, "$": _DOLLAR, "USD": _DOLLAR, "£": _POUND, "GBP": _POUND,
    "CHF": _FRANC, "Fr.": _FRANC, "SFr.": _FRANC, "sFr.": _FRANC, "¥": _YEN, "JPY": _YEN,
}  # fmt: skip
CURRENCY_NAMES = {"Euro": "€", "Dollar": "$", "Franken": "CHF", "Yen": "¥"}
"""A currency named after an amount, read as its sign: `12,50 Dollar` → "zwölf Dollar fünfzig";
`Pfund` too, but only where no noun follows (`2 Pfund Mehl` is a weight): german.py."""
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

MAY_END = {
    "usw.": "und so weiter", "usf.": "und so fort", "etc.": "et cetera",
    "o. Ä.": "oder Ähnliches", "u. Ä.": "und Ähnliches", "s. o.": "siehe oben",
    "s. u.": "siehe unten", "u. v. m.": "und vieles mehr", "v. Chr.": "vor Christus",
    "n. Chr.": "nach Christus", "Jh.": "Jahrhundert", "Jhd.": "Jahrhundert",
    "Hbf.": "Hauptbahnhof", "MwSt.": "Mehrwertsteuer", "Mio.": "Millionen",
    "Mrd.": "Milliarden", "Tsd.": "Tausend", "geb.": "geboren", "gest.": "gestorben",
}  # fmt: skip
NEVER_END = {
    "Hr.": "Herr", "Hrn.": "Herrn", "Fr.": "Frau", "Dr.": "Doktor", "Prof.": "Professor",
    "St.": "Sankt", "Dipl.-Ing.": "Diplomingenieur", "Mag.": "Magister",
    "z. B.": "zum Beispiel", "bzw.": "beziehungsweise", "d. h.": "das heißt", "ca.": "circa",
    "Nr.": "Nummer", "Str.": "Straße", "evtl.": "eventuell", "ggf.": "gegebenenfalls",
    "inkl.": "inklusive", "exkl.": "exklusive", "zzgl.": "zuzüglich", "vgl.": "vergleiche",
    "bspw.": "beispielsweise", "u. U.": "unter Umständen", "z. T.": "zum Teil",
    "v. a.": "vor allem", "u. a.": "unter anderem", "i. d. R.": "in der Regel",
    "Abb.": "Abbildung", "Tel.": "Telefon", "bzgl.": "bezüglich", "insb.": "insbesondere",
}  # fmt: skip

FEMININE = word_set(
    "Frau Liga Staffel Saison Person Nacht Stadt Million Hand Tür Tochter Mutter Schwester Kugel "
    "Wand Tafel Uhr Maus Kuh Gans Spur Zeit Wahl Amtszeit Mannschaft"
)  # and most nouns in -e: Stunde, Runde, Seite
NEUTER = word_set(
    "Mal Jahr Jahrhundert Jahrtausend Jahrzehnt Kapitel Buch Spiel Tor Kind Semester Stockwerk "
    "Geschoss Haus Rennen Level Quartal Treffen Konzert Lebensjahr Gebot Programm Glas Stück "
    "Auto Pferd Schiff Boot Zimmer Ei Paar Wort Bild Lied Land Dorf Tier Ziel Werk Ende Auge "
    "Gramm Kilogramm Kilo Pfund Dutzend Prozent Brot Bier Leben"
)
FEMININE_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "sion", "tät", "ei", "ik", "e")
NEUTER_ENDINGS = ("chen", "lein", "ment", "um", "tum")
MASCULINE = word_set("Name Junge Kunde Gedanke Glaube Buchstabe Friede Wille Käse Kollege")
PREPOSITIONS = word_set(
    "in an auf mit von bei nach zu aus seit unter über vor hinter neben zwischen während wegen "
    "trotz statt außer gegenüber innerhalb außerhalb"
)
"""Prepositions before `der` that make it dative (`in der 4. Runde`)."""
NUMBERED = word_set("nummer seite kapitel platz teil band gleis tor zimmer raum haus runde")
"""Words that number what follows, not count it (`Nummer 1 Kunde`)."""
DATIVE = word_set("mit von unter bei nach zu aus seit gegenüber in an vor")
"""Prepositions before a count that take the dative (`nach ½ Stunde` → "nach einer halben")."""

ONE_BY_GENDER = {"m": "ein", "f": "eine", "n": "ein"}
ARTICLE_ENDINGS = {"ein": "", "eine": "e", "der": "e", "die": "e", "das": "e"}
OTHER_ARTICLES = ("einen", "einem", "einer", "eines", "den", "dem", "des")  # then "halben"
"""A half or a quarter before a noun: its article by the noun's gender; after an article
written, the ending "halb" takes (`eine ½ Stunde` → "eine halbe Stunde")."""

ROMAN_AFTER = word_set(
    "Kapitel Band Teil Akt Szene Abschnitt Artikel Buch Folge Staffel Phase Stufe Anhang "
    "Absatz Paragraf Paragraph Nummer Tafel Klasse Gruppe"
)
ROMAN_BEFORE = ("Jahrhundert", "Jahrhunderts", "Jahrtausend")
QUEENS = word_set(
    "Elisabeth Elizabeth Katharina Maria Christina Margarethe Margrethe Viktoria Isabella "
    "Johanna Beatrix Anna Juliana"
)
RULERS = QUEENS | word_set(
    "Karl Ludwig Heinrich Friedrich Wilhelm Otto Leo Johannes Paul Pius Benedikt Gregor "
    "Innozenz Clemens Georg Eduard Richard Philipp Ferdinand Maximilian Rudolf Konrad Peter "
    "Iwan Alexander Nikolaus Gustav Christian Napoleon Urban Sixtus Jakob Franz Joseph Leopold "
    "Albert Johann Sigismund Juan Carlos Felipe Harald Olav Haakon Frederik Lothar Arnulf "
    "Ottokar Wenzel Kasimir Stephan Bonifatius Hadrian Julius Sergius Sylvester Viktor"
)
RULER_CASES = {
    "des": "genitive",
    **dict.fromkeys(word_set("mit von unter bei nach zu aus seit gegenüber"), "dative"),
    **dict.fromkeys(word_set("für gegen durch ohne um"), "accusative"),
}
RULER_ARTICLES = {  # a king's, a queen's
    "genitive": (("des", "en"), ("der", "en")), "dative": (("dem", "en"), ("der", "en")),
    "accusative": (("den", "en"), ("die", "e")), "": (("der", "e"), ("die", "e")),
}  # fmt: skip
"""The case a preposition (or `des`) before a ruler's name gives the numeral after it, and
the article and ending it then takes (`unter Heinrich VIII.` → "dem Achten")."""
TITLES = word_set(
    "Kaiser Kaiserin König Königin Papst Zar Zarin Herzog Herzogin Fürst Fürstin Graf Gräfin "
    "Kurfürst Prinz Prinzessin Markgraf Landgraf Pharao Sultan Schah"
)
"""Words before a ruler's name that make a lone `I.` after it a numeral (`Kaiser Karl I.`)."""
