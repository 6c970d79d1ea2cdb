// The reference player: follows `stories/{id}` and plays the story while it renders.
//
//   processing + audioStreamUrl  → the live HLS stream (hls.js, else the browser's own HLS)
//   audioStreamSegments grows    → the playlist is re-read at once, not a target duration later
//   ready                        → a stream already playing plays on to its end; otherwise the
//                                  final file (audioUrl), from 0
//   ready, stream stalled        → the final file, from where this attempt's stream stalled
//   failed                       → the story's error
//   a new attempt                → everything of the last one dropped: a new submission
//                                  (audioSubmission), job (audioJobId), stream or final file
//                                  ("Try again" in the app) starts afresh, from 0
//   no story document            → `missing` after a while (a stale or mistyped link)
import Hls from "hls.js";
import { initializeApp } from "firebase/app";
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from "firebase/firestore";

const END_SLACK_S = 0.25; // a stream that ends this close to the story's length is complete
const STALL_S = 3; // a ready story's stream that stalls this long plays on from the final file
const MISSING_S = 20; // a story not found this long after the page opened is reported missing
const ATTEMPT_FIELDS = ["audioJobId", "audioStreamUrl", "audioUrl"]; // each attempt has its own

export function followStory({
  firebase,
  emulator,
  storyId,
  audio,
  onChange = () => {},
  missingAfterS = MISSING_S,
}) {
  const app = initializeApp(firebase);
  const db = getFirestore(app);
  if (emulator) connectFirestoreEmulator(db, emulator.host, emulator.port);
  const player = new StoryPlayer(audio, onChange);
  let missing = setTimeout(() => player.missing(), missingAfterS * 1000);
  const unsubscribe = onSnapshot(
    doc(db, "stories", storyId),
    (snapshot) => {
      if (!snapshot.exists()) return; // not (yet) there: the timer says so if it never comes
      clearTimeout(missing);
      player.update(snapshot.data());
    },
    (error) => player.fail(`Cannot follow the story: ${error.message}`),
  );
  const stop = () => {
    clearTimeout(missing);
    unsubscribe();
  };
  return { player, stop };
}

export class StoryPlayer {
  constructor(audio, onChange) {
    this.audio = audio;
    this.onChange = onChange;
    this.story = {};
    this.attempt = null; // what identifies the attempt followed: see #isNewAttempt
    this.state = {
      source: null,
      status: null,
      segments: 0,
      rereads: 0,
      attempts: 0,
      playing: false,
      needsTap: false,
      missing: false,
      error: null,
    };
    this.hls = null;
    this.stall = null;
    this.streamError = null; // the stream of this attempt failed
    this.followError = null; // the story document cannot be read
    audio.addEventListener("ended", () => this.#ended());
    audio.addEventListener("waiting", () => this.#waiting());
    audio.addEventListener("playing", () => this.#clearStall());
    // The button shows what the element does, whoever started or stopped it (the page's
    // button, the browser's own controls, a media key, the end of the story).
    for (const event of ["play", "playing", "pause", "ended", "emptied"]) {
      audio.addEventListener(event, () => this.#set({ playing: !audio.paused }));
    }
  }

  update(story) {
    const newAttempt = this.#isNewAttempt(story);
    this.story = story;
    if (newAttempt) this.#reset();
    this.#follow(story);
    const status = story.audioStatus ?? null;
    this.#set({ status, missing: false });
    if (status === "processing" && story.audioStreamUrl) this.#stream(story);
    else if (status === "ready" && story.audioUrl) this.#ready(story.audioUrl);
  }

  fail(message) {
    this.followError = message;
    this.#set({});
  }

  missing() {
    this.#set({ missing: true });
  }

  // The page leaves the story: nothing of it plays on.
  close() {
    this.#clearStall();
    this.hls?.destroy();
    this.hls = null;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load();
  }

  // A new submission number, or another job, stream or final file than this attempt's own.
  // Within one attempt the job id, stream and file each appear once (the stream goes again at
  // `ready`): only a different value, never a value appearing or going, is a new attempt.
  #isNewAttempt(story) {
    const seen = this.attempt;
    if (seen === null) return false;
    if ((story.audioSubmission ?? null) !== seen.audioSubmission) return true;
    return ATTEMPT_FIELDS.some((f) => seen[f] != null && story[f] != null && seen[f] !== story[f]);
  }

  #follow(story) {
    const seen = this.attempt ?? {};
    const next = { audioSubmission: story.audioSubmission ?? null };
    for (const field of ATTEMPT_FIELDS) next[field] = story[field] ?? seen[field] ?? null;
    this.attempt = next;
  }

  // Nothing of the last attempt survives: not its stream, its position, nor its errors.
  #reset() {
    this.#clearStall();
    this.hls?.destroy();
    this.hls = null;
    this.audio.pause();
    this.audio.removeAttribute("src");
    this.audio.load(); // back to no media, the position to 0
    this.streamError = null;
    this.attempt = null;
    this.#set({ source: null, segments: 0, needsTap: false, attempts: this.state.attempts + 1 });
  }

  #stream(story) {
    if (this.state.source === null) this.#play("stream", story.audioStreamUrl);
    const segments = story.audioStreamSegments ?? 0;
    if (segments > this.state.segments && this.state.source === "stream") {
      this.#set({ segments });
      this.#reread();
    }
  }

  #ready(audioUrl) {
    const source = this.state.source;
    const streaming = source === "stream" && !this.audio.ended && !this.#stalled();
    if (streaming || source === "file") return;
    // Only this attempt's stream has a position worth keeping (#reset drops any other).
    this.#play("file", audioUrl, source === "stream" ? this.audio.currentTime : 0);
  }

  // A stream that stops short of a ready story (a stale cached playlist, a lost segment)
  // would otherwise wait for data that never comes.
  #waiting() {
    this.#clearStall();
    const stall = { expired: false };
    stall.timer = setTimeout(() => {
      stall.expired = true;
      if (this.story.audioStatus === "ready" && this.story.audioUrl) this.#ready(this.story.audioUrl);
    }, STALL_S * 1000);
    this.stall = stall;
  }

  #clearStall() {
    clearTimeout(this.stall?.timer);
    this.stall = null;
  }

  #stalled() {
    return this.stall?.expired === true;
  }

  #ended() {
    const { audioStatus, audioDuration, audioUrl } = this.story;
    const short = this.audio.currentTime < (audioDuration ?? 0) - END_SLACK_S;
    if (this.state.source === "stream" && audioStatus === "ready" && short) {
      this.#play("file", audioUrl, this.audio.currentTime); // the stream broke off early
    }
  }

  #play(source, url, from = 0) {
    this.#clearStall();
    this.hls?.destroy();
    this.hls = null;
    this.streamError = null;
    const audio = this.audio;
    // hls.js wherever Media Source Extensions exist: Chromium's own HLS plays no live packed
    // audio. The browser's HLS only where hls.js cannot run (Safari on older iPhones).
    if (source === "stream" && Hls.isSupported()) {
      const hls = new Hls({ startPosition: from, liveDurationInfinity: false });
      hls.on(Hls.Events.ERROR, (_, data) => {
        console.warn(`hls.js: ${data.details}${data.fatal ? " (fatal)" : ""}`);
        if (data.fatal && this.hls === hls) {
          this.streamError = `The stream failed (${data.details}).`;
          this.#set({});
        }
      });
      hls.loadSource(url);
      hls.attachMedia(audio);
      hls.once(Hls.Events.MANIFEST_PARSED, () => this.hls === hls && this.#start());
      this.hls = hls;
    } else {
      audio.src = url; // the final file, or the stream where the browser plays HLS itself
      if (from) audio.addEventListener("loadedmetadata", () => (audio.currentTime = from), { once: true });
    }
    this.#set({ source });
    if (!this.hls) this.#start();
  }

  #start() {
    this.audio.play().then(
      () => this.#set({ needsTap: false }),
      (error) => error.name === "NotAllowedError" && this.#set({ needsTap: true }), // autoplay refused
    );
  }

  // hls.js re-reads a live playlist about once per target duration; a new segment reported by
  // the story document is worth reading now (the LEVEL_LOADING its own timer would send).
  #reread() {
    const hls = this.hls;
    const index = hls?.currentLevel ?? -1;
    const level = index >= 0 ? hls.levels[index] : null;
    if (!level?.details?.live) return;
    hls.trigger(Hls.Events.LEVEL_LOADING, {
      url: level.uri,
      level: index,
      levelInfo: level,
      pathwayId: level.attrs["PATHWAY-ID"],
      id: 0,
      deliveryDirectives: null,
    });
    this.#set({ rereads: this.state.rereads + 1 });
  }

  // The error shown is the one that stands now: the document cannot be read, this attempt
  // failed, or its stream did; none once the story moved on.
  #error() {
    if (this.followError) return this.followError;
    if (this.story.audioStatus === "failed") return this.story.audioError ?? "The narration failed.";
    return this.streamError;
  }

  #set(change) {
    this.state = { ...this.state, ...change };
    this.state.error = this.#error();
    this.onChange(this.state, this.story);
  }
}
