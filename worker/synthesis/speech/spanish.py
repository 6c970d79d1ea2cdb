"""Spanish read as a careful reader says it: numbers agreeing with their noun (`veintiún años`,
`doscientas páginas`), money, dates, times, ordinals (`1.er piso`, `2.ª vez`), roman numerals
(`Felipe II`, `siglo XXI`), units, temperatures and the common abbreviations and titles.

Spain's reading by default; Mexico and the Americas differ where they write numbers with a
decimal point, call `$` pesos, or say `primero` for the first of the month.
"""

from __future__ import annotations

import re
from functools import cache

from num2words import num2words

from worker.synthesis.speech.core import cardinal, word_set
from worker.synthesis.speech.iberian import Genders, Iberian, Words
from worker.synthesis.speech.romance import Currency, Noun, money_words
from worker.synthesis.speech.rules import Abbreviations, NumberFormat, RomanContexts

_BEFORE_LARGE = re.compile(r"\b(veinti)?uno(?= (?:mil|millón|millones|billón|billones)\b)")


def _cardinal(n: int) -> str:
    """num2words' Spanish, with `uno` shortened before `mil` and `millones` (`veintiún mil`)."""
    words = cardinal(n, "es")
    return _BEFORE_LARGE.sub(lambda m: "veintiún" if m[1] else "un", words)


def _feminine(words: str) -> str:
    words = re.sub(r"\b(veinti)?(?:uno|ún|un)\b", lambda m: f"{m[1] or ''}una", words)
    return re.sub(r"ientos\b", "ientas", words)  # doscientos … novecientos


def _before_noun(words: str) -> str:
    return re.sub(r"\b(veinti)?uno$", lambda m: "veintiún" if m[1] else "un", words)


_ORDINALS = (
    "", "primero", "segundo", "tercero", "cuarto", "quinto", "sexto", "séptimo", "octavo",
    "noveno", "décimo", "undécimo", "duodécimo",
)  # fmt: skip


def _ordinal(n: int, feminine: bool, before_noun: bool) -> str:
    if n < len(_ORDINALS):
        words = _ORDINALS[n]
    else:  # num2words: `décimo tercero` → RAE's one word `decimotercero`
        words = re.sub(r"\bdécimo ?(?=\w)", "decimo", cardinal_ordinal(n))
    if feminine:
        return re.sub(r"o\b", "a", words)
    return re.sub(r"(primer|tercer)o$", r"\1", words) if before_noun else words


def cardinal_ordinal(n: int) -> str:
    try:
        return str(num2words(n, lang="es", to="ordinal"))
    except (ArithmeticError, LookupError, NotImplementedError, ValueError, TypeError):
        return cardinal(n, "es")


_FEMININE = word_set(
    "vez veces mujer mujeres noche noches calle calles clase clases gente parte partes muerte "
    "mente leche llave llaves nave naves flor flores ley leyes luz luces voz voces imagen "
    "imágenes tarde tardes fase fases carne sangre torre torres red redes sal piel nube nubes "
    "fuente fuentes serie series especie especies base bases frase frases catedral mano manos "
    "radio moto motos foto fotos"
)
_MASCULINE_IN_A = word_set(
    "día días problema problemas mapa mapas idioma idiomas sistema sistemas tema temas "
    "programa programas planeta planetas clima climas poema poemas drama dramas sofá sofás "
    "papá papás dilema dilemas esquema esquemas pijama pijamas tranvía tranvías"
)
_STOP = word_set(
    "a al de del en y e o u por para con sin sobre entre hasta desde hacia contra que se no "
    "más menos es son era fue y ya cada toda todas nada esta estas esa esas sea"
)


_ENDINGS = ("a", "as", "ción", "ciones", "sión", "siones", "dad", "dades", "tud")
GENDERS = Genders(_FEMININE, _MASCULINE_IN_A, _STOP, _ENDINGS)


_UNITS = {
    "km": Noun("kilómetro", "kilómetros"), "m": Noun("metro", "metros"),
    "cm": Noun("centímetro", "centímetros"), "mm": Noun("milímetro", "milímetros"),
    "kg": Noun("kilogramo", "kilogramos"), "g": Noun("gramo", "gramos"),
    "mg": Noun("miligramo", "miligramos"), "l": Noun("litro", "litros"),
    "L": Noun("litro", "litros"), "ml": Noun("mililitro", "mililitros"),
    "cl": Noun("centilitro", "centilitros"),
    "km/h": Noun("kilómetro por hora", "kilómetros por hora"),
    "h": Noun("hora", "horas", feminine=True), "min": Noun("minuto", "minutos"),
    "s": Noun("segundo", "segundos"), "t": Noun("tonelada", "toneladas", feminine=True),
    "ha": Noun("hectárea", "hectáreas", feminine=True),
    "m²": Noun("metro cuadrado", "metros cuadrados"),
    "m2": Noun("metro cuadrado", "metros cuadrados"),
    "km²": Noun("kilómetro cuadrado", "kilómetros cuadrados"),
    "km2": Noun("kilómetro cuadrado", "kilómetros cuadrados"),
    "m³": Noun("metro cúbico", "metros cúbicos"), "m3": Noun("metro cúbico", "metros cúbicos"),
    "W": Noun("vatio", "vatios"), "kW": Noun("kilovatio", "kilovatios"),
    "kWh": Noun("kilovatio hora", "kilovatios hora"), "V": Noun("voltio", "voltios"),
    "MB": Noun("megabyte", "megabytes"), "GB": Noun("gigabyte", "gigabytes"),
}  # fmt: skip
_CENT = Noun("céntimo", "céntimos")
_CENTAVO = Noun("centavo", "centavos")
_DOLLAR = Currency(Noun("dólar", "dólares"), _CENTAVO)
_PESO = Currency(Noun("peso", "pesos"), _CENTAVO)
_CURRENCIES = {
    "€": Currency(Noun("euro", "euros"), _CENT), "EUR": Currency(Noun("euro", "euros"), _CENT),
    "$": _DOLLAR, "US$": _DOLLAR, "USD": _DOLLAR, "MXN": _PESO,
    "£": Currency(Noun("libra", "libras", feminine=True), Noun("penique", "peniques")),
    "¥": Currency(Noun("yen", "yenes"), Noun("sen", "sen")),
}  # fmt: skip
_CURRENCY_WORDS = {
    "euro": "EUR", "euros": "EUR", "dólar": "USD", "dólares": "USD", "peso": "MXN",
    "pesos": "MXN", "libra esterlina": "£", "libras esterlinas": "£",
}  # fmt: skip
"""Currencies written as words, with the code they are read by (`4,99 euros`): not `$`, a
peso in Mexico."""
_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
)  # fmt: skip
_ABBREVIATIONS = Abbreviations(
    words={
        "etc.": "etcétera", "p. ej.": "por ejemplo", "aprox.": "aproximadamente",
        "a. C.": "antes de Cristo", "d. C.": "después de Cristo", "EE. UU.": "Estados Unidos",
        "Ud.": "usted", "Uds.": "ustedes", "Vd.": "usted", "Vds.": "ustedes",
        "máx.": "máximo", "mín.": "mínimo", "izq.": "izquierda", "dcha.": "derecha",
        "S. A.": "sociedad anónima", "S. L.": "sociedad limitada", "Atte.": "atentamente",
        "a. m.": "de la mañana", "p. m.": "de la tarde", "pp.": "páginas",
        "Sras.": "señoras", "Srs.": "señores", "ej.": "ejemplo", "dpto.": "departamento",
    },
    titles={
        "núm.": "número", "n.º": "número", "N.º": "número", "nº": "número", "Nº": "número",
        "n.o": "número", "№": "número", "pág.": "página", "págs.": "páginas",
        "Avda.": "avenida", "avda.": "avenida", "vs.": "contra", "Av.": "avenida",
        "tel.": "teléfono", "art.": "artículo", "cap.": "capítulo", "vol.": "volumen",
        "Pza.": "plaza", "pza.": "plaza", "Ctra.": "carretera", "ctra.": "carretera",
        "Excmo.": "excelentísimo", "Excma.": "excelentísima", "Ilmo.": "ilustrísimo",
    },
)  # fmt: skip
_TITLES = {
    "Sr.": ("señor", "señor"), "Sra.": ("señora", "señora"), "Srta.": ("señorita", "señorita"),
    "sr.": ("señor", "señor"), "sra.": ("señora", "señora"), "srta.": ("señorita", "señorita"),
    "dr.": ("doctor", "doctor"), "dra.": ("doctora", "doctora"),
    "Sres.": ("señores", "señores"), "Dr.": ("doctor", "doctor"), "Dra.": ("doctora", "doctora"),
    "D.": ("don", "doña"), "Dña.": ("doña", "doña"), "D.ª": ("doña", "doña"),
    "D.a": ("doña", "doña"), "Dª": ("doña", "doña"),
    "Prof.": ("profesor", "profesor"), "Profa.": ("profesora", "profesora"),
    "Lic.": ("licenciado", "licenciado"), "Ing.": ("ingeniero", "ingeniero"),
    "Sto.": ("santo", "santo"), "Sta.": ("santa", "santa"), "Fr.": ("fray", "fray"),
}  # fmt: skip
_ROMANS = RomanContexts(
    after=("siglo", "siglos", "capítulo", "tomo", "volumen", "acto", "escena", "parte", "libro",
           "canto", "lección", "fascículo", "título"),
)  # fmt: skip
_STREET = re.compile(r"(?<![\w/])c/\s?(?=[A-ZÀ-Þ])")
_CENTURY = re.compile(r"\bs\.\s?(?=[IVX]+\b)")


def _rules(text: str) -> str:
    """`c/ Mayor` → "calle Mayor"; `s. XXI` → "siglo XXI" (then read as a century)."""
    return _CENTURY.sub("siglo ", _STREET.sub("calle ", text))


def _time(hour: int, minute: int) -> str:
    """24-hour reading (`14:30` → "catorce treinta"); the hour is feminine (`la una`)."""
    said = _feminine(_cardinal(hour))
    if minute == 0:
        return said if hour == 1 else f"{said} horas"
    return f"{said} {'cero ' if minute < 10 else ''}{_cardinal(minute)}"


_POINT_REGIONS = frozenset({"mx", "us", "pr", "do", "gt", "hn", "sv", "ni", "pa", "pe"})
_PESO_REGIONS = frozenset({"mx", "ar", "co", "cl", "uy", "do", "cu", "ph"})
_AMERICAS = frozenset({*_POINT_REGIONS, *_PESO_REGIONS, "419", "ve", "ec", "bo", "py", "cr"})


@cache
def _reader(region: str) -> Iberian:
    point = region in _POINT_REGIONS
    number = NumberFormat(
        "es", "." if point else ",", ", " if point else ". ", "punto" if point else "coma", "menos"
    )
    currency_words = money_words(number, _CURRENCY_WORDS)
    return Iberian(
        number=number,
        words=Words(_cardinal, _feminine, _before_noun, _ordinal),
        is_feminine=GENDERS.is_feminine,
        stop_words=_STOP,
        months=_MONTHS,
        first_day="primero" if region in _AMERICAS else "uno",
        units=_UNITS,
        currencies={**_CURRENCIES, "$": _PESO} if region in _PESO_REGIONS else _CURRENCIES,
        degree=Noun("grado", "grados"),
        abbreviations=_ABBREVIATIONS,
        titles=_TITLES,
        roman_contexts=_ROMANS,
        counting_ordinals=False,
        time=_time,
        said={"+": "más", "%": "por ciento", "and": "con", "to": "a", "x": "por"},
        rules=lambda text: currency_words(_rules(text)),
    )


def read(text: str, region: str) -> str:
    return _reader(region).read(text)
