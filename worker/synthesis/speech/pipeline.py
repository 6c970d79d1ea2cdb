"""The whole: markup and pauses around each language's reader, paragraph by paragraph."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping

from shared.types import normalize_language
from worker.synthesis.speech import (
    arabic,
    chinese,
    danish,
    dutch,
    english,
    finnish,
    french,
    german,
    greek,
    hebrew,
    hindi,
    italian,
    japanese,
    korean,
    malay,
    norwegian,
    polish,
    portuguese,
    russian,
    spanish,
    swahili,
    swedish,
    turkish,
)
from worker.synthesis.speech.core import generic_reader
from worker.synthesis.speech.markup import (
    BREAK_TAG,
    PARAGRAPH_BREAK,
    apply_pronunciations,
    break_seconds,
    pause_mark,
    strip_markup,
)
from worker.synthesis.text import KEPT_FROM_NFKC

Reader = Callable[[str, str], str]
"""A language's reader: (a paragraph without markup, the language tag's region) → speech."""

READERS: dict[str, Reader] = {
    "en": english.read,
    "de": german.read,
    "nl": dutch.read,
    "fr": french.read,
    "it": italian.read,
    "es": spanish.read,
    "pt": portuguese.read,
    "ru": russian.read,
    "pl": polish.read,
    "da": danish.read,
    "no": norwegian.read,
    "sv": swedish.read,
    "fi": finnish.read,
    "tr": turkish.read,
    "el": greek.read,
    "hi": hindi.read,
    "ms": malay.read,
    "sw": swahili.read,
    "zh": chinese.read,
    "ja": japanese.read,
    "ko": korean.read,
    "ar": arabic.read,
    "he": hebrew.read,
}
"""Every language an engine speaks, by its code; any other reads numbers with `generic`."""

_KEPT = re.compile(f"[{KEPT_FROM_NFKC}]")
_SPACES = re.compile(r"[^\S\n]+")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?)])")


def _region(language: str) -> str:
    parts = re.split(r"[-_]", language.strip().lower())
    return parts[1] if len(parts) > 1 else ""


def _say(text: str, language: str) -> str:
    code = normalize_language(language)
    read = READERS.get(code) or generic_reader(code)
    text = read(text, _region(language))
    if _KEPT.search(text):  # a sign the language's rules did not read: as NFKC writes it
        text = unicodedata.normalize("NFKC", text)
    text = _SPACES.sub(" ", text)
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip()


def _say_paragraphs(text: str, language: str) -> str:
    return PARAGRAPH_BREAK.join(_say(p, language) for p in text.split(PARAGRAPH_BREAK))


def to_speech(text: str, language: str, pronunciations: Mapping[str, str] | None = None) -> str:
    """The spoken form of canonical written `text` in `language` ("" when nothing is left).

    Paragraph breaks are kept one for one; SSML breaks become `PAUSE_MARK`s; pronunciations
    apply last, to the normalised words.
    """
    pieces: list[str] = []
    last = 0
    for m in BREAK_TAG.finditer(text):
        pieces.append(_say_paragraphs(strip_markup(text[last : m.start()]), language))
        pieces.append(pause_mark(break_seconds(m.group(1))))
        last = m.end()
    pieces.append(_say_paragraphs(strip_markup(text[last:]), language))
    speech = " ".join(p for p in pieces if p.strip(" "))
    speech = speech.replace(f" {PARAGRAPH_BREAK}", PARAGRAPH_BREAK)
    speech = speech.replace(f"{PARAGRAPH_BREAK} ", PARAGRAPH_BREAK)
    if pronunciations:
        speech = apply_pronunciations(speech, pronunciations)
    return speech if speech.strip() else ""
