'use strict';
// Shared set-up for the Firestore rules tests (run by tests/rules/test_rules.py, or by hand:
// `FIRESTORE_EMULATOR_HOST=127.0.0.1:8080 node --test tests/rules/` with an emulator running).
//
// The npm packages live in emulators/node_modules (see emulators/package.json), not beside these
// files, so they are required relative to that folder: the tests run from any directory.

const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

const ROOT = path.resolve(__dirname, '..', '..');
const requireTool = createRequire(path.join(ROOT, 'emulators', 'package.json'));

const testing = requireTool('@firebase/rules-unit-testing');
const firestore = requireTool('firebase/firestore');

const RULES_FILE = path.join(ROOT, 'firestore.rules');

// Refused writes make the SDK log every PERMISSION_DENIED it receives; the assertions say enough.
firestore.setLogLevel('silent');

/**
 * A test environment on the emulator of FIRESTORE_EMULATOR_HOST, with firestore.rules loaded.
 *
 * `name` picks the project: node --test runs the files at once, and each empties its own
 * project before every test, which must not empty another file's documents.
 */
async function openEnvironment(name) {
  const hostPort = process.env.FIRESTORE_EMULATOR_HOST;
  if (!hostPort) {
    throw new Error('FIRESTORE_EMULATOR_HOST is not set: start an emulator and point it there');
  }
  const [host, port] = hostPort.split(':');
  return testing.initializeTestEnvironment({
    projectId: `demo-rules-${name}`,
    // Loaded again here (the emulator was started with --rules too) so that a hand run against
    // any emulator tests exactly this file.
    firestore: { host, port: Number(port), rules: fs.readFileSync(RULES_FILE, 'utf8') },
  });
}

/** Writes documents as the API does: with admin access, which rules never limit. */
async function seed(env, documents) {
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore();
    for (const [docPath, data] of Object.entries(documents)) {
      await firestore.setDoc(firestore.doc(db, docPath), data);
    }
  });
}

/** Firestore clients for the three kinds of caller. */
function clients(env) {
  return {
    alice: env.authenticatedContext('alice').firestore(),
    bob: env.authenticatedContext('bob').firestore(),
    anonymous: env.unauthenticatedContext().firestore(),
  };
}

module.exports = {
  assertFails: testing.assertFails,
  assertSucceeds: testing.assertSucceeds,
  clients,
  firestore,
  openEnvironment,
  seed,
};
