"""Read along in the reference app, in headless Chromium: the story's text, the sentence being
heard lit, a tapped sentence played from its start, from the live track while the story renders
and from the final one once it is ready.

Against a fixture: the story document (Firestore emulator) is written by the test, the audio is
a WAV of known length and its tracks are written by the test, served as the public bucket is.
The app signs in on the Auth emulator and reads the document as it would the API's.

Against the real worker: `make dev`'s stack (`tools.dev.dev_stack`: Piper under RunPod's local
API, the API, the emulators, the bucket), a story narrated from the app's own Narrate button and
read along while it renders (the live track) and once ready (the final one), as the worker
wrote them.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from google.cloud import firestore
from playwright.sync_api import Browser, Page

from tests.helpers.browser import PLAYER, chromium
from tests.helpers.firestore import FIRESTORE_PROJECT_ID
from tools.auth_emulator import AuthEmulator
from tools.dev import DevStack, dev_stack, frontend_config
from tools.firestore_emulator import FirestoreEmulator
from tools.stack import REPO_ROOT, frontend, storage_files

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

RATE = 24_000
STEP_S, HEARD_S = 0.32, 0.28  # sentence i is heard in [i * STEP_S, i * STEP_S + HEARD_S)
SENTENCES = [
    f"{name} {verb} {place}."
    for name in ("The fox 🦊", "The owl", "A hare", "The wolf")
    for verb, place in (
        ("woke", "in the den"),
        ("ran", "up the hill"),
        ("hid", "under the pine"),
        ("sang", "to the moon"),
        ("slept", "by the stream"),
        ("waited", "until dawn"),
        ("looked", "at the snow"),
        ("listened", "to the wind"),
        ("came", "home at last"),
    )
]
SEEK_TOLERANCE_S = 0.05


def story_text() -> tuple[str, list[tuple[int, int]]]:
    """Four paragraphs of nine sentences, after a title line and with a scene break: text
    outside every sentence. Returns the text and each sentence's span in it (code points)."""
    text, spans = "The night of the snow 🌙\n\n", []
    for i, sentence in enumerate(SENTENCES):
        spans.append((len(text), len(text) + len(sentence)))
        text += sentence
        text += ("\n\n* * *\n\n" if i == 17 else "\n\n") if i % 9 == 8 else " "
    return text, spans


TEXT, SPANS = story_text()
DURATION_S = len(SENTENCES) * STEP_S + 0.5


def track(count: int) -> dict[str, Any]:
    """The read-along track of the first `count` sentences."""
    cues = [
        {
            "index": i,
            "text": SENTENCES[i],
            "char_start": SPANS[i][0],
            "char_end": SPANS[i][1],
            "start": round(i * STEP_S, 3),
            "end": round(i * STEP_S + HEARD_S, 3),
        }
        for i in range(count)
    ]
    return {"version": 1, "duration": DURATION_S, "sentences": cues}


FINAL = track(len(SENTENCES))


POSITIONS = [0.0, 0.1, 0.3, 1.0, 3.2, 5.77, 7.1, 9.6, 11.3, 11.5, 0.65]
"""Seconds: in sentences, between two (0.3, 11.5), and back to the top (the text scrolls)."""


def write_json(path: Path, body: dict[str, Any]) -> None:
    staged = path.with_suffix(".tmp")
    staged.write_text(json.dumps(body, ensure_ascii=False))
    staged.replace(path)  # a reader never sees half a track


@pytest.fixture(scope="module")
def bucket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    root = tmp_path_factory.mktemp("bucket")
    t = np.arange(int(DURATION_S * RATE)) / RATE
    tone = 0.2 * np.sin(2 * np.pi * 220 * t)
    sf.write(root / "story.wav", tone.astype(np.float32), RATE, subtype="PCM_16")
    write_json(root / "timings.json", FINAL)
    with storage_files(root) as base:  # another origin than the page's: CORS is exercised
        yield root, base


@pytest.fixture(scope="module")
def site(firestore_emulator: FirestoreEmulator, auth_emulator: AuthEmulator) -> Iterator[str]:
    config = frontend_config(
        FIRESTORE_PROJECT_ID, firestore_emulator.host_port, auth_emulator.host_port
    )
    with frontend(PLAYER, "http://127.0.0.1:9", config) as base:  # no API: nothing is narrated
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def signed_up(browser: Browser, site: str, email: str) -> tuple[Page, str]:
    """A new user's page (a small window: the text scrolls) and the user's id."""
    page = browser.new_page(viewport={"width": 480, "height": 420})
    page.goto(f"{site}/")
    page.fill("#email", email)
    page.fill("#password", "secret-password")
    page.click("#signin-form button[value=up]")
    page.wait_for_selector("#home:not([hidden])", timeout=20_000)
    uid = page.evaluate("window.appLog.find(e => e.event === 'signed-in').uid")
    return page, uid


def open_story(page: Page, story_id: str) -> None:
    page.click(f"#stories button[data-story-id='{story_id}']")
    page.wait_for_selector("#read-along:not([hidden])")


def wait_for_sentences(page: Page, count: int, timeout_ms: int = 10_000) -> None:
    page.wait_for_function(
        f"document.querySelectorAll('#read-along [data-sentence]').length === {count}",
        timeout=timeout_ms,
    )


LIT = """() => {
    // The lit sentence's position, and whether its first line lies within the text's box and
    // the window (a sentence taller than the box is shown from its start).
    const lit = document.querySelector('#read-along .current');
    if (!lit) return { lit: -1, shown: true };
    const box = document.getElementById('read-along').getBoundingClientRect();
    const at = lit.getClientRects()[0];
    const inBox = at.top >= box.top - 1 && at.bottom <= box.bottom + 1;
    const inWindow = at.top >= -1 && at.bottom <= innerHeight + 1;
    return { lit: Number(lit.dataset.sentence), shown: inBox && inWindow };
}"""


def lit_at(page: Page, t: float) -> dict[str, Any]:
    """Seek to `t` (paused): which sentence is lit once the seek is done, and is it in view."""
    return page.evaluate(
        f"""async (t) => {{
            const audio = document.getElementById('audio');
            audio.pause();
            const once = {{ once: true }};
            const seeked = new Promise((done) => audio.addEventListener('seeked', done, once));
            audio.currentTime = t;
            await seeked;
            return ({LIT})();
        }}""",
        t,
    )


def tap(page: Page, position: int) -> dict[str, Any]:
    """Tap the sentence at `position` (paused): where the seek landed and what was lit then;
    it must play on from there."""
    page.evaluate(
        f"""() => {{
            const audio = document.getElementById('audio');
            audio.pause();
            window.tapped = null;
            const seeked = () => (window.tapped = {{ at: audio.currentTime, ...({LIT})() }});
            audio.addEventListener('seeked', seeked, {{ once: true }});
        }}"""
    )
    page.click(f"#read-along [data-sentence='{position}']")
    page.wait_for_function("window.tapped !== null")
    page.wait_for_function("!document.getElementById('audio').paused")  # it plays on
    page.evaluate("document.getElementById('audio').pause()")
    return page.evaluate("window.tapped")


def heard(cues: list[dict[str, Any]], t: float) -> int:
    """The position of the cue whose [start, end) holds `t`, or -1 (between two, or past)."""
    return next((i for i, c in enumerate(cues) if c["start"] <= t < c["end"]), -1)


def check_positions_and_taps(
    page: Page, cues: list[dict[str, Any]], positions: list[float], taps: list[int]
) -> None:
    """At each position the lit sentence is the cue's that holds it, in view; a tapped sentence
    plays from its start (within 50 ms)."""
    page.wait_for_function("document.getElementById('audio').readyState >= 1", timeout=20_000)
    for t in positions:
        assert lit_at(page, t) == {"lit": heard(cues, t), "shown": True}, t
    for position in taps:
        tapped = tap(page, position)
        assert abs(tapped["at"] - cues[position]["start"]) <= SEEK_TOLERANCE_S, tapped
        assert tapped["lit"] == position, tapped
        assert tapped["shown"], tapped


def scrolls(page: Page) -> bool:
    """The text is longer than its box: keeping the lit sentence in view means something."""
    return page.evaluate(
        "(e => e.scrollHeight > e.clientHeight)(document.getElementById('read-along'))"
    )


def shown_text(page: Page) -> tuple[str, list[str]]:
    return page.evaluate(
        """() => [
            document.getElementById('read-along').textContent,
            [...document.querySelectorAll('#read-along [data-sentence]')].map((s) => s.textContent),
        ]"""
    )


def test_a_ready_story_reads_along_with_its_final_track(
    db: firestore.Client, bucket: tuple[Path, str], site: str, browser: Browser
) -> None:
    _, base = bucket
    page, uid = signed_up(browser, site, "reader@example.com")
    db.collection("stories").document("ready_1").set(
        {
            "userId": uid,
            "title": "The snow",
            "text": TEXT,
            "audioStatus": "ready",
            "audioSubmission": 1,
            "audioUrl": f"{base}/story.wav",
            "audioDuration": DURATION_S,
            "audioTimingsUrl": f"{base}/timings.json",
        }
    )
    open_story(page, "ready_1")
    wait_for_sentences(page, len(SENTENCES))
    whole, sentences = shown_text(page)
    assert whole == TEXT  # nothing lost or added, the title and the scene break included
    assert sentences == [TEXT[a:b] for a, b in SPANS] == SENTENCES  # cut by code points
    assert scrolls(page)
    check_positions_and_taps(page, FINAL["sentences"], POSITIONS, [30, 4, 22])
    page.close()


def test_a_rendering_story_reads_along_with_its_live_track_then_the_final_one(
    db: firestore.Client, bucket: tuple[Path, str], site: str, browser: Browser
) -> None:
    root, base = bucket
    page, uid = signed_up(browser, site, "early@example.com")
    write_json(root / "live.json", track(6))
    story = db.collection("stories").document("live_1")
    story.set(
        {
            "userId": uid,
            "title": "The snow, live",
            "text": TEXT,
            "audioStatus": "processing",
            "audioSubmission": 1,
            "audioProgress": 0.2,
            "audioStreamSegments": 1,
            "audioStreamTimingsUrl": f"{base}/live.json",
        }
    )
    open_story(page, "live_1")
    wait_for_sentences(page, 6)
    assert shown_text(page)[0] == TEXT  # the rest of the text is there, unlit
    assert page.query_selector("#read-along .current") is None  # nothing heard yet

    # The playlist grew: the document says so, and the track is read again at once.
    write_json(root / "live.json", track(12))
    story.update({"audioStreamSegments": 2, "audioProgress": 0.4})
    wait_for_sentences(page, 12)

    # The track grew with no word from the document: it is read again every few seconds.
    write_json(root / "live.json", track(18))
    wait_for_sentences(page, 18)

    story.update(
        {
            "audioStatus": "ready",
            "audioUrl": f"{base}/story.wav",
            "audioDuration": DURATION_S,
            "audioTimingsUrl": f"{base}/timings.json",
            "audioProgress": 1.0,
            "audioStreamSegments": firestore.DELETE_FIELD,
            "audioStreamTimingsUrl": firestore.DELETE_FIELD,
        }
    )
    wait_for_sentences(page, len(SENTENCES))
    loads = page.evaluate("window.appLog.filter(e => e.event === 'timings').map(e => e.url)")
    assert loads[-1] == f"{base}/timings.json"
    assert set(loads[:-1]) == {f"{base}/live.json"}
    check_positions_and_taps(page, FINAL["sentences"], POSITIONS, [30, 4, 22])
    page.close()


# Against the real worker: `make dev`'s stack (Piper under RunPod's local API, the API, the
# emulators, the bucket), a story narrated from the app's own Narrate button.

NARRATION_MS = 300_000
SAMPLE_CHARS = 4_000
"""About 4 minutes of speech in some 50 sentences, a few of them taller than the text's box."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevStack]:
    with dev_stack(tmp_path_factory.mktemp("dev"), quiet=True) as running:
        yield running


def opening_of_the_sample(chars: int) -> str:
    paragraphs, text = (REPO_ROOT / "samples" / "story.txt").read_text().split("\n\n"), ""
    while len(text) < chars:
        text += paragraphs.pop(0) + "\n\n"
    return text


def loaded_track(page: Page) -> tuple[str, list[dict[str, Any]]]:
    """The URL of the track the page shows last, and its sentences as the bucket has them now."""
    return page.evaluate(
        """async () => {
            const url = window.appLog.filter((e) => e.event === 'timings').at(-1).url;
            const track = await (await fetch(url, { cache: 'no-store' })).json();
            return [url, track.sentences];
        }"""
    )


def spread(cues: list[dict[str, Any]], count: int) -> list[float]:
    """Times to look at: inside `count` cues spread over `cues` (near a start and mid-way),
    and in the pauses between cues that have one."""
    picked = [cues[round(i * (len(cues) - 1) / (count - 1))] for i in range(count)]
    times = [t for c in picked for t in (c["start"] + 0.02, (c["start"] + c["end"]) / 2)]
    pauses = [(a["end"] + b["start"]) / 2 for a, b in itertools.pairwise(cues)]
    return times + [t for t in pauses if heard(cues, t) == -1][:3]


def narrated(page: Page, title: str, text: str) -> None:
    """A new story, narrated from the app's Narrate button."""
    page.fill("#title", title)
    page.fill("#text", text)
    page.click("#new-story button[type=submit]")
    page.wait_for_selector("#screen[data-screen=idle]")
    assert shown_text(page) == [text, []]  # the text before any narration, plain
    page.click("#narrate")


def test_the_workers_story_reads_along_while_it_renders_and_once_ready(
    stack: DevStack, browser: Browser
) -> None:
    page, _ = signed_up(browser, stack.frontend_url, "piper@example.com")
    text = opening_of_the_sample(SAMPLE_CHARS)
    narrated(page, "The lighthouse", text)

    # While it renders: the live track, read along in what the stream holds so far.
    page.wait_for_function(
        "window.appLog.some(e => e.event === 'timings' && e.sentences >= 4)", timeout=NARRATION_MS
    )
    page.wait_for_function(
        "(a => a.buffered.length && a.buffered.end(0) > 15)(document.getElementById('audio'))",
        timeout=60_000,
    )
    live_url, live = loaded_track(page)
    shown = shown_text(page)[1]
    assert shown == [text[c["char_start"] : c["char_end"]] for c in live][: len(shown)]
    buffered = page.evaluate("document.getElementById('audio').buffered.end(0)")
    playable = [c for c in live[: len(shown)] if c["end"] <= buffered]
    check_positions_and_taps(page, live, spread(playable, 3), [len(playable) - 1, 0])
    assert page.get_attribute("#screen", "data-screen") == "listening"  # still rendering

    # Once ready, opened again: the final file, read along with the final track.
    page.wait_for_selector("#screen[data-screen=ready]", timeout=NARRATION_MS)
    page.click("#back")
    loads = page.evaluate("window.appLog.filter(e => e.event === 'timings').length")
    page.click("#stories button:has-text('The lighthouse')")
    page.wait_for_selector("#screen[data-screen=ready]")
    page.wait_for_function(
        "window.appLog.some(e => e.event === 'playing' && e.source === 'file')", timeout=20_000
    )
    page.wait_for_function(
        f"window.appLog.filter(e => e.event === 'timings').length > {loads}", timeout=20_000
    )
    url, final = loaded_track(page)
    assert url != live_url
    # The live track's times are the final file's: one track serves the stream and the file.
    for heard_live, heard_final in zip(live, final, strict=False):
        assert heard_live["char_start"] == heard_final["char_start"]
        assert abs(heard_live["start"] - heard_final["start"]) <= 0.001, (heard_live, heard_final)
    whole, sentences = shown_text(page)
    assert whole == text
    assert sentences == [text[c["char_start"] : c["char_end"]] for c in final]
    assert scrolls(page)
    check_positions_and_taps(page, final, spread(final, 6), [len(final) // 2, len(final) - 1, 3])
    page.close()
