"""Assembly and encoding, each on a thread of its own behind a bounded queue.

    generation (caller) ──chunks──► assembly thread ──blocks──► encoding thread ──► file

Both stages release the GIL for most of their work (numpy/scipy, LAME, libsndfile), so on a
GPU worker they run beside generation and beside each other. The first error of either stage
is raised to the caller at its next `add`, or at `close`.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

from shared.errors import AudioProcessingError, TTSError
from worker.config import SynthesisSettings
from worker.engines.base import Samples
from worker.synthesis.assembly import Assembler
from worker.synthesis.encoding import FrameSink, StreamEncoder
from worker.synthesis.timings import Landing

_END = object()
_POLL_S = 0.5


class _Stage(threading.Thread):
    """Applies `handle` to each queued item, then `finish`, then always `then`.

    After its first error a stage drops what is still queued, so no feeder blocks forever.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[Any], None],
        finish: Callable[[], None],
        depth: int,
        then: Callable[[], None] = lambda: None,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.inbox: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self.error: BaseException | None = None
        self.busy_s = 0.0
        self._handle, self._finish, self._then = handle, finish, then

    def run(self) -> None:
        try:
            while (item := self.inbox.get()) is not _END:
                if self.error is None:
                    self._guarded(self._handle, item)
            if self.error is None:
                self._guarded(self._finish)
        finally:
            self._then()

    def _guarded(self, action: Callable[..., None], *args: Any) -> None:
        started = time.perf_counter()
        try:
            action(*args)
        except BaseException as exc:  # handed to the caller, which raises it
            self.error = exc
        self.busy_s += time.perf_counter() - started

    def put(self, item: Any, failed: Callable[[], BaseException | None]) -> float:
        """Queue `item`, waiting while the stage is busy; returns the seconds waited.

        Raises the pipeline's error instead of waiting on a stage that has given up.
        """
        started = time.perf_counter()
        while True:
            error = failed()
            if error is not None:
                raise _as_audio_error(error)
            try:
                self.inbox.put(item, timeout=_POLL_S)
                return time.perf_counter() - started
            except queue.Full:
                continue


class AudioWriter:
    """Streams cleaned, joined chunks into an encoded file; `add` chunks, then `close`."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        sample_rate: int,
        settings: SynthesisSettings,
        queue_chunks: int | None = None,
        live: FrameSink | None = None,
    ) -> None:
        """`queue_chunks` (default `PIPELINE_QUEUE_CHUNKS`): chunks waiting for assembly;
        `live`: takes the story's MP3 frames as they are encoded."""
        depth = queue_chunks or settings.pipeline_queue_chunks
        self.encoder = StreamEncoder.from_settings(path, fmt, sample_rate, settings, live)
        self.assembler = Assembler.from_settings(sample_rate, settings)
        self._blocked_s = 0.0
        self._encoding = _Stage(
            "encoding",
            self.encoder.write,
            self.encoder.close,
            depth=4 * depth,
            then=self._release_after_error,
        )
        self._assembly = _Stage(
            "assembly",
            lambda item: self._emit(self.assembler.add(*item)),
            lambda: self._emit(self.assembler.finish()),
            depth=depth,
            then=lambda: self._encoding.inbox.put(_END),
        )
        self._encoding.start()
        self._assembly.start()

    @property
    def sample_rate(self) -> int:
        return self.encoder.sample_rate

    @property
    def duration_s(self) -> float:
        return self.encoder.duration_s

    @property
    def landings(self) -> list[Landing]:
        """Where each chunk added landed in the story; complete once `close` returns."""
        return self.assembler.landings

    @property
    def assembly_s(self) -> float:
        return self._assembly.busy_s - self._blocked_s

    @property
    def encoding_s(self) -> float:
        return self._encoding.busy_s

    def add(self, samples: Samples, pause_after_s: float) -> None:
        self._assembly.put((samples, pause_after_s), self._error)

    def close(self) -> None:
        """Flush everything and finish the file; raises the first error of either stage."""
        self._assembly.inbox.put(_END)
        self._assembly.join()
        self._encoding.join()
        error = self._error()
        if error is not None:
            raise _as_audio_error(error)

    def _emit(self, blocks: Any) -> None:
        for block in blocks:
            self._blocked_s += self._encoding.put(block, lambda: self._encoding.error)

    def _release_after_error(self) -> None:
        if self._encoding.error is not None:
            with suppress(Exception):
                self.encoder.close()

    def _error(self) -> BaseException | None:
        return self._assembly.error or self._encoding.error


def _as_audio_error(exc: BaseException) -> TTSError:
    if isinstance(exc, TTSError):
        return exc
    return AudioProcessingError(details=f"audio processing failed: {type(exc).__name__}: {exc}")
