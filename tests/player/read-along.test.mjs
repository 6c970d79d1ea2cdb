// Read along's pure logic: which track to follow, which sentence is heard at a time, and the
// text cut by the track's spans.
import assert from "node:assert/strict";
import { test } from "node:test";
import { segmentsOf, sentenceAt, trackUrl } from "../../player/src/read-along.js";

const cue = (start, end, char_start = 0, char_end = 0) => ({ start, end, char_start, char_end });

test("the live track while rendering, the final one once ready, none otherwise", () => {
  const story = { audioStreamTimingsUrl: "live.json", audioTimingsUrl: "final.json" };
  assert.equal(trackUrl({ ...story, audioStatus: "processing" }), "live.json");
  assert.equal(trackUrl({ ...story, audioStatus: "ready" }), "final.json");
  assert.equal(trackUrl({ audioStatus: "processing" }), null);
  assert.equal(trackUrl({ ...story, audioStatus: "failed" }), null);
  assert.equal(trackUrl({ ...story, audioStatus: "pending" }), null);
  assert.equal(trackUrl(null), null);
});

test("the sentence heard is the one whose [start, end) holds the time", () => {
  const sentences = [cue(0, 1.5), cue(1.5, 3), cue(3.2, 4.5), cue(4.5, 6)];
  assert.equal(sentenceAt(sentences, 0), 0);
  assert.equal(sentenceAt(sentences, 1.499), 0);
  assert.equal(sentenceAt(sentences, 1.5), 1); // a start belongs to its own sentence
  assert.equal(sentenceAt(sentences, 3.1), -1); // the pause between two
  assert.equal(sentenceAt(sentences, 3.2), 2);
  assert.equal(sentenceAt(sentences, 5.99), 3);
  assert.equal(sentenceAt(sentences, 6), -1); // past the end
  assert.equal(sentenceAt(sentences, -0.1), -1);
  assert.equal(sentenceAt([], 1), -1);
});

test("a long track is searched right at every sentence", () => {
  const sentences = Array.from({ length: 1001 }, (_, i) => cue(i * 2, i * 2 + 1.9));
  for (const i of [0, 1, 499, 500, 1000]) {
    assert.equal(sentenceAt(sentences, i * 2 + 0.5), i);
    assert.equal(sentenceAt(sentences, i * 2 + 1.95), -1);
  }
});

test("the text is cut by the spans, never re-split; what lies outside them stays plain", () => {
  const text = "Chapter one\n\nThe fox ran. It hid!\n\n* * *\n\nThe end.";
  const spans = [
    cue(0, 1, 13, 25), // "The fox ran."
    cue(1, 2, 26, 33), // "It hid!"
    cue(2, 3, 42, 50), // "The end."
  ];
  const pieces = segmentsOf(text, spans);
  assert.deepEqual(pieces, [
    { text: "Chapter one\n\n", sentence: null },
    { text: "The fox ran.", sentence: 0 },
    { text: " ", sentence: null },
    { text: "It hid!", sentence: 1 },
    { text: "\n\n* * *\n\n", sentence: null },
    { text: "The end.", sentence: 2 },
  ]);
  assert.equal(pieces.map((p) => p.text).join(""), text); // nothing lost, nothing added
});

test("offsets count code points, as the worker's Python does: an emoji is one", () => {
  const text = "🦊 The fox. 狐が走った。End 𝄞.";
  const points = Array.from(text);
  const at = (part) => points.indexOf(part[0]);
  const spans = [cue(0, 1, at("The"), at("The") + 8), cue(1, 2, at("狐"), at("狐") + 6), cue(2, 3, at("End"), points.length)];
  const pieces = segmentsOf(text, spans).filter((p) => p.sentence !== null);
  assert.deepEqual(pieces.map((p) => p.text), ["The fox.", "狐が走った。", "End 𝄞."]);
});

test("no track: the whole text, plain; spans that do not fit the text are left out", () => {
  assert.deepEqual(segmentsOf("Once.", []), [{ text: "Once.", sentence: null }]);
  assert.deepEqual(segmentsOf("", []), []);
  const text = "One. Two. Three.";
  const spans = [cue(0, 1, 0, 4), cue(1, 2, 2, 9), cue(2, 3, 10, 99), cue(3, 4, 10, 16)];
  assert.deepEqual(segmentsOf(text, spans), [
    { text: "One.", sentence: 0 },
    { text: " Two. ", sentence: null }, // overlapping the one before, then past the end
    { text: "Three.", sentence: 3 },
  ]);
});
