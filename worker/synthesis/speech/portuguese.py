"""Portuguese read as a careful reader says it: numbers agreeing with their noun (`duas
casas`, `duzentas páginas`), money, dates, times (`14h30`), ordinals (`2.º andar`, `1.ª vez`),
roman numerals (`D. Pedro II`, `século XXI`), units, temperatures, abbreviations and titles.

Portugal's reading by default; Brazil (`pt-BR`) differs in its numbers (`dezesseis`, `bilhão`),
cents (`centavos`), spelling (`quilômetro`) and says `primeiro` for the first of the month.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from num2words import num2words

from worker.synthesis.speech.core import cardinal, word_set
from worker.synthesis.speech.iberian import Genders, Iberian, Words
from worker.synthesis.speech.romance import Currency, Noun, money_words
from worker.synthesis.speech.rules import Abbreviations, NumberFormat, RomanContexts


def _cardinals(lang: str) -> Words:
    def say(n: int) -> str:
        return cardinal(n, lang).replace(",", "")  # num2words' pt_BR: `dois milhões, cem`

    def ordinal(n: int, feminine: bool, before_noun: bool) -> str:
        try:
            words = str(num2words(n, lang=lang, to="ordinal"))
        except (ArithmeticError, LookupError, NotImplementedError, ValueError, TypeError):
            return say(n)
        return re.sub(r"o\b", "a", words) if feminine else words

    return Words(say, _feminine, lambda words: words, ordinal)


def _feminine(words: str) -> str:
    words = re.sub(r"\bum\b", "uma", words)
    words = re.sub(r"\bdois\b", "duas", words)
    return re.sub(r"entos\b", "entas", words)  # duzentos … novecentos, not `cento`


_FEMININE = word_set(
    "vez vezes mulher mulheres noite noites gente parte partes morte mortes mão mãos flor "
    "flores lei leis luz luzes voz vozes tarde tardes fase fases carne torre torres rede redes "
    "pele nuvem nuvens fonte fontes série séries espécie espécies base bases frase frases foto "
    "fotos moto motos árvore árvores chave chaves nave naves classe classes ponte pontes mãe "
    "mães ordem ordens cor cores dor dores"
)
_MASCULINE_IN_A = word_set(
    "dia dias problema problemas mapa mapas sistema sistemas tema temas programa programas "
    "planeta planetas clima climas idioma idiomas poema poemas cinema cinemas telefonema "
    "telefonemas esquema esquemas pijama pijamas sofá sofás guarda-chuva"
)
_STOP = word_set(
    "a à às ao aos de do da dos das em no na nos nas e ou por para pra com sem sobre entre "
    "até desde contra que se não mais menos é são era foi já cada toda todas nada esta estas "
    "essa essas seja o os um uma"
)


_ENDINGS = ("a", "as", "ção", "ções", "são", "sões", "dade", "dades", "agem", "agens")
GENDERS = Genders(_FEMININE, _MASCULINE_IN_A, _STOP, _ENDINGS)


def _units(km: str) -> dict[str, Noun]:
    return {
        "km": Noun(km, km + "s"), "m": Noun("metro", "metros"),
        "cm": Noun("centímetro", "centímetros"), "mm": Noun("milímetro", "milímetros"),
        "kg": Noun("quilograma", "quilogramas"), "g": Noun("grama", "gramas"),
        "mg": Noun("miligrama", "miligramas"), "l": Noun("litro", "litros"),
        "L": Noun("litro", "litros"), "ml": Noun("mililitro", "mililitros"),
        "km/h": Noun(f"{km} por hora", f"{km}s por hora"),
        "h": Noun("hora", "horas", feminine=True), "min": Noun("minuto", "minutos"),
        "s": Noun("segundo", "segundos"), "t": Noun("tonelada", "toneladas", feminine=True),
        "ha": Noun("hectare", "hectares"),
        "m²": Noun("metro quadrado", "metros quadrados"),
        "m2": Noun("metro quadrado", "metros quadrados"),
        "km²": Noun(f"{km} quadrado", f"{km}s quadrados"),
        "km2": Noun(f"{km} quadrado", f"{km}s quadrados"),
        "m³": Noun("metro cúbico", "metros cúbicos"), "m3": Noun("metro cúbico", "metros cúbicos"),
        "W": Noun("watt", "watts"), "kW": Noun("quilowatt", "quilowatts"),
        "kWh": Noun("quilowatt-hora", "quilowatts-hora"),
        "MB": Noun("megabyte", "megabytes"), "GB": Noun("gigabyte", "gigabytes"),
    }  # fmt: skip


def _currencies(cent: Noun) -> dict[str, Currency]:
    euro, dollar = Currency(Noun("euro", "euros"), cent), Currency(Noun("dólar", "dólares"), cent)
    real = Currency(Noun("real", "reais"), Noun("centavo", "centavos"))
    pound = Currency(Noun("libra", "libras", feminine=True), Noun("penny", "pence"))
    return {
        "€": euro, "EUR": euro, "$": dollar, "US$": dollar, "USD": dollar, "R$": real,
        "BRL": real, "£": pound, "GBP": pound,
    }  # fmt: skip


_NUMBER = NumberFormat("pt", ",", ". ", "vírgula", "menos")
_CURRENCY_WORDS = money_words(_NUMBER, {
    "euro": "EUR", "euros": "EUR", "dólar": "USD", "dólares": "USD", "real": "BRL",
    "reais": "BRL", "libra esterlina": "GBP", "libras esterlinas": "GBP",
})  # fmt: skip
"""Currencies written as words, read as money where the amount has cents (`4,99 euros`)."""
_MONTHS = (
    "janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
    "outubro", "novembro", "dezembro",
)  # fmt: skip
_ABBREVIATIONS = Abbreviations(
    words={
        "etc.": "et cetera", "p. ex.": "por exemplo", "aprox.": "aproximadamente",
        "a.C.": "antes de Cristo", "d.C.": "depois de Cristo", "V. Exa.": "Vossa Excelência",
        "V. Ex.ª": "Vossa Excelência", "V. Ex.a": "Vossa Excelência", "máx.": "máximo",
        "mín.": "mínimo", "obs.": "observação", "Lda.": "limitada", "esq.": "esquerdo",
        "dto.": "direito", "dt.º": "direito",
    },
    titles={
        "n.º": "número", "N.º": "número", "nº": "número", "Nº": "número", "n.o": "número",
        "№": "número", "pág.": "página", "págs.": "páginas", "Av.": "avenida",
        "Avda.": "avenida", "tel.": "telefone", "art.": "artigo", "cap.": "capítulo",
        "vol.": "volume", "séc.": "século", "Pç.": "praça", "Exmo.": "Excelentíssimo",
        "Exma.": "Excelentíssima",
    },
)  # fmt: skip
_TITLES = {
    "Sr.": ("senhor", "senhor"), "Sra.": ("senhora", "senhora"), "Sr.ª": ("senhora", "senhora"),
    "sr.": ("senhor", "senhor"), "sra.": ("senhora", "senhora"), "sr.ª": ("senhora", "senhora"),
    "dr.": ("doutor", "doutor"), "dra.": ("doutora", "doutora"),
    "Srta.": ("senhorita", "senhorita"), "Dr.": ("doutor", "doutor"),
    "Dra.": ("doutora", "doutora"), "Dr.ª": ("doutora", "doutora"), "D.": ("Dom", "Dona"),
    "Prof.": ("professor", "professor"), "Profa.": ("professora", "professora"),
    "Prof.ª": ("professora", "professora"), "Eng.": ("engenheiro", "engenheiro"),
    "Eng.ª": ("engenheira", "engenheira"), "Arq.": ("arquiteto", "arquiteto"),
    "Sto.": ("santo", "santo"), "Sta.": ("santa", "santa"), "Pe.": ("padre", "padre"),
    "Fr.": ("frei", "frei"),
}  # fmt: skip
_ROMANS = RomanContexts(
    after=("século", "séculos", "capítulo", "tomo", "volume", "ato", "acto", "cena", "parte",
           "livro", "canto", "lição", "título"),
)  # fmt: skip


def _timer(words: Words) -> Callable[[int, int], str]:
    def time(hour: int, minute: int) -> str:
        """`14h30` → "catorze e trinta", `9h` → "nove horas"; the hour is feminine (`uma`)."""
        said = _feminine(words.cardinal(hour))
        if minute:
            return f"{said} e {words.cardinal(minute)}"
        return f"{said} {'hora' if hour == 1 else 'horas'}"

    return time


@cache
def _reader(brazil: bool) -> Iberian:
    words = _cardinals("pt_BR" if brazil else "pt")
    return Iberian(
        number=_NUMBER,
        words=words,
        is_feminine=GENDERS.is_feminine,
        stop_words=_STOP,
        months=_MONTHS,
        first_day="primeiro" if brazil else "um",
        units=_units("quilômetro" if brazil else "quilómetro"),
        currencies=_currencies(
            Noun("centavo", "centavos") if brazil else Noun("cêntimo", "cêntimos")
        ),
        degree=Noun("grau", "graus"),
        abbreviations=_ABBREVIATIONS,
        titles=_TITLES,
        roman_contexts=_ROMANS,
        counting_ordinals=True,
        time=_timer(words),
        said={"+": "mais", "%": "por cento", "and": "e", "to": "a", "x": "por"},
        rules=_CURRENCY_WORDS,
    )


def read(text: str, region: str) -> str:
    return _reader(region == "br").read(text)
