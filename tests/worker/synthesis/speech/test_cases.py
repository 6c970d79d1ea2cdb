"""Every language's case table: each written sentence is read exactly as a native reader says
it (`cases.py` explains the tables)."""

from __future__ import annotations

import pytest

from tests.worker.synthesis.speech.cases import Case, all_cases, cases
from worker.synthesis.speech import to_speech
from worker.synthesis.text import normalize_text

MINIMUM_CASES = {"en": 60, **dict.fromkeys(("de", "fr", "es", "it", "pt", "ru", "nl", "pl"), 25)}


@pytest.mark.parametrize("case", all_cases(), ids=lambda case: case.id)
def test_read_as_a_native_reader_says_it(case: Case) -> None:
    assert to_speech(normalize_text(case.written), case.language) == case.spoken


@pytest.mark.parametrize(("language", "minimum"), sorted(MINIMUM_CASES.items()))
def test_each_language_has_its_table(language: str, minimum: int) -> None:
    assert len(cases(language)) >= minimum
