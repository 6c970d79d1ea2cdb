// The user's voices (written only by the API: pending → processing → ready | failed), and a
// reference recording from the microphone, uploaded as WAV (what every decoder reads).
import { collection, onSnapshot, query, where } from "firebase/firestore";

export function watchVoices(db, uid, onChange, onError) {
  const mine = query(collection(db, "voices"), where("userId", "==", uid));
  return onSnapshot(mine, (snapshot) => onChange(snapshot.docs.map((d) => ({ id: d.id, ...d.data() }))), onError);
}

export class Recorder {
  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    this.chunks = [];
    this.recorder = new MediaRecorder(this.stream);
    this.recorder.addEventListener("dataavailable", (event) => this.chunks.push(event.data));
    this.recorder.start();
  }

  // The recording as a WAV blob.
  stop() {
    return new Promise((resolve, reject) => {
      this.recorder.addEventListener(
        "stop",
        () => {
          for (const track of this.stream.getTracks()) track.stop();
          toWav(new Blob(this.chunks, { type: this.recorder.mimeType })).then(resolve, reject);
        },
        { once: true },
      );
      this.recorder.stop();
    });
  }
}

// MediaRecorder gives WebM/Opus in Chromium and MP4 in Safari; the browser decodes either.
async function toWav(blob) {
  const context = new AudioContext();
  try {
    const audio = await context.decodeAudioData(await blob.arrayBuffer());
    return new Blob([pcm16Wav(audio.getChannelData(0), audio.sampleRate)], { type: "audio/wav" });
  } finally {
    context.close();
  }
}

function pcm16Wav(samples, rate) {
  const view = new DataView(new ArrayBuffer(44 + samples.length * 2));
  const ascii = (at, text) => [...text].forEach((c, i) => view.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  ascii(8, "WAVEfmt ");
  view.setUint32(16, 16, true); // the fmt chunk's size
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, rate, true);
  view.setUint32(28, rate * 2, true); // bytes per second
  view.setUint16(32, 2, true); // bytes per frame
  view.setUint16(34, 16, true); // bits per sample
  ascii(36, "data");
  view.setUint32(40, samples.length * 2, true);
  samples.forEach((s, i) => view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, s)) * 0x7fff, true));
  return view.buffer;
}
