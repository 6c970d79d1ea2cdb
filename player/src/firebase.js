// Firebase Auth and Firestore for the configured project; locally, their emulators.
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore } from "firebase/firestore";

export function connectFirebase(config) {
  const app = initializeApp(config.firebase);
  const auth = getAuth(app);
  const db = getFirestore(app);
  const emulators = config.emulators ?? {};
  if (emulators.auth) connectAuthEmulator(auth, emulators.auth, { disableWarnings: true });
  if (emulators.firestore) {
    const [host, port] = emulators.firestore.split(":");
    connectFirestoreEmulator(db, host, Number(port));
  }
  return { auth, db };
}
