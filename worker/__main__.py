"""Command line: `python -m worker synth|replay-callbacks`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from tqdm import tqdm

from shared.errors import InvalidInputError, TTSError, as_tts_error
from shared.types import AUDIO_FORMATS, ENGINE_NAMES, AudioFormat, EngineName
from worker.config import SynthesisSettings, get_settings
from worker.delivery.dead_letters import REJECTED_PREFIX, DeadLetters
from worker.delivery.sender import CallbackSender
from worker.deployment import load_settings
from worker.engines import VoiceSource, load_engine
from worker.storage import make_store
from worker.synthesis.encoding import format_for_suffix
from worker.synthesis.synthesizer import StorySynthesizer, SynthesisResult


def synthesize_file(
    text_file: Path,
    out: Path,
    *,
    fmt: AudioFormat,
    voice_id: str | None,
    engine_name: EngineName,
    settings: SynthesisSettings,
) -> SynthesisResult:
    try:
        text = text_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"Cannot read the text file {text_file.name}.") from exc
    synthesizer = StorySynthesizer(load_engine(engine_name), settings)
    voice = synthesizer.prepare_voice(VoiceSource(voice_id=voice_id))
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=out.parent, prefix=".narrating-") as partial,
        tqdm(unit="chunk", desc="narrating", file=sys.stderr, leave=False, disable=None) as bar,
    ):

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = synthesizer.synthesize(
            text, Path(partial), voice=voice, fmt=fmt, on_progress=progress
        )
        os.replace(result.path, out)
    return replace(result, path=out)


def replay_callbacks() -> int:
    """Re-send every callback in the dead letter; exit 1 while some are still undelivered."""
    try:
        _, service = load_settings()
        store = make_store(service)
    except TTSError as error:
        print(f"error: {error.error_type.value}: {error.details}", file=sys.stderr)
        return 2
    outcome = DeadLetters(CallbackSender(service, store), store).redeliver(attempts=None)
    print(
        f"replayed {outcome.sent} callbacks; {outcome.left} still undelivered; "
        f"{outcome.rejected} refused for good (moved to {REJECTED_PREFIX})"
    )
    return 1 if outcome.left else 0


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
    commands.add_parser("replay-callbacks", help="re-send dead-lettered callbacks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "replay-callbacks":
        return replay_callbacks()

    settings = get_settings()
    fmt = args.format or (format_for_suffix(args.out.suffix) if args.out.suffix else None)
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
        )
    except Exception as exc:
        error = as_tts_error(exc)
        print(f"error: {error.error_type.value}: {error.message}", file=sys.stderr)
        return 2 if isinstance(exc, TTSError) else 1
    print(_describe(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
