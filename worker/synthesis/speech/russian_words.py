"""The words the Russian reader says: months, counted nouns, the cases prepositions govern,
ordinal endings, the nouns roman numerals count, and abbreviations. Cases are num2words' codes:
n(ominative), g(enitive), d(ative), a(ccusative), i(nstrumental), p(repositional)."""

from __future__ import annotations

from worker.synthesis.speech.rules import Abbreviations
from worker.synthesis.speech.slavic import Noun, nouns

MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def _governing(table: dict[str, str]) -> dict[str, str]:
    """{"g": "до от"} → {"до": "g", "от": "g"}."""
    return {word: case for case, words in table.items() for word in words.split()}


CASE_AFTER = _governing({
    "g": "до от из без около ок у для после кроме с со свыше более менее против среди вместо "
         "возле мимо ради вокруг",
    "d": "к ко благодаря согласно",
    "p": "о об обо при",
    "i": "между перед над",
    "a": "в во на через про по сквозь спустя",
})  # fmt: skip
"""The case a number takes after each preposition (`около 20` → "около двадцати")."""


def _past(stems: str) -> set[str]:
    """A verb's infinitive and past forms from its stem: "стои" → стоить, стоил, ... стоили."""
    return {stem + end for stem in stems.split() for end in ("ть", "л", "ла", "ло", "ли")}


NUMBER_CASE = {
    **CASE_AFTER,
    **dict.fromkeys(_past(
        "стои плати заплати выплати трати потрати покупа купи получа получи отда отдава взя "
        "выигра проигра заработа накопи собра набра сня одолжи потеря продава прода "
        "проеха пробежа проплы соверши веси составля состави"
    ), "a"),
    **_governing({"a": "за стоит стоят заплачу заплатит заплатят платит платят потрачу "
                       "потратит тратит куплю купит купят получу получит получат получает "
                       "получают отдам отдаст возьму возьмёт выиграет выиграют заработает "
                       "проедет проедем пробежит весит весят составит составляет составляют "
                       "прошёл пройти пройдёт"}),
}  # fmt: skip
"""The case of a number after a preposition or after a verb that governs the accusative
(`стоил 1 200 руб.` → "тысячу двести рублей", `за 1 000 евро`); verbs whose subject a count
may be (`прошла 1 минута`, `прошло 1 000 лет`) are left out."""

DATE_CASE = {
    **CASE_AFTER,
    **_governing({"n": "сегодня завтра вчера послезавтра позавчера наступило наступит было "
                       "будет это", "i": "за"}),
}  # fmt: skip
"""A date's day is genitive ("случилось четырнадцатого июля") unless a word before says."""

YEAR_CASE = {**CASE_AFTER, **_governing({"p": "в во", "a": "за"})}
"""The case of `г.` after a year (`в 2024 г.` → "в ... году")."""
PLACE_CASE = {**CASE_AFTER, **_governing({"p": "в во на", "d": "по"})}
"""The case of `г.` and `ул.` before a name (`на ул. Ленина` → "на улице Ленина")."""

YEAR = {"n": "год", "a": "год", "g": "года", "d": "году", "p": "году", "i": "годом"}
YEARS = {"n": "годы", "a": "годы", "g": "годов", "d": "годам", "p": "годах", "i": "годами"}
CENTURY = {"n": "век", "a": "век", "g": "века", "d": "веку", "p": "веке", "i": "веком"}
CENTURIES = {"n": "века", "a": "века", "g": "веков", "d": "векам", "p": "веках", "i": "веками"}
CENTURY_PLURALS = {"вв.": "g", **{form: case for case, form in CENTURIES.items() if case != "a"}}
"""Two centuries counted together (`в XIX и XX веках`, `XIX-XX вв.`): the noun's case."""
YEAR_NOUN = {"год": "n", "года": "g", "году": "p", "годом": "i", "годы": "n", "годов": "g",
             "годах": "p"}  # fmt: skip


def _cases(*forms: str) -> dict[str, str]:
    """The forms of a noun in the order n, g, d, a, i, p."""
    return dict(zip("ngdaip", forms, strict=True))


NOUNS = {
    "ул.": _cases("улица", "улицы", "улице", "улицу", "улицей", "улице"),
    "г.": _cases("город", "города", "городу", "город", "городом", "городе"),
    "д.": _cases("дом", "дома", "дому", "дом", "домом", "доме"),
    "кв.": _cases("квартира", "квартиры", "квартире", "квартиру", "квартирой", "квартире"),
    "стр.": _cases("страница", "страницы", "странице", "страницу", "страницей", "странице"),
    "рис.": _cases("рисунок", "рисунка", "рисунку", "рисунок", "рисунком", "рисунке"),
    "табл.": _cases("таблица", "таблицы", "таблице", "таблицу", "таблицей", "таблице"),
    "гл.": _cases("глава", "главы", "главе", "главу", "главой", "главе"),
    "обл.": _cases("область", "области", "области", "область", "областью", "области"),
    "пос.": _cases("посёлок", "посёлка", "посёлку", "посёлок", "посёлком", "посёлке"),
}
"""Abbreviated nouns before a number or a name, in the case their preposition governs
(`на ул. Ленина` → "на улице Ленина", `в кв. 12` → "в квартире двенадцать")."""

_RUBLE = Noun("рубль", "рубля", "рублей", "рубля")
_KOPECK = Noun("копейка", "копейки", "копеек", "копейки", "f")
_DOLLAR = Noun("доллар", "доллара", "долларов", "доллара")
_CENT = Noun("цент", "цента", "центов", "цента")
_EURO = Noun("евро", "евро", "евро", "евро")
_POUND = Noun("фунт", "фунта", "фунтов", "фунта")
_PENNY = Noun("пенс", "пенса", "пенсов", "пенса")
CURRENCIES = {
    "₽": (_RUBLE, _KOPECK), "руб.": (_RUBLE, _KOPECK), "руб": (_RUBLE, _KOPECK),
    "р.": (_RUBLE, _KOPECK), "RUB": (_RUBLE, _KOPECK), "$": (_DOLLAR, _CENT),
    "USD": (_DOLLAR, _CENT), "€": (_EURO, _CENT), "EUR": (_EURO, _CENT), "£": (_POUND, _PENNY),
    "GBP": (_POUND, _PENNY),
}  # fmt: skip
CURRENCY_WORDS = {
    **dict.fromkeys(("рубль", "рубля", "рублей"), (_RUBLE, _KOPECK)),
    **dict.fromkeys(("доллар", "доллара", "долларов"), (_DOLLAR, _CENT)),
    **dict.fromkeys(("фунт", "фунта", "фунтов"), (_POUND, _PENNY)), "евро": (_EURO, _CENT),
}  # fmt: skip
"""Currencies written as words after an amount with cents (`4,99 доллара`)."""


def _metric(name: str, tail: str = "") -> tuple[str, ...]:
    """A masculine noun like `километр` (`tail` follows each form: "градус Цельсия")."""
    endings = ("", "а", "ов", "а", "m", "у", "ом", "е", "ам", "ами", "ах")
    return tuple(end if end == "m" else f"{name}{end}{tail}" for end in endings)


def _feminine_unit(stem: str, many: str) -> tuple[str, ...]:
    """A feminine noun like `минута`: минута, минуты, минут, ... минутах."""
    forms = ("а", "ы", many, "ы", "f", "е", "ой", "е", "ам", "ами", "ах")
    return tuple(end if end == "f" else (end if end == many else stem + end) for end in forms)


_MINUTE = _feminine_unit("минут", "минут")
_SECOND = _feminine_unit("секунд", "секунд")
_HOUR = _metric("час")
_THOUSAND = ("тысяча", "тысячи", "тысяч", "тысячи", "f")
_CELSIUS = _metric("градус", " Цельсия")


UNITS: dict[str, Noun] = nouns({
    "км": _metric("километр"), "м": _metric("метр"), "см": _metric("сантиметр"),
    "мм": _metric("миллиметр"), "кг": _metric("килограмм"), "г": _metric("грамм"),
    "мг": _metric("миллиграмм"), "л": _metric("литр"), "мл": _metric("миллилитр"),
    "га": _metric("гектар"), "т": _feminine_unit("тонн", "тонн"),
    "км/ч": ("километр в час", "километра в час", "километров в час", "километра в час"),
    "м/с": ("метр в секунду", "метра в секунду", "метров в секунду", "метра в секунду"),
    "ч": _HOUR, "ч.": _HOUR, "мин": _MINUTE, "мин.": _MINUTE, "сек": _SECOND, "сек.": _SECOND,
    "%": _metric("процент"), "°C": _CELSIUS, "°С": _CELSIUS, "°": _metric("градус"),
    "°F": _metric("градус", " Фаренгейта"),
    "коп.": ("копейка", "копейки", "копеек", "копейки", "f"),
    "коп": ("копейка", "копейки", "копеек", "копейки", "f"),
    "тыс.": _THOUSAND, "тыс": _THOUSAND, "млн": _metric("миллион"),
    "млрд": _metric("миллиард"), "трлн": _metric("триллион"),
    "шт.": ("штука", "штуки", "штук", "штуки", "f"),
})  # fmt: skip
"""Abbreviations written after a number and the noun each stands for."""

ORDINAL_FORMS: dict[str, tuple[str, str, bool]] = {
    **dict.fromkeys(("й", "ый", "ий", "ой"), ("n", "m", False)),
    **dict.fromkeys(("я", "ая", "ья"), ("n", "f", False)),
    **dict.fromkeys(("е", "ое", "ье"), ("n", "n", False)),
    **dict.fromkeys(("го", "ого", "его"), ("g", "m", False)),
    **dict.fromkeys(("му", "ому", "ему"), ("d", "m", False)),
    **dict.fromkeys(("м", "ом", "ем"), ("p", "m", False)),
    **dict.fromkeys(("ым", "им"), ("i", "m", False)),
    **dict.fromkeys(("ю", "ую", "ью"), ("a", "f", False)),
    **dict.fromkeys(("х", "ых", "их"), ("p", "m", True)),
    **dict.fromkeys(("ми", "ыми", "ими"), ("i", "m", True)),
    "ей": ("p", "f", False),
}
"""An ordinal's written ending (`2-й`, `3-го`, `5-м`) → case, gender, plural."""
ORDINAL_ENDINGS = "|".join(sorted([*ORDINAL_FORMS, "ти"], key=len, reverse=True))
FEMININE_OBLIQUE = ("е", "и", "ы", "ой", "ей")
"""Endings of a feminine noun outside the nominative (`в 3-й главе` → "третьей")."""


def _declined(gender: str, forms: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {form: (gender, case) for case, form in forms.items()}


def _hard(stem: str) -> dict[str, tuple[str, str]]:
    """A masculine noun like `том`: том, тома, тому, томом, томе."""
    endings = {"n": "", "g": "а", "d": "у", "i": "ом", "p": "е"}
    return _declined("m", {case: stem + end for case, end in endings.items()})


def _feminine(stem: str) -> dict[str, tuple[str, str]]:
    """A feminine noun like `глава`: глава, главы, главе, главу, главой."""
    endings = {"d": "е", "n": "а", "g": "ы", "a": "у", "i": "ой"}
    return _declined("f", {case: stem + end for case, end in endings.items()})


COUNTING_BEFORE: dict[str, tuple[str, str]] = {
    **_hard("том"), **_hard("раздел"), **_hard("пункт"), **_hard("параграф"), **_hard("съезд"),
    **_hard("акт"), **_hard("выпуск"), **_hard("созыв"), **_feminine("глав"),
    **_declined("f", {"n": "часть", "g": "части", "i": "частью"}),
    **_declined("f", {"n": "статья", "g": "статьи", "d": "статье", "a": "статью", "i": "статьей"}),
}  # fmt: skip
"""Nouns a roman numeral after them counts (`глава XII` → "глава двенадцатая")."""
COUNTED_AFTER: dict[str, tuple[str, str]] = {
    **_declined("m", CENTURY),
    **_declined("n", {"n": "столетие", "g": "столетия", "d": "столетию", "i": "столетием",
                      "p": "столетии"}),
    **_declined("n", {"n": "тысячелетие", "g": "тысячелетия", "i": "тысячелетием",
                      "p": "тысячелетии"}),
    "в.": ("m", "g"),
}  # fmt: skip
"""Nouns a roman numeral before them counts (`XXI век`, `в XIX веке`, `XIX в.`)."""

FEMALE_NAMES = (
    "Екатерин", "Елизавет", "Анн", "Мари", "Виктори", "Елен", "Ольг", "Изабелл", "Маргарит",
    "Софи", "Ирин", "Натали",
)  # fmt: skip
"""Regnal names that take a feminine ordinal (`Екатерина II` → "Екатерина Вторая")."""
MALE_NAME_CASES = (("ом", "i"), ("ем", "i"), ("ём", "i"), ("у", "d"), ("ю", "d"), ("а", "g"),
                   ("я", "g"), ("е", "p"))  # fmt: skip
FEMALE_NAME_CASES = (("ой", "i"), ("ей", "i"), ("ы", "g"), ("и", "g"), ("е", "p"), ("у", "a"),
                     ("ю", "a"))  # fmt: skip
"""The case a name's ending shows (`при Петре I` → "при Петре Первом")."""

MASCULINE_IN_A = frozenset({"папа", "мужчина", "дедушка", "дядя", "юноша", "судья", "слуга"})
FEMININE_SOFT = frozenset({
    "ночь", "дверь", "тетрадь", "лошадь", "мышь", "вещь", "площадь", "часть", "смерть", "жизнь",
    "осень", "печь", "мать", "дочь", "соль", "кровать", "роль", "цель", "модель", "сеть", "связь",
    "речь", "помощь", "мысль",
})  # fmt: skip
"""Feminine nouns in -ь: "одна ночь", as the nouns in -а/-я."""

ABBREVIATIONS = Abbreviations(
    words={
        "т. е.": "то есть", "т. д.": "так далее", "т. п.": "тому подобное", "т. к.": "так как",
        "т. н.": "так называемый", "т. ч.": "том числе", "н. э.": "нашей эры", "см.": "смотри",
        "ср.": "сравни", "др.": "другие", "пр.": "прочее", "напр.": "например", "ок.": "около",
        "д.": "дом", "кв.": "квартира", "стр.": "страница", "рис.": "рисунок",
        "табл.": "таблица", "тел.": "телефон", "обл.": "область", "пос.": "посёлок",
        "р-н": "район", "руб.": "рублей", "коп.": "копеек", "тыс.": "тысяч", "млн": "миллионов",
        "млрд": "миллиардов", "гг.": "годы", "вв.": "века", "гл.": "глава", "изд.": "издание",
    },
    titles={
        "им.": "имени", "св.": "святой", "проф.": "профессор", "акад.": "академик",
        "доц.": "доцент", "г-н": "господин", "г-жа": "госпожа", "ген.": "генерал",
        "тов.": "товарищ", "полк.": "полковник", "кап.": "капитан",
    },
)  # fmt: skip
"""Abbreviations read whole (`и т. д.` → "и так далее"); `г.` and `ул.` depend on context."""
CAPITALISED = Abbreviations(
    words={
        "См.": "Смотри", "Т. е.": "То есть", "Т. к.": "Так как", "Напр.": "Например",
        "Ср.": "Сравни", "Ок.": "Около",
    },
    titles={"Проф.": "Профессор", "Акад.": "Академик", "Св.": "Святой", "Г-н": "Господин"},
)  # fmt: skip
"""The same at the start of a sentence (the table above is matched as written)."""
