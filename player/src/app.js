// The reference app: sign in, your stories (create one, open one, Narrate), your voices.
// Everything the page did is kept in `window.appLog` (events with a time), for the tests.
import { createUserWithEmailAndPassword, onAuthStateChanged, signInWithEmailAndPassword, signOut } from "firebase/auth";
import { Api } from "./api.js";
import { loadConfig } from "./config.js";
import { connectFirebase } from "./firebase.js";
import { createStory, watchStories } from "./stories.js";
import { StoryView } from "./story-view.js";
import { VoiceView } from "./voice-view.js";

const $ = (id) => document.getElementById(id);
const appLog = (window.appLog = []);
const log = (entry) => appLog.push({ at: performance.now(), ...entry });

async function main() {
  const config = await loadConfig();
  const { auth, db } = connectFirebase(config);
  const api = new Api(config.apiUrl ?? "", auth);
  const storyView = new StoryView({
    root: $("story"),
    db,
    api,
    log,
    voiceChoice: () => $("voice-choice").value || null,
  });
  const voiceView = new VoiceView({ root: $("voices-panel"), db, api, log, choice: $("voice-choice") });
  let stopStories = null;

  onAuthStateChanged(auth, (user) => {
    stopStories?.();
    storyView.close();
    voiceView.stop();
    $("signin").hidden = Boolean(user);
    $("home").hidden = !user;
    $("list").hidden = false; // a new sign-in starts at the list, not at the last story
    if (!user) return;
    $("who").textContent = user.email;
    stopStories = watchStories(db, user.uid, renderStories, (error) => ($("home-error").textContent = error.message));
    voiceView.follow(user.uid);
    log({ event: "signed-in", uid: user.uid });
  });

  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("email").value;
    const password = $("password").value;
    const signUp = event.submitter?.value === "up";
    $("signin-error").textContent = "";
    try {
      await (signUp ? createUserWithEmailAndPassword : signInWithEmailAndPassword)(auth, email, password);
    } catch (error) {
      $("signin-error").textContent = error.message;
    }
  });
  $("signout").addEventListener("click", () => signOut(auth));
  $("back").addEventListener("click", () => {
    storyView.close();
    $("list").hidden = false;
  });
  $("new-story").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const id = await createStory(db, auth.currentUser.uid, { title: $("title").value, text: $("text").value });
      event.target.reset();
      openStory(id);
    } catch (error) {
      $("home-error").textContent = error.message;
    }
  });

  function openStory(id) {
    $("list").hidden = true;
    storyView.open(id);
  }

  function renderStories(stories) {
    stories.sort((a, b) => (a.title ?? "").localeCompare(b.title ?? ""));
    $("stories").replaceChildren(
      ...stories.map((story) => {
        const item = document.createElement("li");
        const open = document.createElement("button");
        open.type = "button";
        open.dataset.storyId = story.id;
        open.textContent = story.title || "Untitled story";
        open.addEventListener("click", () => openStory(story.id));
        item.append(open, ` ${story.audioStatus ?? ""}`);
        return item;
      }),
    );
  }
}

main().catch((error) => {
  $("fatal").textContent = error.message;
  log({ event: "fatal", message: error.message });
});
