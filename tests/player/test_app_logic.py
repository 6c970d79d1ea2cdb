"""The reference app's pure logic (player/src/screen.js: the status → screen table and the
Idempotency-Key per attempt; player/src/read-along.js: the track to follow, the sentence heard
at a time, the text cut by the track's spans), by its node tests (tests/player/*.test.mjs,
`node --test`)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def test_the_apps_screens_and_attempt_keys() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: install Node.js (make player needs it too)", pytrace=False)
    tests = sorted(str(path) for path in HERE.glob("*.test.mjs"))
    run = subprocess.run(
        [node, "--test", *tests], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# fail 0" in run.stdout
