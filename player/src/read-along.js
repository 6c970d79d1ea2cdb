// Read along: the story's text, the sentence being heard lit and kept in view, a tap on a
// sentence plays from its start. The track (timings.json) is
//   {version: 1, duration, sentences: [{index, text, char_start, char_end, start, end}]}
// with char_start/char_end offsets into the story's `text` as submitted, counted in code points
// (Python's str, as the worker counts them: an emoji is one), and start/end in seconds of the
// final file, which is also the live stream's timeline.

const LIVE_REFRESH_S = 3; // the live track grows with the stream: re-read it this often

// The track to follow: the live one while the story renders, the final one once it is ready.
export function trackUrl(story) {
  if (story?.audioStatus === "processing") return story.audioStreamTimingsUrl ?? null;
  if (story?.audioStatus === "ready") return story.audioTimingsUrl ?? null;
  return null;
}

// The position in `sentences` (sorted by start) of the one whose [start, end) holds `t`, or -1.
export function sentenceAt(sentences, t) {
  let low = 0;
  let high = sentences.length; // the first sentence that starts after t is in [low, high]
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sentences[middle].start <= t) low = middle + 1;
    else high = middle;
  }
  const found = low - 1;
  return found >= 0 && t < sentences[found].end ? found : -1;
}

// The text cut into pieces by the sentences' spans: {text, sentence} with the sentence's
// position in `sentences`, or null for text outside every span (a title, a scene break, the
// spaces between sentences). A span that does not fit the text (a track of an older version)
// or overlaps the one before is left out: its words stay plain text.
export function segmentsOf(text, sentences) {
  const chars = Array.from(text); // code points, as the offsets count them
  const pieces = [];
  let at = 0;
  const plain = (end) => end > at && pieces.push({ text: chars.slice(at, end).join(""), sentence: null });
  sentences.forEach(({ char_start: start, char_end: end }, position) => {
    if (!(start >= at && end > start && end <= chars.length)) return;
    plain(start);
    pieces.push({ text: chars.slice(start, end).join(""), sentence: position });
    at = end;
  });
  plain(chars.length);
  return pieces;
}

// The page's part: renders the text into `root`, follows `audio`'s clock, fetches the track.
export class ReadAlong {
  constructor(root, audio, log = () => {}) {
    this.root = root;
    this.audio = audio;
    this.log = log;
    this.text = null;
    this.url = null; // the track followed
    this.loaded = null; // the track shown
    this.sentences = [];
    this.current = -1;
    this.fetches = 0; // only the latest fetch's answer is used
    this.segments = 0;
    this.refresh = null;
    this.frame = null;
    root.onclick = (event) => this.#seek(event.target.closest("[data-sentence]"));
    this.listeners = new AbortController();
    const signal = this.listeners.signal;
    for (const event of ["loadedmetadata", "timeupdate", "emptied"]) {
      audio.addEventListener(event, () => this.#tick(), { signal });
    }
    audio.addEventListener("seeked", () => this.#tick(true), { signal }); // show where it landed
    audio.addEventListener("play", () => this.#frames(), { signal });
  }

  // Every version of the story document: its text, and which track to follow.
  show(story) {
    const text = story?.text ?? "";
    const url = trackUrl(story);
    if (text !== this.text) {
      this.text = text;
      this.#render();
    }
    const grew = (story?.audioStreamSegments ?? 0) > this.segments;
    this.segments = story?.audioStreamSegments ?? 0;
    if (url !== this.url || (grew && url)) this.#load(url);
    const live = story?.audioStatus === "processing" ? url : null;
    if (live !== this.url || !live) {
      // The story document may say nothing new for a while: the live track is re-read anyway.
      clearInterval(this.refresh);
      this.refresh = live ? setInterval(() => this.#load(live), LIVE_REFRESH_S * 1000) : null;
    }
    this.url = url;
  }

  close() {
    clearInterval(this.refresh);
    cancelAnimationFrame(this.frame);
    this.listeners.abort();
    this.fetches++; // an answer still on its way is dropped
    this.root.onclick = null;
    this.root.replaceChildren();
    this.root.hidden = true;
  }

  async #load(url) {
    const ticket = ++this.fetches;
    let sentences = [];
    if (url) {
      try {
        const answer = await fetch(url, { cache: "no-store" });
        if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
        const track = await answer.json();
        if (track.version !== 1 || !Array.isArray(track.sentences)) throw new Error("not a version 1 track");
        sentences = track.sentences;
      } catch (error) {
        // Not written yet (the live track's first segment), or unreadable: keep what is shown.
        if (ticket === this.fetches) this.log({ event: "timings-failed", url, message: error.message });
        return;
      }
    }
    if (ticket !== this.fetches) return;
    const changed = sentences.length !== this.sentences.length || url !== this.loaded;
    this.sentences = sentences;
    this.loaded = url;
    if (changed) {
      this.log({ event: "timings", url, sentences: sentences.length });
      this.#render();
    }
  }

  #render() {
    const nodes = segmentsOf(this.text, this.sentences).map(({ text, sentence }) => {
      if (sentence === null) return document.createTextNode(text);
      const span = document.createElement("span");
      span.textContent = text;
      span.dataset.sentence = sentence;
      return span;
    });
    this.root.replaceChildren(...nodes);
    this.root.hidden = !this.text;
    const now = this.#heard();
    this.#light(now, now !== this.current);
  }

  // While playing, each frame: the highlight follows the clock closer than timeupdate's 4 Hz.
  #frames() {
    cancelAnimationFrame(this.frame);
    const step = () => {
      this.#tick();
      if (!this.audio.paused) this.frame = requestAnimationFrame(step);
    };
    step();
  }

  // The sentence heard: none before there is audio.
  #heard() {
    return this.audio.readyState ? sentenceAt(this.sentences, this.audio.currentTime) : -1;
  }

  #tick(seeked = false) {
    const now = this.#heard();
    if (seeked || now !== this.current) this.#light(now, true);
  }

  // Scrolled into view when another sentence is lit, or after a seek: never on a frame that
  // changes nothing, nor when the track is re-read while the story renders (the reader may
  // have scrolled ahead).
  #light(position, scroll) {
    this.root.querySelector(".current")?.classList.remove("current");
    const span = this.root.querySelector(`[data-sentence="${position}"]`);
    span?.classList.add("current");
    if (scroll) span?.scrollIntoView({ block: "nearest" });
    this.current = position;
  }

  #seek(span) {
    const sentence = span && this.sentences[Number(span.dataset.sentence)];
    if (!sentence) return;
    this.audio.currentTime = sentence.start;
    this.log({ event: "read-along-seek", index: sentence.index, to: sentence.start });
    this.audio.play().catch(() => {}); // a refused autoplay leaves it paused at the sentence
  }
}
