import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from shared.errors import TextEmptyError
from tests.helpers import chatterbox_standin as standin
from worker import __main__ as cli

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


def synth(story: Path, out: Path, engine: str, *options: str) -> subprocess.CompletedProcess[str]:
    """`python -m worker synth`: the story in `story` narrated by `engine` into `out`."""
    return run_cli(
        "synth", "--text-file", str(story), "--out", str(out), "--engine", engine, *options
    )


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "rate"), [(".mp3", 22_050), (".ogg", 24_000)])
def test_synth_writes_the_audio_file(tmp_path, suffix: str, rate: int) -> None:
    story = tmp_path / "story.txt"
    story.write_text("The fox ran home. It was late, and the moon was bright.\n")
    out = tmp_path / "nested" / f"story{suffix}"
    done = synth(story, out, "piper")
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
    done = synth(story, out, "piper")
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [f"error: text_empty: {TextEmptyError.default_message}"]
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


def test_an_engine_that_cannot_run_here_names_the_cause_not_try_again_later(tmp_path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("The fox ran home.\n")
    out = tmp_path / "story.mp3"
    done = synth(story, out, "chatterbox")
    assert done.returncode == 2
    assert done.stderr.startswith(  # the name of the first package the import missed follows
        "error: model_unavailable: the chatterbox engine is not installed in this image ("
    )
    assert len(done.stderr.splitlines()) == 1
    assert not out.exists()


def test_chatterbox_without_cuda_says_so(tmp_path, monkeypatch, capsys) -> None:
    """Chatterbox installed (the stand-in of the pinned release) on a machine without CUDA."""
    monkeypatch.setattr(
        cli,
        "load_engine",
        lambda name: standin.build_engine(tmp_path, runtime=standin.Runtime(cuda=False)),
    )
    story = tmp_path / "story.txt"
    story.write_text("The fox ran home.\n")
    argv = ["synth", "--text-file", str(story), "--out", str(tmp_path / "story.mp3")]
    assert cli.main([*argv, "--engine", "chatterbox"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: model_unavailable: CHATTERBOX_DEVICE=auto but no CUDA device")
    assert "try again" not in error.lower()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"Aelith": 1}', "Aelith: Input should be a valid string."),
        ('["Aelith"]', "Input should be an object."),
        ("{Aelith", "Invalid JSON"),
    ],
)
@pytest.mark.parametrize("command", ["speech", "synth"])
def test_a_bad_pronunciations_file_names_the_file_and_what_is_wrong(
    tmp_path, command: str, content: str, problem: str
) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Aelith laughed.\n")
    names = tmp_path / "names.json"
    names.write_text(content)
    out = ["--out", str(tmp_path / "story.mp3"), "--engine", "piper"] if command == "synth" else []
    done = run_cli(command, "--text-file", str(story), "--pronunciations", str(names), *out)
    assert done.returncode == 2
    prefix = (
        "error: invalid_input: The pronunciations file names.json must be a JSON object of "
        "words and how to say them: "
    )
    assert done.stderr.startswith(prefix)
    assert problem in done.stderr
    assert "ValidationError" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.json", "story.txt"]


def test_a_missing_pronunciations_file_is_named(tmp_path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Aelith laughed.\n")
    done = run_cli("speech", "--text-file", str(story), "--pronunciations", "nope.json")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "error: invalid_input: Cannot read the pronunciations file nope.json: "
        "No such file or directory."
    )


@pytest.mark.slow
def test_synth_says_the_pronunciations_given(tmp_path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Aelith laughed.\n")
    names = tmp_path / "names.json"
    names.write_text('{"Aelith": "the lighthouse keeper of the northern island"}')
    plain, spelled = tmp_path / "plain.ogg", tmp_path / "spelled.ogg"
    common = ["--text-file", str(story), "--engine", "piper", "--language", "en"]
    assert run_cli("synth", *common, "--out", str(plain)).returncode == 0
    done = run_cli("synth", *common, "--out", str(spelled), "--pronunciations", str(names))
    assert done.returncode == 0, done.stderr
    assert sf.info(spelled).duration > sf.info(plain).duration + 1.0


def test_synth_refuses_a_language_the_engine_cannot_speak(tmp_path) -> None:
    story = tmp_path / "story.txt"
    story.write_text("Le renard est rentré.\n")
    out = tmp_path / "story.mp3"
    done = synth(story, out, "piper", "--language", "fr")
    assert done.returncode == 2
    assert done.stderr.startswith("error: unsupported_language:")
    assert not out.exists()
