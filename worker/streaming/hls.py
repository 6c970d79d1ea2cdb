"""Packed-audio HLS: a story's MP3 frames cut into segments, and the playlist that lists them.

Segments are cut from one continuous encoder by frame count, so the frames of all segments
joined are the frames of the final file: no encoder restarts, no silence at a join. Each
segment opens with the ID3 tag that packed audio requires, giving the 90 kHz timestamp of its
first sample (RFC 8216, section 3.4).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from worker.bucket import segment_name

TIMESTAMP_OWNER = b"com.apple.streaming.transportStreamTimestamp"
MPEG_CLOCK_HZ = 90_000
TARGET_SEGMENT_S = 6
"""hls.js re-reads a live playlist about once per target duration: short, uniform segments."""
ENCODER_DELAY = 576
DECODER_DELAY = 529
"""Samples a decoder emits before the first input sample (LAME's delay, then the decoder's)."""
CONTENT_TYPE = "audio/mpeg"
PLAYLIST_CONTENT_TYPE = "application/vnd.apple.mpegurl"


def _synchsafe(size: int) -> bytes:
    return bytes((size >> shift) & 0x7F for shift in (21, 14, 7, 0))


def id3_timestamp(pts: int) -> bytes:
    """An ID3v2.4 tag holding one PRIV frame: `pts` as the 33-bit MPEG-2 timestamp."""
    body = TIMESTAMP_OWNER + b"\x00" + (pts % 2**33).to_bytes(8, "big")
    frame = b"PRIV" + _synchsafe(len(body)) + b"\x00\x00" + body
    return b"ID3\x04\x00\x00" + _synchsafe(len(frame)) + frame


@dataclass(frozen=True)
class Segment:
    index: int
    first_frame: int
    frames: int
    duration_s: float
    data: bytes
    """The ID3 timestamp tag, then whole MP3 frames."""


class SegmentCutter:
    """A `FrameSink` that hands `on_segment` a segment every `target_s` of frames, and the
    rest when the story ends; it never raises into the encoder that feeds it."""

    def __init__(
        self, on_segment: Callable[[Segment], None], target_s: float = TARGET_SEGMENT_S
    ) -> None:
        self._on_segment = on_segment
        self._target_s = target_s
        self._rate = 0
        self._frame_samples = 0
        self.frames_per_segment = 0
        self._pending: list[bytes] = []
        self._cut = 0  # frames already in segments
        self._count = 0

    def open(self, sample_rate: int, frame_samples: int) -> None:
        self._rate, self._frame_samples = sample_rate, frame_samples
        self.frames_per_segment = max(1, int(self._target_s * sample_rate // frame_samples))

    def add(self, frames: list[bytes]) -> None:
        self._pending.extend(frames)
        while len(self._pending) >= self.frames_per_segment:
            self._emit(self.frames_per_segment)

    def close(self, samples: int, audible: int) -> None:
        """The last segment, as long as the final file where that loses only silence.

        A player plays every frame, the encoder's and decoder's delay (`ENCODER_DELAY +
        DECODER_DELAY` samples) included, where the final file's LAME tag skips it. So the
        stream keeps the frames that span the story's length and drops the rest (LAME's
        padding, and that much of the story's closing silence), never a frame with sound.
        """
        delay = ENCODER_DELAY + DECODER_DELAY
        spanning = round(samples / self._frame_samples)
        sounding = math.ceil((delay + audible) / self._frame_samples) if audible else 0
        del self._pending[max(0, max(spanning, sounding) - self._cut) :]
        if self._pending:
            self._emit(len(self._pending))

    def _emit(self, count: int) -> None:
        frames, self._pending = self._pending[:count], self._pending[count:]
        pts = round(self._cut * self._frame_samples * MPEG_CLOCK_HZ / self._rate)
        segment = Segment(
            index=self._count,
            first_frame=self._cut,
            frames=count,
            duration_s=count * self._frame_samples / self._rate,
            data=id3_timestamp(pts) + b"".join(frames),
        )
        self._cut += count
        self._count += 1
        self._on_segment(segment)


def playlist(segments: Sequence[Segment], *, ended: bool) -> str:
    """An EVENT playlist: segments are only ever added, and `#EXT-X-ENDLIST` closes it."""
    longest = max((s.duration_s for s in segments), default=TARGET_SEGMENT_S)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{max(TARGET_SEGMENT_S, round(longest))}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:EVENT",
    ]
    for segment in segments:
        lines += [f"#EXTINF:{segment.duration_s:.5f},", segment_name(segment.index)]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
