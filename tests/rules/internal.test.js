'use strict';
// Everything the rules do not name is closed to clients: the API's internal collections (the
// reconciler's lease, per-user quotas, idempotency records), sub-collections, unknown paths.

const { after, before, beforeEach, describe, test } = require('node:test');
const { assertFails, clients, firestore, openEnvironment, seed } = require('./helpers.js');

const { collection, deleteDoc, doc, getDoc, getDocs, setDoc } = firestore;

// Each names the caller as its owner, so only the missing rule refuses it.
const INTERNAL = [
  '_leases/reconciler',
  'quotas/alice',
  'idempotency/alice-key',
  'stories/alice-story/submissions/1',
  'voices/alice-voice/jobs/1',
  'anything/else',
];

let env;
let db;

before(async () => {
  env = await openEnvironment('internal');
  db = clients(env);
});

after(async () => {
  await env.cleanup();
});

beforeEach(async () => {
  await env.clearFirestore();
  const owned = { userId: 'alice', holder: 'api-1' };
  await seed(env, Object.fromEntries(INTERNAL.map((docPath) => [docPath, owned])));
});

for (const docPath of INTERNAL) {
  describe(docPath, () => {
    test('a signed-in user can neither read nor write it', async () => {
      const ref = doc(db.alice, docPath);
      await assertFails(getDoc(ref));
      await assertFails(getDocs(collection(db.alice, docPath.split('/').slice(0, -1).join('/'))));
      await assertFails(setDoc(ref, { userId: 'alice', holder: 'alice' }));
      await assertFails(deleteDoc(ref));
      await assertFails(setDoc(doc(db.alice, `${docPath}-new`), { userId: 'alice' }));
    });

    test('a signed-out caller can neither read nor write it', async () => {
      const ref = doc(db.anonymous, docPath);
      await assertFails(getDoc(ref));
      await assertFails(setDoc(ref, { holder: 'anonymous' }));
    });
  });
}
