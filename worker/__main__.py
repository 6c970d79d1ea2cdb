"""Command line: `python -m worker synth|replay-callbacks`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from pydantic import TypeAdapter, ValidationError
from tqdm import tqdm

from shared.errors import (
    InvalidInputError,
    TTSError,
    VoiceProfileError,
    as_tts_error,
)
from shared.types import AUDIO_FORMATS, ENGINE_NAMES, AudioFormat, EngineName, Pronunciations
from worker.bucket import REJECTED_PREFIX
from worker.config import SynthesisSettings, get_settings
from worker.delivery.dead_letters import DeadLetters
from worker.delivery.sender import CallbackSender
from worker.deployment import load_settings
from worker.engines import VoiceSource, load_engine
from worker.engines.base import EngineCapabilities, SynthesisParams
from worker.storage import make_store
from worker.synthesis.encoding import format_for_suffix
from worker.synthesis.scripts import SCRIPTS_BY_LANGUAGE
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult, plan_speech

PRONUNCIATIONS: TypeAdapter[dict[str, str]] = TypeAdapter(Pronunciations)
_AUDIO_FORMAT: TypeAdapter[AudioFormat] = TypeAdapter(AudioFormat)
"""Both the `--format` choices and the suffixes `format_for_suffix` knows are formats."""


def read_text(text_file: Path) -> str:
    try:
        return text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read the text file {text_file.name}.") from exc


def read_pronunciations(path: Path | None) -> dict[str, str] | None:
    """A JSON object of words and how to say them; the error names the file and what is wrong."""
    if path is None:
        return None
    try:
        return PRONUNCIATIONS.validate_json(path.read_bytes())
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidInputError(
            f"Cannot read the pronunciations file {path.name}: {reason}."
        ) from exc
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise InvalidInputError(
            f"The pronunciations file {path.name} must be a JSON object of words and how to say "
            f"them: {f'{where}: ' if where else ''}{first['msg']}."
        ) from exc


def synthesize_file(
    text_file: Path,
    out: Path,
    *,
    fmt: AudioFormat,
    voice_id: str | None,
    engine_name: EngineName,
    settings: SynthesisSettings,
    language: str = "en",
    pronunciations_file: Path | None = None,
) -> SynthesisResult:
    text = read_text(text_file)
    pronunciations = read_pronunciations(pronunciations_file)
    synthesizer = StorySynthesizer(load_engine(engine_name), settings)
    plan = synthesizer.prepare(text, language, fmt, pronunciations)  # refused before any audio
    voice = synthesizer.prepare_voice(VoiceSource(voice_id=voice_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=out.parent, prefix=".narrating-") as partial,
        tqdm(unit="chunk", desc="narrating", file=sys.stderr, leave=False, disable=None) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        params = SynthesisParams(language=language)
        result = synthesizer.render(
            plan, Path(partial), voice=voice, params=params, on_progress=progress
        )
        os.replace(result.path, out)
    return replace(result, path=out)


def print_speech(
    text_file: Path, language: str, pronunciations_file: Path | None, settings: SynthesisSettings
) -> None:
    """What each chunk will say, in order: a story checked before it is narrated. Chunks are
    cut at `CHUNK_MAX_CHARS`; an engine with a lower limit cuts them shorter."""
    text = read_text(text_file)
    pronunciations = read_pronunciations(pronunciations_file)
    preview = EngineCapabilities(
        name="preview",
        version="",
        sample_rate=1,
        max_chunk_chars=settings.chunk_max_chars,
        languages=frozenset(SCRIPTS_BY_LANGUAGE),
        voice_cloning=False,
    )
    chunks = plan_speech(text, language, settings, preview, pronunciations)
    for chunk in chunks:
        print(f"[{chunk.index + 1}/{len(chunks)}] {chunk.speech}")
        if chunk.scene_end:
            print("--- scene break ---")
        elif chunk.paragraph_end:
            print()


def replay_callbacks() -> int:
    """Re-send every callback in the dead letter; exit 1 while some are still undelivered."""
    try:
        _, service = load_settings()
        store = make_store(service)
    except TTSError as error:
        print_error(error)
        return 2
    outcome = DeadLetters(CallbackSender(service, store), store).redeliver(attempts=None)
    print(
        f"replayed {outcome.sent} callbacks; {outcome.left} still undelivered; "
        f"{outcome.rejected} refused for good (moved to {REJECTED_PREFIX})"
    )
    return 1 if outcome.left else 0


def print_error(error: TTSError) -> None:
    """One line on stderr. What to fix in the input is the error's message; for the rest the
    message is the app's sentence for a listener ("try again later"), so the details, which
    name the cause (no CUDA device, a package not installed), are printed instead."""
    listener_can_fix = isinstance(error, InvalidInputError | VoiceProfileError)
    cause = error.message if listener_can_fix or not error.details else error.details
    print(f"error: {error.error_type.value}: {cause}", file=sys.stderr)


def _describe(result: SynthesisResult) -> str:
    t = result.timings
    return (
        f"wrote {result.path} — {result.duration_seconds / 60:.1f} min of {result.format} "
        f"({result.size_bytes / 1e6:.1f} MB), {result.chunk_count} chunks, "
        f"{result.retries} retries, {t.total_s:.1f} s wall (real-time factor "
        f"{result.real_time_factor:.3f}), engine {result.engine} {result.engine_version}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker")
    commands = parser.add_subparsers(dest="command", required=True)
    synth = commands.add_parser("synth", help="narrate a text file into one audio file")
    synth.add_argument("--text-file", type=Path, required=True)
    synth.add_argument("--out", type=Path, required=True)
    synth.add_argument("--format", choices=AUDIO_FORMATS, default=None)
    synth.add_argument("--voice", default=None, help="voice id (engine-specific)")
    synth.add_argument("--engine", choices=ENGINE_NAMES, default=None)
    synth.add_argument("--language", default="en", help="the story's language (ISO 639-1)")
    synth.add_argument("--pronunciations", type=Path, default=None, help="a JSON object file")
    speech = commands.add_parser("speech", help="print what each chunk of a story will say")
    speech.add_argument("--text-file", type=Path, required=True)
    speech.add_argument("--language", default="en")
    speech.add_argument("--pronunciations", type=Path, default=None, help="a JSON object file")
    commands.add_parser("replay-callbacks", help="re-send dead-lettered callbacks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "replay-callbacks":
        return replay_callbacks()
    if args.command == "speech":
        try:
            print_speech(args.text_file, args.language, args.pronunciations, get_settings())
        except TTSError as error:
            print_error(error)
            return 2
        return 0

    settings = get_settings()
    named = args.format or (format_for_suffix(args.out.suffix) if args.out.suffix else None)
    fmt = _AUDIO_FORMAT.validate_python(named) if named else None
    if fmt is None and args.out.suffix:
        parser.error(f"cannot tell the format from {args.out.name}; pass --format")
    try:
        result = synthesize_file(
            args.text_file,
            args.out,
            fmt=fmt or settings.output_format,
            voice_id=args.voice,
            engine_name=args.engine or settings.tts_engine,
            settings=settings,
            language=args.language,
            pronunciations_file=args.pronunciations,
        )
    except Exception as exc:
        print_error(as_tts_error(exc))
        return 2 if isinstance(exc, TTSError) else 1
    print(_describe(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
