"""`tools/firestore_emulator.py`, which these tests (and `make demo`) stand on."""

from __future__ import annotations

import os
import urllib.error
import urllib.request

import pytest

from tools.firestore_emulator import EmulatorNotInstalledError, FirestoreEmulator

OWNER = {"Authorization": "Bearer owner", "Content-Type": "application/json"}


def test_missing_jar_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_JAR", "/nowhere/cloud-firestore-emulator.jar")

    with pytest.raises(EmulatorNotInstalledError) as caught:
        FirestoreEmulator().start()

    assert "gcloud components install cloud-firestore-emulator" in str(caught.value)
    assert "Java 17+" in str(caught.value)


def test_missing_java_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", "/nowhere")

    with pytest.raises(EmulatorNotInstalledError, match=r"Java was not found.*Java 17"):
        FirestoreEmulator().start()


def test_starts_resets_and_stops_its_whole_process_group() -> None:
    with FirestoreEmulator(project="demo-tool") as emulator:
        pid = emulator.pid
        assert pid is not None
        assert emulator.answers()
        url = f"{emulator.base_url}/v1/projects/demo-tool/databases/(default)/documents/c/d"
        request = urllib.request.Request(url, data=b"{}", method="PATCH", headers=OWNER)
        urllib.request.urlopen(request, timeout=10).close()
        with urllib.request.urlopen(urllib.request.Request(url, headers=OWNER)) as response:
            assert response.status == 200
        emulator.reset()
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(urllib.request.Request(url, headers=OWNER), timeout=10)
        assert caught.value.code == 404

    assert not emulator.running
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)
