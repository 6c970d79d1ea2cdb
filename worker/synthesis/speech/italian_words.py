"""Italian words a reader says for what is written short: units, abbreviations and titles
(`Sig.ra`, and in lower case `sig.ra`, `dott.`), words before a number (`pag.`) and currencies
written as words (`12,99 dollari`)."""

from __future__ import annotations

from worker.synthesis.speech.romance import Noun
from worker.synthesis.speech.rules import Abbreviations

UNITS = {
    "km": Noun("chilometro", "chilometri"), "m": Noun("metro", "metri"),
    "cm": Noun("centimetro", "centimetri"), "mm": Noun("millimetro", "millimetri"),
    "km2": Noun("chilometro quadrato", "chilometri quadrati"),
    "m2": Noun("metro quadrato", "metri quadrati"), "m3": Noun("metro cubo", "metri cubi"),
    "cm3": Noun("centimetro cubo", "centimetri cubi"),  # no `ha`: "il 7 ha vinto"
    "kg": Noun("chilogrammo", "chilogrammi"), "g": Noun("grammo", "grammi"),
    "mg": Noun("milligrammo", "milligrammi"), "t": Noun("tonnellata", "tonnellate", True),
    "l": Noun("litro", "litri"), "L": Noun("litro", "litri"),
    "ml": Noun("millilitro", "millilitri"),
    "cl": Noun("centilitro", "centilitri"), "dl": Noun("decilitro", "decilitri"),
    "km/h": Noun("chilometro orario", "chilometri orari"), "h": Noun("ora", "ore", True),
    "min": Noun("minuto", "minuti"), "s": Noun("secondo", "secondi"),
    "ms": Noun("millisecondo", "millisecondi"), "W": Noun("watt", "watt"),
    "kW": Noun("kilowatt", "kilowatt"), "kWh": Noun("kilowattora", "kilowattora"),
    "V": Noun("volt", "volt"), "Hz": Noun("hertz", "hertz"), "MB": Noun("megabyte", "megabyte"),
    "GB": Noun("gigabyte", "gigabyte"), "TB": Noun("terabyte", "terabyte"),
    "°C": Noun("grado Celsius", "gradi Celsius"), "°": Noun("grado", "gradi"),
    "°F": Noun("grado Fahrenheit", "gradi Fahrenheit"),
}  # fmt: skip
_LOWER_CASE = {
    "sig.": "signor", "sig.ra": "signora", "sig.na": "signorina", "sigg.": "signori",
    "dott.": "dottor", "dott.ssa": "dottoressa", "prof.": "professor",
    "prof.ssa": "professoressa", "avv.": "avvocato", "ing.": "ingegner", "arch.": "architetto",
    "geom.": "geometra", "rag.": "ragionier",
}  # fmt: skip
LOWER_CASE_TITLES = Abbreviations(titles=_LOWER_CASE)
"""Titles as written inside a sentence, before a name (`il dott. Conti`): a table of their
own, as `Abbreviations` keys ignore case."""
ABBREVIATIONS = Abbreviations(
    words={
        "ecc.": "eccetera", "a.C.": "avanti Cristo", "d.C.": "dopo Cristo", "ca.": "circa",
        "tel.": "telefono", "N.B.": "nota bene", "P.S.": "post scriptum",
        "S.p.A.": "società per azioni", "S.r.l.": "società a responsabilità limitata",
        "cit.": "citato", "sec.": "secolo", "ecc": "eccetera",
    },
    titles={
        "Sig.": "Signor", "Sig.ra": "Signora", "Sig.na": "Signorina", "Sigg.": "Signori",
        "Sig.ri": "Signori", "Dott.": "Dottor", "Dott.ssa": "Dottoressa", "Dr.": "Dottor",
        "Prof.": "Professor", "Prof.ssa": "Professoressa", "Ing.": "Ingegner",
        "Avv.": "Avvocato", "Arch.": "Architetto", "Geom.": "Geometra", "Rag.": "Ragionier",
        "On.": "Onorevole", "Egr.": "Egregio", "Gent.": "Gentile", "Gent.mo": "Gentilissimo",
        "Gent.ma": "Gentilissima", "Spett.": "Spettabile", "Mons.": "Monsignor",
        "Sen.": "Senatore", "Gen.": "Generale", "Cav.": "Cavaliere", "p. es.": "per esempio",
        "ad es.": "ad esempio", "cfr.": "confronta", "P.zza": "Piazza", "V.le": "Viale",
        "C.so": "Corso", "S.ta": "Santa",
    },
)  # fmt: skip
BEFORE_NUMBER = {
    "n.": "numero", "nr.": "numero", "N.": "numero", "n°": "numero", "nº": "numero",
    "pag.": "pagina", "pagg.": "pagine", "p.": "pagina", "pp.": "pagine", "cap.": "capitolo",
    "vol.": "volume", "art.": "articolo", "fig.": "figura", "tab.": "tabella",
}  # fmt: skip
CURRENCY_WORDS = {
    "euro": "EUR", "dollaro": "USD", "dollari": "USD", "sterlina": "GBP", "sterline": "GBP",
    "franco svizzero": "CHF", "franchi svizzeri": "CHF",
}  # fmt: skip
"""Currencies written as words, with the symbol's code they are read by (`3,50 euro`)."""
