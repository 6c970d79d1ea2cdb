"""Packed-audio segments cut from the encoder's own pass: whole frames, exact timestamps, and
together exactly the final file's frames, so that nothing is lost or added at a join."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.helpers.fakes import speech_like
from worker.streaming.hls import (
    DECODER_DELAY,
    ENCODER_DELAY,
    MPEG_CLOCK_HZ,
    TIMESTAMP_OWNER,
    Segment,
    SegmentCutter,
    id3_timestamp,
    playlist,
)
from worker.synthesis.encoding import Mp3Frames, StreamEncoder, mpeg_layout

DELAY = ENCODER_DELAY + DECODER_DELAY


def read_id3(data: bytes) -> tuple[int, int]:
    """(the tag's length, its PRIV timestamp), parsed as a player does."""
    assert data[:5] == b"ID3\x04\x00"
    assert data[5] == 0
    size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(data[6:10]))
    frame = data[10 : 10 + size]
    assert frame[:4] == b"PRIV"
    body_size = sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(frame[4:8]))
    body = frame[10 : 10 + body_size]
    owner, _, value = body.partition(b"\x00")
    assert owner == TIMESTAMP_OWNER
    assert len(value) == 8
    return 10 + size, int.from_bytes(value, "big")


def render(
    tmp_path: Path, samples: np.ndarray, rate: int, fmt: str = "mp3", block: int = 3001
) -> tuple[list[Segment], Path, SegmentCutter]:
    segments: list[Segment] = []
    cutter = SegmentCutter(segments.append)
    path = tmp_path / f"story.{fmt}"
    encoder = StreamEncoder(path, fmt, rate, mp3_kbps=112, mp3_quality=7, live=cutter)
    for start in range(0, len(samples), block):
        encoder.write(samples[start : start + block])
    encoder.close()
    return segments, path, cutter


def story(seconds: float, rate: int, *, silent_tail_s: float = 0.25) -> np.ndarray:
    """Speech-like sound, then the closing pause every story ends with."""
    audio = speech_like(seconds, rate, seed=3)
    audio[len(audio) - int(silent_tail_s * rate) :] = 0
    return audio


def tone(seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)


def frames_of(segment: Segment) -> list[bytes]:
    tag, _ = read_id3(segment.data)
    splitter = Mp3Frames()
    frames = splitter.feed(segment.data[tag:])
    assert b"".join(frames) == segment.data[tag:], "a segment holds whole frames only"
    return frames


def test_the_timestamp_tag_is_an_id3v24_priv_frame_with_a_33_bit_pts() -> None:
    assert read_id3(id3_timestamp(0)) == (73, 0)  # 10 + PRIV's 10 + 44 + 1 + 8
    assert read_id3(id3_timestamp(540_000))[1] == 540_000
    assert read_id3(id3_timestamp(2**33 + 5))[1] == 5  # the MPEG-2 clock wraps at 33 bits


@pytest.mark.parametrize("rate", [22_050, 24_000, 44_100])
def test_segments_are_whole_frames_about_six_seconds_with_exact_timestamps(
    tmp_path: Path, rate: int
) -> None:
    segments, _, cutter = render(tmp_path, story(20.0, rate), rate)
    _, frame_samples = mpeg_layout(rate)
    assert cutter.frames_per_segment == int(6 * rate // frame_samples)
    assert [s.index for s in segments] == list(range(len(segments)))
    first = 0
    for segment in segments:
        frames = frames_of(segment)
        assert len(frames) == segment.frames
        assert segment.first_frame == first
        assert read_id3(segment.data)[1] == round(first * frame_samples * MPEG_CLOCK_HZ / rate)
        assert segment.duration_s == pytest.approx(segment.frames * frame_samples / rate)
        first += segment.frames
    assert all(s.frames == cutter.frames_per_segment for s in segments[:-1])
    assert 5.9 < segments[0].duration_s <= 6.0
    assert 0 < segments[-1].frames <= cutter.frames_per_segment


def test_the_segments_joined_are_the_final_files_frames(tmp_path: Path) -> None:
    segments, path, _ = render(tmp_path, story(14.0, 24_000), 24_000)
    final = path.read_bytes()
    info, *music = Mp3Frames().feed(final)  # the LAME info frame, then the music
    streamed = b"".join(b"".join(frames_of(s)) for s in segments)
    assert b"Info" in info
    assert streamed == b"".join(music)[: len(streamed)]


def test_decoding_the_segments_end_to_end_shows_no_gap_at_any_join(tmp_path: Path) -> None:
    rate = 22_050
    segments, path, _ = render(tmp_path, story(19.0, rate), rate, block=1234)
    stream = b"".join(b"".join(frames_of(s)) for s in segments)
    decoded, _ = sf.read(io.BytesIO(stream), dtype="float32")
    final, _ = sf.read(path, dtype="float32")
    assert len(decoded) == sum(s.frames for s in segments) * 576  # no tag: every sample
    shift = DELAY  # what the final file's LAME tag tells a decoder to skip
    aligned = decoded[shift : shift + len(final)]
    common = min(len(aligned), len(final))
    assert common > len(final) - 0.3 * rate  # only the closing silence may be cut
    np.testing.assert_allclose(aligned[:common], final[:common], atol=2e-4)
    joins = np.cumsum([s.frames for s in segments])[:-1] * 576 - shift
    for join in joins:  # sound on both sides of every join, as in the final file
        around = slice(join - 64, join + 64)
        assert np.abs(aligned[around]).max() > 0.01
        np.testing.assert_allclose(aligned[around], final[around], atol=2e-4)


def test_the_stream_lasts_as_long_as_the_final_file_when_the_story_ends_in_silence(
    tmp_path: Path,
) -> None:
    for rate in (22_050, 24_000):
        audio = story(13.3, rate)
        segments, _, _ = render(tmp_path, audio, rate)
        _, frame_samples = mpeg_layout(rate)
        streamed = sum(s.duration_s for s in segments)
        assert abs(streamed - len(audio) / rate) <= frame_samples / 2 / rate  # under 13 ms


def test_no_frame_with_sound_is_dropped_from_the_end(tmp_path: Path) -> None:
    rate = 24_000
    audio = tone(7.0, rate)  # sound to the last sample
    segments, _, _ = render(tmp_path, audio, rate)
    frames = sum(s.frames for s in segments)
    assert frames == math.ceil((DELAY + len(audio)) / 576)


def test_a_wav_story_streams_from_a_second_encoder_at_the_engines_rate(tmp_path: Path) -> None:
    rate = 24_000
    segments, path, _ = render(tmp_path, story(8.0, rate), rate, fmt="wav")
    assert sf.info(path).format == "WAV"
    assert len(segments) == 2
    assert frames_of(segments[0])[0][:2] == b"\xff\xf3"  # MPEG-2 layer III: 24 kHz


def test_the_playlist_is_an_event_playlist_closed_only_at_the_end(tmp_path: Path) -> None:
    segments, _, _ = render(tmp_path, story(15.0, 22_050), 22_050)
    growing = playlist(segments[:2], ended=False)
    lines = growing.splitlines()
    assert lines[:5] == [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        "#EXT-X-TARGETDURATION:6",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:EVENT",
    ]
    assert lines[5:] == ["#EXTINF:5.98204,", "00000.mp3", "#EXTINF:5.98204,", "00001.mp3"]
    closed = playlist(segments, ended=True)
    assert closed.startswith(growing)
    assert closed.endswith("#EXT-X-ENDLIST\n")
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+),", closed)]
    assert all(round(d) <= 6 for d in durations)  # RFC 8216: at most the target, rounded
    assert sum(durations) == pytest.approx(sum(s.duration_s for s in segments), abs=1e-4)
