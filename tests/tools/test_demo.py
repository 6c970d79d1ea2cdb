"""`make demo` for real (a short story, its own output directory): a good run prints no
traceback, ends by saying how to keep the servers up, and says so when an earlier run's
chunks made the narration a no-op; `--fresh` narrates again."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tools.stack import REPO_ROOT

pytestmark = pytest.mark.slow

STORY = (
    "The lighthouse keeper climbed the stairs at dusk. The lamp was cold, and the sea was "
    "grey and quiet below.\n\nShe struck a match and waited for the flame to catch."
)


def demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    story = tmp_path / "story.txt"
    story.write_text(STORY)
    command = [sys.executable, "-m", "tools.demo", "--text-file", str(story)]
    return subprocess.run(
        [*command, "--out", str(tmp_path / "out"), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def after_the_job(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    return lines[next(i for i, line in enumerate(lines) if line.startswith("RunPod job")) :]


def test_a_good_run_is_clean_and_a_rerun_says_it_reused_every_chunk(tmp_path: Path) -> None:
    runs = [demo(tmp_path), demo(tmp_path), demo(tmp_path, "--fresh")]
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Traceback" not in run.stdout + run.stderr
        assert run.stderr == ""
        closing = after_the_job(run.stdout)
        assert closing[0].startswith("RunPod job COMPLETED")
        assert closing[-1].startswith("servers stopped")
        assert "DEMO_KEEP_SERVING=true make demo" in closing[-1]
        assert not any(re.search(r"https?://", line) for line in closing[:-1])  # dead by then
    first, again, fresh = (after_the_job(run.stdout) for run in runs)
    assert not any(line.startswith("note:") for line in first + fresh)
    note = next(line for line in again if line.startswith("note:"))
    assert re.match(r"note: all \d+ chunks were reused from an earlier run's checkpoints", note)
    assert str(tmp_path / "out" / "storage" / "chunks") in note
    assert "DEMO_FRESH=true make demo" in note
