// The user's stories in Firestore. The app writes only its own fields (userId, title, text);
// every `audio*` field is the API's (firestore.rules refuses a client that writes one).
import {
  addDoc,
  collection,
  doc,
  onSnapshot,
  query,
  serverTimestamp,
  where,
} from "firebase/firestore";

export function watchStories(db, uid, onChange, onError) {
  // The query must itself filter on the owner: the rules refuse one that could see others'.
  const mine = query(collection(db, "stories"), where("userId", "==", uid));
  return onSnapshot(mine, (snapshot) => onChange(snapshot.docs.map((d) => ({ id: d.id, ...d.data() }))), onError);
}

export function watchStory(db, storyId, onChange, onError) {
  return onSnapshot(doc(db, "stories", storyId), (snapshot) => onChange(snapshot.data() ?? null), onError);
}

export async function createStory(db, uid, { title, text }) {
  const created = await addDoc(collection(db, "stories"), {
    userId: uid,
    title,
    text,
    createdAt: serverTimestamp(),
    updatedAt: serverTimestamp(),
  });
  return created.id;
}
