"""The vocabulary every boundary shares, each rule defined once as a constrained type.

Ids, storage keys, language tags, audio formats, engine names and voice names: the job
contracts, the callback contract, the worker's settings, its storage and its command line all
import them from here, so a rule cannot drift between the places that check it.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9_-]{1,128}$"
LANGUAGE_TAG_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"
STORAGE_KEY_PATTERN = r"^[A-Za-z0-9._/-]{1,512}$"
URL_PATTERN = r"^https?://\S+$"

MAX_VOICE_NAME_CHARS = 100
MAX_PRONUNCIATIONS = 200
MAX_PRONUNCIATION_KEY_CHARS = 100
MAX_PRONUNCIATION_VALUE_CHARS = 200


def reject_reserved_name(value: str) -> str:
    """Firestore reserves ids and field names of the form `__x__`."""
    if value.startswith("__") and value.endswith("__"):
        raise ValueError("ids of the form __x__ are reserved by Firestore")
    return value


def _relative_key(value: str) -> str:
    if value.startswith("/") or any(part in ("", ".", "..") for part in value.split("/")):
        raise ValueError("must be a relative storage key without empty, '.' or '..' segments")
    return value


SafeId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=ID_PATTERN)]
"""A user, voice or story id: safe in a storage key and as a Firestore document id.
Surrounding whitespace is dropped, the same way by every service that reads an id."""

StoryId = Annotated[SafeId, AfterValidator(reject_reserved_name)]
"""A Firestore document id that is safe to use as given: no `/`, no `.`, not `__x__`."""

JobId = Annotated[str, StringConstraints(min_length=1, max_length=256)]

StorageKey = Annotated[
    str, StringConstraints(pattern=STORAGE_KEY_PATTERN), AfterValidator(_relative_key)
]
"""An object key: relative, no empty, `.` or `..` segments, a conservative character set."""

LanguageTag = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=35, pattern=LANGUAGE_TAG_PATTERN)
]
"""A BCP 47-like tag as the app sends it: `en`, `en-US`, `pt_BR`."""

Url = Annotated[str, StringConstraints(min_length=8, max_length=2048, pattern=URL_PATTERN)]

VoiceName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_VOICE_NAME_CHARS)]

Base64 = Annotated[str, StringConstraints(min_length=4)]
"""An inline voice payload. Its size has one limit, the engine's (`CHATTERBOX_MAX_*_BYTES`),
checked on the decoded bytes before any work; RunPod bounds the request itself."""

Pronunciations = Annotated[
    dict[
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=1, max_length=MAX_PRONUNCIATION_KEY_CHARS
            ),
        ],
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True, min_length=1, max_length=MAX_PRONUNCIATION_VALUE_CHARS
            ),
        ],
    ],
    Field(max_length=MAX_PRONUNCIATIONS),
]
"""A word or name to how it should be said (a respelling): `{"Aelith": "AY-lith"}`."""

Submission = Annotated[int, Field(strict=True, ge=1, lt=2**63)]
"""A story's submission number: the submission helper gives each submission of a story the
next one, in the transaction that hands the story to it; every callback of its job echoes it.
Strict: `true` and `"2"` are not numbers, and a story's order must not depend on coercion."""

Seed = Annotated[int, Field(ge=0, lt=2**32)]
"""A sampling seed: the same seed, text and voice narrate the same audio."""

AudioFormat = Literal["mp3", "opus", "wav"]
AUDIO_FORMATS: tuple[str, ...] = get_args(AudioFormat)

EngineName = Literal["auto", "piper", "chatterbox"]
ENGINE_NAMES: tuple[str, ...] = get_args(EngineName)


def normalize_language(tag: str) -> str:
    """The primary language of a tag: 'en-US', 'EN_gb' and 'en' all become 'en'."""
    return re.split(r"[-_]", tag.strip().lower(), maxsplit=1)[0]
