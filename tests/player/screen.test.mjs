// The app's pure logic: which screen a story shows, and the Idempotency-Key of an attempt.
import assert from "node:assert/strict";
import { test } from "node:test";
import { attemptKey, screenFor } from "../../player/src/screen.js";

const idle = { source: null };
const streaming = { source: "stream" };

test("each status has its screen", () => {
  assert.equal(screenFor({}, idle).name, "idle");
  assert.equal(screenFor(null, idle).name, "idle");
  assert.deepEqual(screenFor({ audioStatus: "pending" }, idle), { name: "pending", text: "Queued…" });
  assert.equal(screenFor({ audioStatus: "ready" }, streaming).name, "ready");
});

test("processing shows the progress, and listening once the stream plays", () => {
  const story = { audioStatus: "processing", audioProgress: 0.426 };
  assert.deepEqual(screenFor(story, idle), { name: "processing", progress: 43, text: "Narrating… 43%" });
  const listening = screenFor(story, streaming);
  assert.equal(listening.name, "listening");
  assert.equal(listening.text, "Narrating… 43% You can listen already.");
  assert.equal(screenFor({ audioStatus: "processing" }, idle).progress, null);
});

test("failed shows the story's own error, or a general one", () => {
  const failed = screenFor({ audioStatus: "failed", audioError: "The voice was not found." }, idle);
  assert.deepEqual(failed, { name: "failed", text: "The voice was not found." });
  assert.equal(screenFor({ audioStatus: "failed" }, idle).text, "The narration failed.");
});

test("clicks on one state of one submission share a key; the next attempt gets another", () => {
  const failed = { audioStatus: "failed", audioSubmission: 3 };
  assert.equal(attemptKey("s1", failed), attemptKey("s1", { ...failed }));
  assert.equal(attemptKey("s1", failed), "s1.3.failed");
  assert.notEqual(attemptKey("s1", failed), attemptKey("s1", { ...failed, audioSubmission: 4 }));
  assert.notEqual(attemptKey("s1", failed), attemptKey("s2", failed));
  assert.equal(attemptKey("s1", {}), "s1.0.new");
  assert.equal(attemptKey("s1", null), "s1.0.new");
});
