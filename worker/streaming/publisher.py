"""One job's live stream: segments uploaded in order as they are cut, the playlist after them.

Publishing runs on a thread of its own and never costs the job: `offer` only appends, a
failed upload is tried again, further apart each time (new segments do not cut the wait
short), until the job ends, and what is still unpublished then is counted, not raised. A
playlist never lists a segment that is not stored yet, and is re-uploaded once per batch of
new segments, closed with `#EXT-X-ENDLIST` at the end. A live read-along track, if given, is
rewritten just before each playlist, listing only what the stored segments hold; a track that
fails is dropped, never the stream. Closing costs the job `flush_s` plus
`CLOSE_MARGIN_S` at most, however slow the store is.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from worker.bucket import (
    IMMUTABLE_CACHE,
    NO_CACHE,
    PLAYLIST_NAME,
    TRACK_NAME,
    segment_name,
    stream_key,
)
from worker.streaming.hls import CONTENT_TYPE, PLAYLIST_CONTENT_TYPE, Segment, playlist

logger = logging.getLogger(__name__)
TRACK_CONTENT_TYPE = "application/json"
ANNOUNCE_AT_SEGMENTS = 2
"""hls.js re-reads a playlist about one segment late: announced with one segment, the player
would run dry at the end of it."""
_BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0)
"""Waits before each retry after failures in a row: a failing store is asked about once per
8 s at most, however fast segments are cut."""
CLOSE_MARGIN_S = 1.0
"""How long past the flush's deadline `close` waits for the publishing thread: enough for a
thread between uploads to notice the deadline; an upload still under way then is left behind
(the store's own retries can take minutes, which the job's grace period has no room for)."""


class _FlushOver(Exception):
    """The flush's time is up: no new upload starts."""


class StreamStore(Protocol):
    """The part of the worker's object store that the stream uses."""

    def put_bytes(
        self,
        key: str,
        data: bytes,
        content_type: str,
        metadata: dict[str, str],
        *,
        cache_control: str | None = None,
    ) -> object: ...

    def url_for(self, key: str) -> str: ...


class LiveTrackSource(Protocol):
    """The live read-along track (`worker.synthesis.live_track.LiveTrack`)."""

    def prepare(self) -> None: ...

    def snapshot(self, heard_s: float) -> bytes: ...


@dataclass(frozen=True)
class StreamState:
    """What the story document says of the stream: where it is, how many segments it has."""

    url: str
    segments: int
    timings_url: str | None = None
    """The live read-along track, while it is published beside the playlist."""


@dataclass(frozen=True)
class StreamStats:
    url: str | None
    """The playlist, once announced (it held `ANNOUNCE_AT_SEGMENTS` segments, or the story)."""
    segments: int
    unpublished: int
    """Segments cut but never stored (storage failed until the job ended)."""
    failures: int
    first_segment_s: float | None
    """Seconds from the publisher's start until its first segment was playable."""
    ended: bool
    """Whether the stored playlist is closed (`#EXT-X-ENDLIST`)."""


class StreamPublisher:
    """Publishes the segments a `SegmentCutter` hands it under `prefix`; `close` ends it."""

    def __init__(
        self,
        store: StreamStore,
        prefix: str,
        on_update: Callable[[StreamState], None],
        *,
        flush_s: float,
        track: LiveTrackSource | None = None,
    ) -> None:
        """`track`: the live read-along track, stored as `timings.json` with each playlist."""
        self._store = store
        self._track = track
        self._track_stored = False
        self._prefix = prefix
        self._on_update = on_update
        self._flush_s = flush_s
        self._started = time.monotonic()
        self._cut: list[Segment] = []
        self._published = 0
        self._failures = 0
        self._first_segment_s: float | None = None
        self._ending = threading.Event()
        self._deadline = float("inf")
        """No upload starts after it: `flush_s` after `close`."""
        self._ended = False
        self._announced = False
        self._closed = False
        """Set when `close` returns: nothing is announced after it."""
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="stream", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self._store.url_for(stream_key(self._prefix, PLAYLIST_NAME))

    @property
    def timings_url(self) -> str | None:
        """The live track, once stored, and as long as it is kept up."""
        if self._track is None or not self._track_stored:
            return None
        return self._store.url_for(stream_key(self._prefix, TRACK_NAME))

    def offer(self, segment: Segment) -> None:
        """Queue a segment for publishing; never waits, never raises."""
        with self._wake:
            self._cut.append(segment)
            self._wake.notify()

    def close(self) -> StreamStats:
        """Publish what is left and close the playlist: uploads start for up to `flush_s`,
        and `close` returns once the publishing thread has ended, or `CLOSE_MARGIN_S` after
        that at the latest. Nothing is announced after it returns; an upload still under way
        then may yet store its object, but what it stored is not counted, nor announced."""
        with self._wake:
            self._deadline = time.monotonic() + self._flush_s
            self._ending.set()
            self._wake.notify()
        self._thread.join(timeout=self._deadline + CLOSE_MARGIN_S - time.monotonic())
        with self._wake:  # the thread announces under this lock: after it, never again
            self._closed = True
            return StreamStats(
                url=self.url if self._announced else None,
                segments=self._published,
                unpublished=len(self._cut) - self._published,
                failures=self._failures,
                first_segment_s=self._first_segment_s,
                ended=self._ended,
            )

    def _run(self) -> None:
        failures_in_a_row = 0
        self._guard_track(lambda track: track.prepare())  # before the first segment is cut
        while not self._ended and self._wait_for_work(failures_in_a_row):
            if self._publish_round():
                failures_in_a_row = 0
            else:
                failures_in_a_row += 1

    def _wait_for_work(self, failures_in_a_row: int) -> bool:
        """Wait for segments to publish, or the end; after failures, first for the backoff,
        which new segments do not cut short. False once the flush's time is up."""
        with self._wake:
            if failures_in_a_row:
                backoff = _BACKOFF_S[min(failures_in_a_row, len(_BACKOFF_S)) - 1]
                retry_at = time.monotonic() + backoff
                while (left := min(retry_at, self._deadline) - time.monotonic()) > 0:
                    self._wake.wait(left)
            while len(self._cut) == self._published and not self._ending.is_set():
                self._wake.wait()
            return time.monotonic() < self._deadline

    def _publish_round(self) -> bool:
        """Store every segment not yet stored, in order, then the playlist that lists them.
        False when storage failed (the round is tried again)."""
        with self._wake:
            waiting = self._cut[self._published :]
            ending = self._ending.is_set()  # nothing is cut after the job's end
        try:
            for segment in waiting:
                self._put(segment_name(segment.index), segment.data, CONTENT_TYPE, IMMUTABLE_CACHE)
                with self._wake:
                    if self._closed:  # stored after `close` counted it unpublished
                        return False
                    self._published += 1
            self._put_playlist(ended=ending)
        except _FlushOver:
            return False
        except Exception as exc:
            logger.warning("stream upload failed", extra={"cause": type(exc).__name__})
            self._failures += 1
            return False
        return True

    def _put_playlist(self, *, ended: bool) -> None:
        if not self._published:  # nothing to listen to, nothing to announce
            self._ended = ended
            return
        published = self._cut[: self._published]
        self._put_track(sum(segment.duration_s for segment in published))
        text = playlist(published, ended=ended)
        self._put(PLAYLIST_NAME, text.encode(), PLAYLIST_CONTENT_TYPE, NO_CACHE)
        with self._wake:
            if self._closed:  # `close` has returned its stats: this upload came too late
                return
            if self._first_segment_s is None and published:
                self._first_segment_s = time.monotonic() - self._started
            self._ended = ended
            if self._published >= ANNOUNCE_AT_SEGMENTS or (ended and self._published):
                self._announced = True
                state = StreamState(self.url, self._published, self.timings_url)
                self._on_update(state)  # never waits

    def _put_track(self, heard_s: float) -> None:
        """The live track as the stored segments hear it, before the playlist that lists
        them: a listener reads along as far as it can listen."""

        def store(track: LiveTrackSource) -> None:
            self._put(TRACK_NAME, track.snapshot(heard_s), TRACK_CONTENT_TYPE, NO_CACHE)
            self._track_stored = True

        self._guard_track(store)

    def _guard_track(self, action: Callable[[LiveTrackSource], None]) -> None:
        """Run `action` on the track; after any failure, publish no track (the stream goes on)."""
        if self._track is None:
            return
        try:
            action(self._track)
        except _FlushOver:
            raise
        except Exception:
            logger.warning("live read-along track stopped", exc_info=True)
            self._track = None

    def _put(self, name: str, data: bytes, content_type: str, cache_control: str) -> None:
        if time.monotonic() >= self._deadline:
            raise _FlushOver  # an upload started now could outlast `close`
        self._store.put_bytes(
            stream_key(self._prefix, name), data, content_type, {}, cache_control=cache_control
        )
