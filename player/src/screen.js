// Which of the contract's screens a story shows, from its document and the player's state:
//   no audioStatus → "idle" (Narrate)          pending → "pending" (a spinner)
//   processing → "processing" (progress), or "listening" once the live stream plays
//   ready → "ready" (the player)               failed → "failed" (the error and "Try again")
export function screenFor(story, player) {
  const status = story?.audioStatus ?? null;
  if (status === "pending") return { name: "pending", text: "Queued…" };
  if (status === "processing") {
    const progress = typeof story.audioProgress === "number" ? Math.round(story.audioProgress * 100) : null;
    const shown = progress === null ? "" : ` ${progress}%`;
    if (player.source === "stream") {
      return { name: "listening", progress, text: `Narrating…${shown} You can listen already.` };
    }
    return { name: "processing", progress, text: `Narrating…${shown}` };
  }
  if (status === "ready") return { name: "ready", text: "Ready." };
  if (status === "failed") return { name: "failed", text: story.audioError ?? "The narration failed." };
  return { name: "idle", text: "Not narrated yet." };
}

// One Idempotency-Key per intended attempt: every click made while the story shows the same
// submission in the same state is the same attempt, so the API makes one submission of them all
// (in this tab or another). The next state or submission is the next attempt.
export function attemptKey(storyId, story) {
  return `${storyId}.${story?.audioSubmission ?? 0}.${story?.audioStatus ?? "new"}`;
}
