"""The fault matrix (`bench/faults.py`) as a test: every story terminal, no callback lost."""

from __future__ import annotations

import pytest

from bench.faults import CASES, report, run_matrix
from tools.firestore_emulator import FirestoreEmulator

pytestmark = pytest.mark.slow


def test_every_fault_ends_its_story_and_loses_nothing(
    firestore_emulator: FirestoreEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    firestore_emulator.reset()
    rows = run_matrix(firestore_emulator)
    with capsys.disabled():
        print("\n" + report(rows))
    assert len(rows) == len(CASES)
    assert sum(row.fault != "none" for row in rows) >= 23
    assert [row.fault for row in rows if not row.terminal] == []
    assert [(row.fault, row.expected, row.final) for row in rows if row.lost] == []
