'use strict';
// Stories: the owner reads and edits their own story's content, never its narration state
// (every field starting with "audio"), and never anybody else's story.

const { after, before, beforeEach, describe, test } = require('node:test');
const { assertFails, assertSucceeds, clients, firestore, openEnvironment, seed } = require(
  './helpers.js'
);

const {
  collection,
  deleteDoc,
  deleteField,
  doc,
  getDoc,
  getDocs,
  query,
  serverTimestamp,
  setDoc,
  updateDoc,
  where,
} = firestore;

// A story as the app created it and the API's callbacks then filled in.
const NARRATED = {
  userId: 'alice',
  title: 'The fox',
  text: 'Once upon a time.',
  audioStatus: 'ready',
  audioUrl: 'https://storage.example/alice/story.mp3',
  audioSubmission: 1,
  audioJobId: 'job-1',
};

let env;
let db;

before(async () => {
  env = await openEnvironment('stories');
  db = clients(env);
});

after(async () => {
  await env.cleanup();
});

beforeEach(async () => {
  await env.clearFirestore();
  await seed(env, {
    'stories/alice-story': NARRATED,
    'stories/bob-story': { userId: 'bob', title: 'Bob', text: 'Hello.' },
  });
});

describe('reading stories', () => {
  test('the owner reads their story', async () => {
    const snapshot = await assertSucceeds(getDoc(doc(db.alice, 'stories/alice-story')));
    if (snapshot.data().audioStatus !== 'ready') {
      throw new Error('the owner should see the narration state');
    }
  });

  test('another user cannot read it', async () => {
    await assertFails(getDoc(doc(db.bob, 'stories/alice-story')));
  });

  test('a signed-out caller cannot read it', async () => {
    await assertFails(getDoc(doc(db.anonymous, 'stories/alice-story')));
  });

  test("the owner lists their stories with a query on their own uid", async () => {
    const own = query(collection(db.alice, 'stories'), where('userId', '==', 'alice'));
    const snapshot = await assertSucceeds(getDocs(own));
    if (snapshot.size !== 1) {
      throw new Error(`expected alice's one story, got ${snapshot.size}`);
    }
  });

  test('a query that is not limited to the caller is refused', async () => {
    await assertFails(getDocs(collection(db.alice, 'stories')));
    await assertFails(getDocs(query(collection(db.bob, 'stories'), where('userId', '==', 'alice'))));
    await assertFails(
      getDocs(query(collection(db.anonymous, 'stories'), where('userId', '==', 'alice')))
    );
  });

  test("the API's readiness probe is not readable, even when it names the caller", async () => {
    await seed(env, { 'stories/_ready_probe': { userId: 'alice' } });
    await assertFails(getDoc(doc(db.alice, 'stories/_ready_probe')));
  });
});

describe('creating stories', () => {
  test('a signed-in user creates their own story, with updatedAt at the server time', async () => {
    await assertSucceeds(
      setDoc(doc(db.alice, 'stories/new'), {
        userId: 'alice',
        title: 'New',
        text: 'A new story.',
        language: 'en',
        myaudio: 'a name that only contains "audio" is the app\'s own',
        updatedAt: serverTimestamp(),
      })
    );
  });

  test('a story for another user is refused (nobody plants stories on others)', async () => {
    await assertFails(setDoc(doc(db.bob, 'stories/planted'), { userId: 'alice', text: 'x' }));
  });

  test('a story without an owner is refused', async () => {
    await assertFails(setDoc(doc(db.alice, 'stories/ownerless'), { text: 'x' }));
  });

  test('a signed-out caller cannot create a story', async () => {
    await assertFails(setDoc(doc(db.anonymous, 'stories/anon'), { userId: 'alice', text: 'x' }));
  });

  // Any name starting with "audio" is the API's, even one the API does not write today.
  for (const field of [
    'audioStatus',
    'audioUrl',
    'audioSubmission',
    'audioJobId',
    'audioTimingsUrl',
    'audioStreamTimingsUrl',
    'audiobook',
  ]) {
    test(`a new story may not carry ${field}`, async () => {
      await assertFails(
        setDoc(doc(db.alice, `stories/with-${field}`), {
          userId: 'alice',
          text: 'x',
          [field]: field === 'audioStatus' ? 'ready' : 'forged',
        })
      );
    });
  }

  test('a field name holding "/" is refused (the audio check reads names between slashes)', async () => {
    await assertFails(
      setDoc(doc(db.alice, 'stories/slash'), { userId: 'alice', text: 'x', 'x/audioUrl': 'y' })
    );
  });

  test('updatedAt other than the server time is refused', async () => {
    await assertFails(
      setDoc(doc(db.alice, 'stories/old'), { userId: 'alice', text: 'x', updatedAt: new Date(0) })
    );
  });

  test('ids starting with "_" are the API\'s', async () => {
    await assertFails(setDoc(doc(db.alice, 'stories/_ready_probe'), { userId: 'alice' }));
    await assertFails(setDoc(doc(db.alice, 'stories/_mine'), { userId: 'alice' }));
  });
});

describe('updating stories', () => {
  test('the owner edits the content of a narrated story; its audio fields stay', async () => {
    // A whole-document write that repeats the audio fields unchanged changes none of them.
    await assertSucceeds(
      setDoc(doc(db.alice, 'stories/alice-story'), { ...NARRATED, title: 'Same' })
    );
    await assertSucceeds(
      updateDoc(doc(db.alice, 'stories/alice-story'), {
        title: 'The quick fox',
        text: 'Once upon a time, again.',
        updatedAt: serverTimestamp(),
      })
    );
    await assertSucceeds(
      setDoc(doc(db.alice, 'stories/alice-story'), { title: 'Merged' }, { merge: true })
    );
    // Once the story has an updatedAt, a whole-document write must keep one (at the server time).
    await assertFails(setDoc(doc(db.alice, 'stories/alice-story'), { ...NARRATED }));
    await assertSucceeds(
      setDoc(doc(db.alice, 'stories/alice-story'), { ...NARRATED, updatedAt: serverTimestamp() })
    );
  });

  for (const [field, value] of [
    ['audioStatus', 'pending'], // 'ready' as it is would change nothing, and is allowed
    ['audioUrl', 'https://evil.example/other.mp3'],
    ['audioSubmission', 7],
    ['audioJobId', 'job-forged'],
    ['audioTimingsUrl', 'https://evil.example/other.timings.json'],
    ['audioStreamTimingsUrl', 'https://evil.example/live.timings.json'],
    ['audioBrandNew', 'x'],
  ]) {
    test(`the owner may not write ${field}`, async () => {
      await assertFails(updateDoc(doc(db.alice, 'stories/alice-story'), { [field]: value }));
    });
  }

  test('audioStatus cannot be written into a story that has none yet', async () => {
    await seed(env, { 'stories/fresh': { userId: 'alice', text: 'x' } });
    await assertFails(
      updateDoc(doc(db.alice, 'stories/fresh'), {
        audioStatus: 'ready',
        audioUrl: 'https://evil.example/a.mp3',
      })
    );
  });

  test('the owner may not remove an audio field', async () => {
    await assertFails(updateDoc(doc(db.alice, 'stories/alice-story'), { audioUrl: deleteField() }));
    // Overwriting the whole story without its audio fields removes them.
    await assertFails(setDoc(doc(db.alice, 'stories/alice-story'), { userId: 'alice', text: 'x' }));
  });

  test('a field name holding "/" is refused, so "audioUrl/x" cannot pass as "audioUrl", "x"', async () => {
    await assertFails(
      setDoc(doc(db.alice, 'stories/alice-story'), { 'audioUrl/x': 'forged' }, { merge: true })
    );
  });

  test('the owner cannot hand the story to another user', async () => {
    await assertFails(updateDoc(doc(db.alice, 'stories/alice-story'), { userId: 'bob' }));
    await assertFails(updateDoc(doc(db.alice, 'stories/alice-story'), { userId: deleteField() }));
  });

  test('another user cannot edit or take the story', async () => {
    await assertFails(updateDoc(doc(db.bob, 'stories/alice-story'), { title: 'Mine' }));
    await assertFails(updateDoc(doc(db.bob, 'stories/alice-story'), { userId: 'bob' }));
    await assertFails(setDoc(doc(db.bob, 'stories/alice-story'), { userId: 'bob', text: 'x' }));
  });

  test('a signed-out caller cannot edit it', async () => {
    await assertFails(updateDoc(doc(db.anonymous, 'stories/alice-story'), { title: 'x' }));
  });

  test('updatedAt may be refreshed to the server time only, and not removed', async () => {
    await assertFails(updateDoc(doc(db.alice, 'stories/alice-story'), { updatedAt: new Date(0) }));
    await seed(env, { 'stories/stamped': { userId: 'alice', text: 'x', updatedAt: new Date(0) } });
    await assertFails(updateDoc(doc(db.alice, 'stories/stamped'), { updatedAt: deleteField() }));
    await assertSucceeds(updateDoc(doc(db.alice, 'stories/stamped'), { updatedAt: serverTimestamp() }));
  });

  test('while a narration is in flight updatedAt is the API\'s alone; other fields stay editable', async () => {
    for (const audioStatus of ['pending', 'processing']) {
      const path = `stories/flight-${audioStatus}`;
      await seed(env, { [path]: { userId: 'alice', text: 'x', audioStatus, updatedAt: new Date(0) } });
      await assertFails(updateDoc(doc(db.alice, path), { updatedAt: serverTimestamp() }));
      await assertSucceeds(updateDoc(doc(db.alice, path), { title: 'A new title' }));
    }
  });
});

describe('story ids', () => {
  test('only ids the API can narrate may be created', async () => {
    for (const id of [' abc', 'abc ', 'a.b', 'caf\u00e9']) {
      await assertFails(setDoc(doc(db.alice, `stories/${id}`), { userId: 'alice', text: 'x' }));
    }
    await assertSucceeds(setDoc(doc(db.alice, 'stories/Abc-1_2'), { userId: 'alice', text: 'x' }));
  });
});

describe('deleting stories', () => {
  test('the owner deletes their story, even a narrated one', async () => {
    await assertSucceeds(deleteDoc(doc(db.alice, 'stories/alice-story')));
  });

  test('another user or a signed-out caller cannot', async () => {
    await assertFails(deleteDoc(doc(db.bob, 'stories/alice-story')));
    await assertFails(deleteDoc(doc(db.anonymous, 'stories/alice-story')));
  });
});

describe("the API's admin access", () => {
  test('writes every audio field, as the callbacks do', async () => {
    await env.withSecurityRulesDisabled(async (context) => {
      await assertSucceeds(
        updateDoc(doc(context.firestore(), 'stories/alice-story'), {
          audioStatus: 'failed',
          audioError: 'The narration could not be made.',
          updatedAt: serverTimestamp(),
        })
      );
    });
  });
});
