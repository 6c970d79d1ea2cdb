// The API's two endpoints for the app, called with the signed-in user's Firebase ID token.
// Every refusal has one shape: {success: false, error, error_type, field?}.
export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body.error ?? `The service answered ${status}.`);
    this.status = status;
    this.type = body.error_type ?? "unknown";
    this.retryAfter = retryAfter;
  }
}

export class Api {
  constructor(baseUrl, auth) {
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.auth = auth;
  }

  // Starts or restarts ("Try again") a story's narration. The same `key` for repeated clicks
  // of one intended attempt makes them one submission.
  narrate(storyId, body, key) {
    const headers = { "Content-Type": "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    const path = `/api/tts/stories/${encodeURIComponent(storyId)}/narration`;
    return this.#post(path, JSON.stringify(body), headers);
  }

  // A voice from a reference recording; `voiceId` tries a failed voice again.
  createVoice({ recording, filename, name, language = "en", voiceId = null }) {
    const form = new FormData();
    form.append("recording", recording, filename);
    form.append("name", name);
    form.append("language", language);
    if (voiceId) form.append("voice_id", voiceId);
    return this.#post("/api/tts/voices", form, {});
  }

  async #post(path, body, headers) {
    const user = this.auth.currentUser;
    if (!user) throw new ApiError(401, { error: "Please sign in first.", error_type: "unauthenticated" });
    const token = await user.getIdToken();
    const answer = await fetch(this.baseUrl + path, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, ...headers },
      body,
    });
    const data = await answer.json().catch(() => ({}));
    if (!answer.ok) throw new ApiError(answer.status, data, answer.headers.get("Retry-After"));
    return data;
  }
}
