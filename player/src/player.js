// The reference player: follows `stories/{id}` and plays the story while it renders.
//
//   processing + audioStreamUrl  → the live HLS stream (hls.js, else the browser's own HLS)
//   audioStreamSegments grows    → the playlist is re-read at once, not a target duration later
//   ready                        → a stream already playing plays on to its end; otherwise the
//                                  final file (audioUrl), from where the stream stopped
//   ready, stream stalled        → the final file, from where the stream stalled
//   failed                       → the story's error
import Hls from "hls.js";
import { initializeApp } from "firebase/app";
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from "firebase/firestore";

const END_SLACK_S = 0.25; // a stream that ends this close to the story's length is complete
const STALL_S = 3; // a ready story's stream that stalls this long plays on from the final file

export function followStory({ firebase, emulator, storyId, audio, onChange = () => {} }) {
  const app = initializeApp(firebase);
  const db = getFirestore(app);
  if (emulator) connectFirestoreEmulator(db, emulator.host, emulator.port);
  const player = new StoryPlayer(audio, onChange);
  const stop = onSnapshot(
    doc(db, "stories", storyId),
    (snapshot) => player.update(snapshot.data() ?? {}),
    (error) => player.fail(`Cannot follow the story: ${error.message}`),
  );
  return { player, stop };
}

export class StoryPlayer {
  constructor(audio, onChange) {
    this.audio = audio;
    this.onChange = onChange;
    this.story = {};
    this.state = { source: null, status: null, segments: 0, rereads: 0, error: null };
    this.hls = null;
    this.stall = null;
    audio.addEventListener("ended", () => this.#ended());
    audio.addEventListener("waiting", () => this.#waiting());
    audio.addEventListener("playing", () => this.#clearStall());
  }

  update(story) {
    this.story = story;
    const status = story.audioStatus ?? null;
    this.#set({ status });
    if (status === "processing" && story.audioStreamUrl) this.#stream(story);
    else if (status === "ready" && story.audioUrl) this.#ready(story.audioUrl);
    else if (status === "failed") this.#set({ error: story.audioError ?? "The narration failed." });
  }

  fail(message) {
    this.#set({ error: message });
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
    const streaming = this.state.source === "stream" && !this.audio.ended && !this.#stalled();
    if (!streaming && this.state.source !== "file") this.#play("file", audioUrl, this.audio.currentTime);
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
    const audio = this.audio;
    // hls.js wherever Media Source Extensions exist: Chromium's own HLS plays no live packed
    // audio. The browser's HLS only where hls.js cannot run (Safari on older iPhones).
    if (source === "stream" && Hls.isSupported()) {
      this.hls = new Hls({ startPosition: from, liveDurationInfinity: false });
      this.hls.on(Hls.Events.ERROR, (_, data) => {
        console.warn(`hls.js: ${data.details}${data.fatal ? " (fatal)" : ""}`);
        if (data.fatal) this.#set({ error: `The stream failed (${data.details}).` });
      });
      this.hls.loadSource(url);
      this.hls.attachMedia(audio);
    } else {
      audio.src = url; // the final file, or the stream where the browser plays HLS itself
      if (from) audio.addEventListener("loadedmetadata", () => (audio.currentTime = from), { once: true });
    }
    this.#set({ source });
    if (this.hls) this.hls.once(Hls.Events.MANIFEST_PARSED, () => this.#start());
    else this.#start();
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

  #set(change) {
    this.state = { ...this.state, ...change };
    this.onChange(this.state, this.story);
  }
}
