// One story: its screen (spinner, progress, listening, the player, the error with "Try again"),
// followed live from its document, the Narrate / Try again buttons, and its text to read along.
import { StoryPlayer } from "./player.js";
import { ReadAlong } from "./read-along.js";
import { attemptKey, screenFor } from "./screen.js";
import { watchStory } from "./stories.js";

const NARRATE_ATTEMPTS = 3;
const MAX_RETRY_WAIT_S = 5;

export class StoryView {
  constructor({ root, db, api, log, voiceChoice }) {
    this.root = root;
    this.db = db;
    this.api = api;
    this.log = log;
    this.voiceChoice = voiceChoice; // () => the chosen ready voice's id, or null
    this.el = (id) => root.querySelector(`#${id}`);
    this.el("narrate").addEventListener("click", () => this.narrate());
    this.el("try-again").addEventListener("click", () => this.narrate());
  }

  open(storyId) {
    this.close();
    this.storyId = storyId;
    this.story = null;
    this.buttonKey = null;
    this.requestError = null;
    this.el("screen").dataset.screen = ""; // the first screen of this story is logged too
    // A fresh element per story: the player's listeners belong to the one it follows.
    const audio = document.createElement("audio");
    audio.id = "audio";
    audio.controls = true;
    this.el("audio").replaceWith(audio);
    for (const event of ["play", "playing", "pause", "waiting", "ended"]) {
      audio.addEventListener(event, () => this.log({ event, time: audio.currentTime, source: this.player?.state.source }));
    }
    this.player = new StoryPlayer(audio, () => this.render());
    this.readAlong = new ReadAlong(this.el("read-along"), audio, this.log);
    this.unsubscribe = watchStory(
      this.db,
      storyId,
      (story) => {
        // A refusal said of the last attempt is old news once another submission started.
        if (story?.audioSubmission !== this.story?.audioSubmission) this.requestError = null;
        this.story = story;
        if (story) this.player.update(story);
        this.readAlong.show(story);
        this.render();
      },
      (error) => this.player.fail(`Cannot follow the story: ${error.message}`),
    );
    this.root.hidden = false;
  }

  close() {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.player?.close();
    this.player = null;
    this.readAlong?.close();
    this.readAlong = null;
    this.root.hidden = true;
  }

  async narrate() {
    const storyId = this.storyId;
    // The attempt the button stood for when it was last shown: a click that lands just after
    // the first click's submission arrived (the button already hidden) still joins it.
    const key = this.buttonKey ?? attemptKey(storyId, this.story);
    const voiceId = this.voiceChoice();
    const body = voiceId ? { voice_id: voiceId } : {};
    this.requestError = null;
    this.log({ event: "narrate", key, body });
    try {
      const answer = await this.#narrateOnce(storyId, body, key);
      this.log({ event: "submitted", key, answer });
    } catch (error) {
      this.log({ event: "refused", key, status: error.status, type: error.type });
      if (this.storyId === storyId) this.requestError = error.message;
    }
    this.render();
  }

  // A 503 with Retry-After (Firestore busy, or a click that joined a submission whose job is
  // still being started) is asked again with the same key: it can only join that attempt.
  async #narrateOnce(storyId, body, key) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.api.narrate(storyId, body, key);
      } catch (error) {
        if (error.status !== 503 || !error.retryAfter || attempt >= NARRATE_ATTEMPTS) throw error;
        this.log({ event: "retrying", key, type: error.type });
        const waitS = Math.min(Number(error.retryAfter) || 1, MAX_RETRY_WAIT_S);
        await new Promise((resolve) => setTimeout(resolve, waitS * 1000));
      }
    }
  }

  render() {
    if (!this.player) return;
    const story = this.story ?? {};
    const state = this.player.state;
    const screen = screenFor(story, state);
    this.el("story-title").textContent = story.title ?? "Untitled story";
    const box = this.el("screen");
    if (box.dataset.screen !== screen.name) this.log({ event: "screen", screen: screen.name, story: { ...story } });
    box.dataset.screen = screen.name;
    this.el("spinner").hidden = screen.name !== "pending";
    const progress = this.el("progress");
    progress.hidden = !["processing", "listening"].includes(screen.name);
    if (screen.progress == null) progress.removeAttribute("value");
    else progress.value = screen.progress;
    this.el("screen-text").textContent = screen.text;
    this.el("audio").hidden = !["listening", "ready"].includes(screen.name);
    this.el("narrate").hidden = !["idle", "ready"].includes(screen.name);
    this.el("narrate").textContent = screen.name === "ready" ? "Narrate again" : "Narrate";
    this.el("try-again").hidden = screen.name !== "failed";
    if (["idle", "ready", "failed"].includes(screen.name)) {
      this.buttonKey = attemptKey(this.storyId, this.story);
    }
    const error = this.requestError ?? (screen.name === "failed" ? null : state.error);
    this.el("story-error").textContent = error ?? "";
  }
}
