"""The constrained types every boundary shares: one rule each, the same everywhere."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from shared.types import (
    LanguageTag,
    SafeId,
    StorageKey,
    StoryId,
    VoiceName,
    normalize_language,
)


@pytest.mark.parametrize(
    ("type_", "good", "bad"),
    [
        (SafeId, ["user_1", "A-b_9", "x" * 128], ["", "a/b", "a.b", "x" * 129, "voice id"]),
        (StoryId, ["story123", "s"], ["__x__", "a/b", ""]),
        (StorageKey, ["voices/u/v.pt", "a/b-c_d.wav"], ["/abs", "a//b", "a/../b", "./a", "a b"]),
        (LanguageTag, ["en", "en-US", "pt_BR", "yue"], ["e", "english", "en-", "12"]),
        (VoiceName, ["Grandma", "x" * 100], ["", "x" * 101]),
    ],
    ids=["safe-id", "story-id", "storage-key", "language-tag", "voice-name"],
)
def test_each_type_accepts_its_values_and_refuses_the_rest(type_, good, bad) -> None:
    adapter = TypeAdapter(type_)
    for value in good:
        assert adapter.validate_python(value) == value
    for value in bad:
        with pytest.raises(ValidationError):
            adapter.validate_python(value)


def test_language_tags_reduce_to_their_primary_language() -> None:
    assert [normalize_language(t) for t in ("en-US", "EN_gb", " fr ", "zh")] == [
        "en",
        "en",
        "fr",
        "zh",
    ]
