"""firestore.rules against the real Firestore emulator, with the rules file loaded.

The rules' own tests are node tests (tests/rules/*.test.js, @firebase/rules-unit-testing and the
Firebase JS SDK, as the app's clients use it); this module starts an emulator with
`--rules=firestore.rules`, runs them, and checks from Python that the API's admin access is not
limited by the rules.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.emulators import running
from tools.firestore_emulator import FirestoreEmulator

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "firestore.rules"
NODE_TESTS = Path(__file__).resolve().parent
NODE_MODULES = ROOT / "emulators" / "node_modules"
PROJECT = "demo-rules-admin"
NODE_TIMEOUT_S = 240

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rules_emulator() -> Iterator[FirestoreEmulator]:
    with running(FirestoreEmulator(project=PROJECT, rules=RULES)) as emulator:
        yield emulator


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js 20+ is needed for the Firestore rules tests", pytrace=False)
    if not (NODE_MODULES / "@firebase" / "rules-unit-testing").is_dir():
        pytest.fail(
            f"{NODE_MODULES} lacks @firebase/rules-unit-testing: run `make test-fast`, "
            "or `npm ci` in emulators/",
            pytrace=False,
        )
    return node


def _count(output: str, name: str) -> int:
    match = re.search(rf"^# {name} (\d+)$", output, re.MULTILINE)
    return int(match.group(1)) if match else -1


def test_the_node_rules_tests_pass(rules_emulator: FirestoreEmulator) -> None:
    env = {**os.environ, "FIRESTORE_EMULATOR_HOST": rules_emulator.host_port}
    result = subprocess.run(
        [_node(), "--test", "--test-reporter=tap", str(NODE_TESTS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
        check=False,
    )
    output = result.stdout + result.stderr
    failed, passed = _count(output, "fail"), _count(output, "pass")
    if result.returncode != 0 or failed != 0 or passed < 1:
        pytest.fail(
            f"node --test exited {result.returncode} ({passed} passed, {failed} failed):\n"
            f"{output[-20000:]}\n--- emulator log ---\n{rules_emulator.log_tail()}",
            pytrace=False,
        )
    # Every case of the three files ran: a file that silently found no emulator would show here.
    assert passed == _count(output, "tests")
    assert passed >= 50


def _rest_get(emulator: FirestoreEmulator, doc_path: str, token: str | None) -> int:
    url = f"{emulator.base_url}/v1/projects/{PROJECT}/databases/(default)/documents/{doc_path}"
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_emulator_enforces_the_rules_file(rules_emulator: FirestoreEmulator) -> None:
    # No credentials is a signed-out client: refused, where an emulator without rules answers.
    assert _rest_get(rules_emulator, "stories/missing", None) == 403
    # "owner" is the emulator's admin credential: past the rules, the story simply is not there.
    assert _rest_get(rules_emulator, "stories/missing", "owner") == 404


def test_admin_access_writes_what_clients_may_not(
    rules_emulator: FirestoreEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import firebase_admin
    from firebase_admin import firestore
    from google.auth.credentials import AnonymousCredentials

    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", rules_emulator.host_port)
    app = firebase_admin.initialize_app(
        AnonymousCredentials(), {"projectId": PROJECT}, name=f"rules-{uuid.uuid4().hex}"
    )
    try:
        db = firestore.client(app)
        story = db.collection("stories").document("s1")
        story.set({"userId": "alice", "text": "Once."})
        story.update({"audioStatus": "ready", "audioUrl": "https://storage.example/a.mp3"})
        db.collection("voices").document("v1").set({"userId": "alice", "status": "ready"})
        db.collection("_leases").document("reconciler").set({"holder": "api-1"})
        assert story.get().to_dict()["audioStatus"] == "ready"
        assert db.collection("voices").document("v1").get().exists
    finally:
        firebase_admin.delete_app(app)


def test_every_story_field_the_api_writes_is_closed_to_clients() -> None:
    # firestore.rules closes every name starting with "audio" to clients: a field the API adds
    # (the read-along tracks, say) is covered only while it keeps that prefix.
    from callback_api.services.rules import ATTEMPT_FIELDS, READ_FIELDS

    written = set(READ_FIELDS) - {"updatedAt"}
    assert {"audioTimingsUrl", "audioStreamTimingsUrl"} <= set(ATTEMPT_FIELDS) <= written
    assert all(name.startswith("audio") for name in written)


def test_firebase_json_deploys_the_shipped_rules_and_index() -> None:
    # `firebase deploy --only firestore:rules` (and `firestore:indexes`) read these names.
    config = json.loads((ROOT / "firebase.json").read_text(encoding="utf-8"))
    assert config["firestore"] == {"rules": "firestore.rules", "indexes": "firestore.indexes.json"}
    assert all((ROOT / name).is_file() for name in config["firestore"].values())
