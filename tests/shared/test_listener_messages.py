"""Every `audioError` is a sentence a listener can act on; technical detail goes to
`audioErrorDetails`.

Walked here: every error type's default message, every message the invalid-input paths build
(pydantic's errors on every field of both job contracts, the callback URL guard, the story's
text and scripts, the voice checks), the worker's generation failures, the callback API's
inferred failures, and, read from the source, every message literal given to an error."""

from __future__ import annotations

import ast
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from callback_api.services.endings import interruption
from callback_api.services.runpod_api import (
    RunPodConnectError,
    RunPodResponseError,
    RunPodStatusError,
)
from callback_api.services.submission import submission_error
from shared import errors
from shared.errors import ErrorType, InvalidInputError, TTSError
from shared.job_input import TTSJobInput, parse_job_input
from shared.voice_job_input import VoiceProfileJobInput
from worker.bucket import check_id
from worker.delivery.targets import check_outbound_url
from worker.engines.reference_audio import VoiceLimits, decode_reference_audio
from worker.synthesis.chunking import Chunk
from worker.synthesis.generation import _generation_failed
from worker.synthesis.scripts import SCRIPTS_BY_LANGUAGE
from worker.synthesis.text import prepare_text
from worker.voices.creation import VoiceProfileRequest, _check_name, _sample_text

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = (
    "[", "]", "{", "}", "_", "^", "\\", "$", "pydantic", "Value error", "type=",
    "input_value", "Input should", "String should", "Field required", "Traceback", "None",
)  # fmt: skip
ACTION = re.compile(r"\b(Please|please|Choose|choose|try again|Try again)\b")
ALL_LANGUAGES = frozenset(SCRIPTS_BY_LANGUAGE)


def assert_plain(message: str) -> None:
    """A sentence (or a few) for a listener: capitalised, finished, free of developer tokens,
    and saying what to do."""
    assert message[:1].isupper(), message
    assert message.endswith("."), message
    assert not [token for token in FORBIDDEN if token in message], message
    assert ACTION.search(message), message


def raised(action: Callable[[], Any]) -> TTSError:
    with pytest.raises(TTSError) as info:
        action()
    return info.value


def _classes(cls: type[TTSError]) -> Iterator[type[TTSError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _classes(sub)


CLASSES = sorted(
    {c for c in _classes(TTSError) if c.__module__ == errors.__name__}, key=lambda c: c.__name__
)


def test_every_error_type_is_walked() -> None:
    assert {cls.error_type for cls in CLASSES} == set(ErrorType)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_every_default_message_is_plain(cls: type[TTSError]) -> None:
    assert_plain(cls().message)


# --- invalid input: pydantic's errors become plain words, its own text goes to details --------

STORY = {
    "text": "The fox ran into the dark wood at night.",
    "story_id": "story-1",
    "user_id": "u1",
    "callback_url": "https://api.example.com/api/tts/callback",
}
BAD_STORY_FIELDS: list[dict[str, Any]] = [
    {"text": None},
    {"text": "x" * 1_000_001},
    {"story_id": "a/b"},
    {"story_id": "__reserved__"},
    {"user_id": ""},
    {"voice_id": "has space"},
    {"language": "english!"},
    {"language": 5},
    {"story_type": "y" * 65},
    {"callback_url": None},
    {"callback_url": "ftp://x"},
    {"error_callback_url": "nope"},
    {"progress_callback_url": "x" * 3000},
    {"output_format": "flac"},
    {"exaggeration": 7},
    {"exaggeration": "loud"},
    {"cfg_weight": -1},
    {"temperature": 0},
    {"seed": -1},
    {"seed": 2**32},
    {"seed": 1.5},
    {"pronunciations": {"w" * 101: "x"}},
    {"pronunciations": {f"w{n}": "x" for n in range(201)}},
    {"pronunciations": ["not", "a", "map"]},
    {"profile_base64": "ab"},
    {"reference_audio_base64": ""},
    {"voice_storage_key": "../escape.pt"},
    {"voice_storage_key": "/voices/u1/v.pt"},
    {"voice_storage_key": "voices/someone_else/v1.pt"},
    {"profile_base64": "abcd", "voice_storage_key": "voices/u1/v1.pt"},
    {"metadata": {"x": [[1]]}},
    {"metadata": {"__name__": 1}},
    {"metadata": "text"},
    {"deadline_s": 10},
    {"reuse_chunks": "maybe"},
    {"submission": 0},
]


@pytest.mark.parametrize("bad", BAD_STORY_FIELDS, ids=str)
def test_every_invalid_story_field_is_told_in_plain_words(bad: dict[str, Any]) -> None:
    error = raised(lambda: parse_job_input({**STORY, **bad}, TTSJobInput))
    assert isinstance(error, InvalidInputError)
    assert_plain(error.message)
    assert error.details
    fields = error.context["fields"]
    assert all(field in error.details for field in fields)  # developers read the fields


@pytest.mark.parametrize("missing", ["text", "story_id", "user_id", "callback_url"])
def test_a_missing_field_is_named_in_plain_words(missing: str) -> None:
    raw = {k: v for k, v in STORY.items() if k != missing}
    error = raised(lambda: parse_job_input(raw, TTSJobInput))
    assert_plain(error.message)
    assert "is missing" in error.message
    assert error.details == f"{missing}: Field required"


def test_a_request_that_is_not_an_object_is_plain() -> None:
    assert_plain(raised(lambda: parse_job_input(["not", "an", "object"], TTSJobInput)).message)


def test_many_problems_are_listed_up_to_a_few() -> None:
    bad = {"exaggeration": 7, "cfg_weight": 7, "temperature": 0, "seed": -1, "deadline_s": 1}
    bad |= {"output_format": "flac", "reuse_chunks": "x"}
    message = raised(lambda: parse_job_input({**STORY, **bad}, TTSJobInput)).message
    assert_plain(message)
    assert message.count(", ") + 1 == 5
    assert message.endswith("and more. Please correct them and try again.")


VOICE_JOB = {"action": "create_voice_profile", "user_id": "u1", "name": "Grandma"}
BAD_VOICE_FIELDS: list[dict[str, Any]] = [
    {"reference_audio_base64": "abcd", "reference_audio_key": "uploads/u1/a.wav"},
    {},
    {"reference_audio_base64": "abcd", "action": "other"},
    {"reference_audio_base64": "abcd", "name": ""},
    {"reference_audio_base64": "abcd", "sample_text": "s" * 501},
    {"reference_audio_base64": "abcd", "callback_url": "http//x"},
]


@pytest.mark.parametrize("bad", BAD_VOICE_FIELDS, ids=str)
def test_every_invalid_voice_job_field_is_told_in_plain_words(bad: dict[str, Any]) -> None:
    error = raised(lambda: parse_job_input({**VOICE_JOB, **bad}, VoiceProfileJobInput))
    assert_plain(error.message)
    assert error.details


@pytest.mark.parametrize(
    "url",
    ["http://api.example.com/x", "https://u:p@api.example.com/x", "https://10.0.0.1/x", "nope"],
)
def test_a_refused_callback_address_is_plain(url: str) -> None:
    error = raised(
        lambda: check_outbound_url(
            url,
            allowed_hosts=frozenset(),
            allow_loopback_http=False,
            field="progress_callback_url",
            resolve=lambda host, port: ["10.0.0.1"],
        )
    )
    assert_plain(error.message)
    assert error.details is not None
    assert error.details.startswith("progress_callback_url: ")


# --- the story's text ------------------------------------------------------------------------

TEXT_CASES: list[tuple[str, str, frozenset[str]]] = [
    ("", "en", ALL_LANGUAGES),
    ("*** 🙂 ***", "en", ALL_LANGUAGES),
    ("word " * 30, "en", ALL_LANGUAGES),
    ("Hello.", "tlh", ALL_LANGUAGES),
    ("Hello.", "pt_BR", frozenset({"en"})),
    ("Hello.", "fr", frozenset({"en", "de"})),
    ("Once upon a time. Жили-были дед да баба. Они жили у моря.", "en", ALL_LANGUAGES),
    ("Once upon a time. Жили-были дед да баба. Они жили у моря.", "en", frozenset({"en"})),
    ("Once upon a time, there was an old monk called Владимир.", "en", ALL_LANGUAGES),
    ("Thai สวัสดี ครับ ผม ชื่อ", "en", ALL_LANGUAGES),
]
FOREIGN = {
    "Latin": "Once upon a time.",
    "Han": "老和尚住在山上。",
    "Cyrillic": "Жили-были дед да баба.",
}
TEXT_CASES += [  # every language, given a story in a script it does not read
    (next(t for script, t in FOREIGN.items() if script not in scripts), language, ALL_LANGUAGES)
    for language, scripts in sorted(SCRIPTS_BY_LANGUAGE.items())
]


@pytest.mark.parametrize(("text", "language", "languages"), TEXT_CASES, ids=str)
def test_every_text_refusal_is_plain(text: str, language: str, languages: frozenset[str]) -> None:
    error = raised(
        lambda: prepare_text(text, max_chars=100, language=language, languages=languages)
    )
    assert isinstance(error, InvalidInputError)
    assert_plain(error.message)


def test_a_part_that_cannot_be_narrated_is_named_plainly() -> None:
    chunk = Chunk(3, "The owl's song, over and over.", paragraph_end=True)
    for problems in (["too quiet: -60 dBFS"] * 3, ["too quiet", "too long: 9.1 s"]):
        assert_plain(_generation_failed(chunk, 12, problems).message)


# --- voices ----------------------------------------------------------------------------------

LIMITS = VoiceLimits(1_000_000, 10_000_000, 5.0, 30.0)


def wav(seconds: float, level: float) -> bytes:
    buffer = io.BytesIO()
    t = np.arange(int(seconds * 16_000)) / 16_000
    sf.write(buffer, level * np.sin(2 * np.pi * 220 * t), 16_000, format="WAV")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "action",
    [
        lambda: decode_reference_audio(b"not audio at all", LIMITS),
        lambda: decode_reference_audio(wav(1.0, 0.3), LIMITS),
        lambda: decode_reference_audio(wav(6.0, 0.0), LIMITS),
        lambda: check_id("has space", "user_id"),
        lambda: _check_name("   "),
        lambda: _sample_text(VoiceProfileRequest(user_id="u1", name="n", language="tlh")),
    ],
    ids=["undecodable", "short", "silent", "id", "name", "sample"],
)
def test_every_voice_refusal_is_plain(action: Callable[[], Any]) -> None:
    assert_plain(raised(action).message)


def test_piper_asked_for_a_recorded_voice_says_so_plainly() -> None:
    from worker.engines.base import VoiceSource
    from worker.engines.piper import PiperEngine

    engine = PiperEngine()
    for source in (VoiceSource(storage_key="voices/u1/v.pt"), VoiceSource(voice_id="ghost_1")):
        assert_plain(raised(lambda s=source: engine.prepare_voice(s)).message)


# --- failures the callback API infers --------------------------------------------------------


@pytest.mark.parametrize("status", ["FAILED", "TIMED_OUT", "CANCELLED"])
def test_every_inferred_interruption_is_plain(status: str) -> None:
    error = interruption(status)
    assert error is not None
    assert_plain(error.message)


@pytest.mark.parametrize(
    "exc",
    [
        RunPodStatusError(401),
        RunPodStatusError(429),
        RunPodStatusError(503),
        RunPodConnectError("ConnectError"),
        RunPodResponseError("RunPod answered without a job id"),
    ],
    ids=str,
)
def test_every_submission_failure_is_plain(exc: Exception) -> None:
    assert_plain(submission_error(exc).message)


# --- every message literal given to an error, read from the source -----------------------------


def _error_names() -> set[str]:
    return {cls.__name__ for cls in _classes(TTSError)}


def _message_literals() -> Iterator[tuple[str, int, list[str | None]]]:
    """(file, line, parts) of the first argument of every call to an error class: the text
    parts of a literal or f-string, None for each placeholder."""
    names = _error_names()
    for package in ("shared", "worker", "callback_api"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and node.args):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                if name not in names or path.name == "__main__.py":  # the CLI's own lines
                    continue
                parts = _parts(node.args[0])
                if parts is not None:
                    yield str(path.relative_to(ROOT)), node.lineno, parts


def _parts(node: ast.expr) -> list[str | None] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else None
            for v in node.values
        ]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _parts(node.left), _parts(node.right)
        return None if left is None or right is None else left + right
    return None


LITERALS = list(_message_literals())


def test_the_source_walk_finds_the_messages() -> None:
    assert len(LITERALS) >= 20


@pytest.mark.parametrize(("path", "line", "parts"), LITERALS, ids=lambda v: str(v)[:60])
def test_every_message_literal_is_plain(path: str, line: int, parts: list[str | None]) -> None:
    text = "".join(part or "X" for part in parts)
    if parts[0] is not None:
        assert text[:1].isupper(), (path, line, text)
    if parts[-1] is not None:
        assert text.endswith("."), (path, line, text)
    words = "".join(part or " " for part in parts)
    assert not [token for token in FORBIDDEN if token in words], (path, line, text)
