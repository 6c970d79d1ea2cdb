'use strict';
// Voices: written only by the API (POST /api/tts/voices and the create_voice_profile job's
// callbacks); a client reads its owner's voices and writes none, not even its own.

const { after, before, beforeEach, describe, test } = require('node:test');
const { assertFails, assertSucceeds, clients, firestore, openEnvironment, seed } = require(
  './helpers.js'
);

const { collection, deleteDoc, doc, getDoc, getDocs, query, setDoc, updateDoc, where } = firestore;

const READY_VOICE = {
  userId: 'alice',
  name: 'My voice',
  language: 'en',
  status: 'ready',
  jobId: 'voice-job-1',
  sampleUrl: 'https://storage.example/alice/voice.wav',
};

let env;
let db;

before(async () => {
  env = await openEnvironment('voices');
  db = clients(env);
});

after(async () => {
  await env.cleanup();
});

beforeEach(async () => {
  await env.clearFirestore();
  await seed(env, { 'voices/alice-voice': READY_VOICE });
});

describe('reading voices', () => {
  test('the owner reads their voice', async () => {
    await assertSucceeds(getDoc(doc(db.alice, 'voices/alice-voice')));
  });

  test('the owner lists their voices with a query on their own uid', async () => {
    const own = query(collection(db.alice, 'voices'), where('userId', '==', 'alice'));
    await assertSucceeds(getDocs(own));
  });

  test('another user or a signed-out caller cannot read it', async () => {
    await assertFails(getDoc(doc(db.bob, 'voices/alice-voice')));
    await assertFails(getDoc(doc(db.anonymous, 'voices/alice-voice')));
    await assertFails(getDocs(query(collection(db.bob, 'voices'), where('userId', '==', 'alice'))));
    await assertFails(getDocs(collection(db.alice, 'voices')));
  });
});

describe('writing voices', () => {
  test('the owner cannot create a voice, even one naming themselves', async () => {
    await assertFails(
      setDoc(doc(db.alice, 'voices/forged'), { ...READY_VOICE, jobId: 'forged' })
    );
  });

  test("the owner cannot change their voice's state or delete it", async () => {
    await assertFails(updateDoc(doc(db.alice, 'voices/alice-voice'), { name: 'Renamed' }));
    await assertFails(
      updateDoc(doc(db.alice, 'voices/alice-voice'), { sampleUrl: 'https://evil.example/x.wav' })
    );
    await assertFails(deleteDoc(doc(db.alice, 'voices/alice-voice')));
  });

  test('another user or a signed-out caller cannot write it', async () => {
    await assertFails(updateDoc(doc(db.bob, 'voices/alice-voice'), { userId: 'bob' }));
    await assertFails(setDoc(doc(db.bob, 'voices/bob-voice'), { ...READY_VOICE, userId: 'bob' }));
    await assertFails(deleteDoc(doc(db.anonymous, 'voices/alice-voice')));
  });

  test("the API's admin access writes a voice's state", async () => {
    await env.withSecurityRulesDisabled(async (context) => {
      await assertSucceeds(
        updateDoc(doc(context.firestore(), 'voices/alice-voice'), { status: 'failed' })
      );
    });
  });
});
