import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "rate"), [(".mp3", 22_050), (".ogg", 24_000)])
def test_synth_writes_the_audio_file(tmp_path, suffix: str, rate: int) -> None:
    story = tmp_path / "story.txt"
    story.write_text("The fox ran home. It was late, and the moon was bright.\n")
    out = tmp_path / "nested" / f"story{suffix}"
    done = run_cli("synth", "--text-file", str(story), "--out", str(out), "--engine", "piper")
    assert done.returncode == 0, done.stderr
    info = sf.info(out)
    assert info.samplerate == rate
    assert 2 < info.duration < 10
    assert "wrote" in done.stdout
    assert list(out.parent.iterdir()) == [out]


def test_bad_input_gives_one_clear_line_and_a_non_zero_exit(tmp_path) -> None:
    story = tmp_path / "empty.txt"
    story.write_text("   \n\n  ")
    out = tmp_path / "empty.mp3"
    done = run_cli("synth", "--text-file", str(story), "--out", str(out), "--engine", "piper")
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["error: text_empty: The story has no text to read aloud."]
    assert list(tmp_path.iterdir()) == [story]


def test_missing_text_file_is_invalid_input(tmp_path) -> None:
    done = run_cli("synth", "--text-file", str(tmp_path / "nope.txt"), "--out", "x.mp3")
    assert done.returncode == 2
    assert done.stderr.strip() == "error: invalid_input: Cannot read the text file nope.txt."


def test_speech_prints_what_each_chunk_will_say(tmp_path) -> None:
    story = tmp_path / "story.txt"
    story.write_text(
        'Dr. Reyes paid $3.50 at 7:45 pm. Aelith laughed.\n\n* * *\n\n"Twelve," she said. 🙂\n'
    )
    pronunciations = tmp_path / "names.json"
    pronunciations.write_text('{"Aelith": "AY-lith"}')
    done = run_cli("speech", "--text-file", str(story), "--pronunciations", str(pronunciations))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("[1/2] Doctor Reyes paid three dollars and fifty cents at seven")
    assert "AY-lith laughed." in lines[0]
    assert lines[1] == "--- scene break ---"
    assert lines[2] == '[2/2] "Twelve," she said.'


def test_speech_refuses_text_in_a_script_the_language_cannot_read(tmp_path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("كان يا ما كان في قديم الزمان.\n")
    done = run_cli("speech", "--text-file", str(story), "--language", "en")
    assert done.returncode == 2
    assert done.stderr.startswith("error: unsupported_language:")
