// The user's voices: record (or upload) a reference recording, follow each voice's state, and
// offer the ready ones for narration.
import { Recorder, watchVoices } from "./voices.js";

const STATUS = {
  pending: "Queued…",
  processing: "Creating…",
  ready: "Ready",
  failed: "Failed",
};

export class VoiceView {
  constructor({ root, db, api, log, choice }) {
    this.root = root;
    this.db = db;
    this.api = api;
    this.log = log;
    this.choice = choice; // the <select> the story view reads
    this.recorder = null;
    this.recording = null;
    this.el = (id) => root.querySelector(`#${id}`);
    this.el("record").addEventListener("click", () => this.record());
    this.el("stop-recording").addEventListener("click", () => this.stopRecording());
    this.el("new-voice").addEventListener("submit", (event) => {
      event.preventDefault();
      this.create();
    });
  }

  follow(uid) {
    this.unsubscribe?.();
    this.unsubscribe = watchVoices(
      this.db,
      uid,
      (voices) => this.render(voices),
      (error) => (this.el("voice-error").textContent = `Cannot list your voices: ${error.message}`),
    );
  }

  stop() {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  async record() {
    this.el("voice-error").textContent = "";
    try {
      this.recorder = new Recorder();
      await this.recorder.start();
    } catch (error) {
      this.el("voice-error").textContent = `Cannot record: ${error.message}`;
      return;
    }
    this.el("record").hidden = true;
    this.el("stop-recording").hidden = false;
    this.el("recorded").textContent = "Recording…";
  }

  async stopRecording() {
    this.recording = await this.recorder.stop();
    this.recorder = null;
    this.el("record").hidden = false;
    this.el("stop-recording").hidden = true;
    this.el("recorded").textContent = `Recorded (${Math.round(this.recording.size / 1024)} KiB).`;
    this.log({ event: "recorded", bytes: this.recording.size });
  }

  async create() {
    const file = this.el("voice-file").files[0];
    const recording = this.recording ?? file;
    if (!recording) {
      this.el("voice-error").textContent = "Record your voice or choose a recording first.";
      return;
    }
    const filename = this.recording ? "recording.wav" : file.name;
    const name = this.el("voice-name").value.trim() || "My voice";
    this.el("voice-error").textContent = "";
    try {
      const answer = await this.api.createVoice({ recording, filename, name });
      this.log({ event: "voice-created", answer });
      this.recording = null;
      this.el("recorded").textContent = "";
    } catch (error) {
      this.log({ event: "voice-refused", status: error.status, type: error.type });
      this.el("voice-error").textContent = error.message;
    }
  }

  render(voices) {
    const list = this.el("voices");
    list.replaceChildren(
      ...voices.map((voice) => {
        const item = document.createElement("li");
        item.dataset.voiceId = voice.id;
        item.dataset.status = voice.status ?? "";
        item.append(`${voice.name ?? "Voice"}: ${STATUS[voice.status] ?? voice.status ?? ""}`);
        if (voice.status === "failed" && voice.error) item.append(` (${voice.error})`);
        if (voice.status === "ready" && voice.sampleUrl) {
          const sample = document.createElement("audio");
          sample.controls = true;
          sample.src = voice.sampleUrl;
          item.append(" ", sample);
        }
        return item;
      }),
    );
    const chosen = this.choice.value;
    const ready = voices.filter((voice) => voice.status === "ready");
    this.choice.replaceChildren(
      new Option("The built-in voice", ""),
      ...ready.map((voice) => new Option(voice.name ?? voice.id, voice.id)),
    );
    this.choice.value = ready.some((voice) => voice.id === chosen) ? chosen : "";
  }
}
