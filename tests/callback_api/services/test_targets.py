"""Where jobs go (`JobTarget.of`): narration's rule, which voices follow too."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from callback_api.core.config import Settings
from callback_api.services.targets import JobTarget
from shared.signing import generate_secret

RUNPOD = {
    "runpod_api_key": SecretStr("rp-key"),
    "runpod_endpoint_id": "endpoint-1",
    "runpod_api_base_url": "https://api.runpod.example/v2",
}
PUBLIC = {"callback_api_public_url": "https://api.example.com"}
KEY = generate_secret()
SECRET = {"callback_signing_secret": SecretStr(KEY)}
DEV = {"callback_api_dev_mode": True, "firestore_emulator_host": "127.0.0.1:8080"}
LOCAL = {"runpod_local_api_url": "http://127.0.0.1:8010"}


def target(**fields: Any) -> JobTarget | None:
    return JobTarget.of(Settings(_env_file=None, **fields))


def test_runpods_endpoint_with_its_key() -> None:
    found = target(**RUNPOD, **PUBLIC, **SECRET)
    assert found == JobTarget(
        "https://api.runpod.example/v2/endpoint-1", "rp-key", "https://api.example.com", KEY
    )
    assert found is not None
    assert found.run_url == "https://api.runpod.example/v2/endpoint-1/run"
    assert "rp-key" not in repr(found)
    assert KEY not in repr(found)


def test_the_local_api_wins_over_runpod_and_never_gets_its_key() -> None:
    found = target(**RUNPOD, **PUBLIC, **SECRET, **DEV, **LOCAL)
    assert found is not None
    assert (found.endpoint_url, found.api_key) == ("http://127.0.0.1:8010", None)
    alone = target(**PUBLIC, **SECRET, **DEV, **LOCAL)
    assert alone is not None
    assert (alone.endpoint_url, alone.api_key) == ("http://127.0.0.1:8010", None)


@pytest.mark.parametrize(
    "fields",
    [
        {**PUBLIC, **SECRET, **DEV},
        {**RUNPOD, **SECRET},
        {**RUNPOD, **PUBLIC, **DEV},
        {**LOCAL, **SECRET, **DEV},
    ],
    ids=["no-endpoint", "no-public-url", "no-secret", "local-without-public-url"],
)
def test_without_an_endpoint_a_public_url_or_a_secret_there_is_none(
    fields: dict[str, Any],
) -> None:
    assert target(**fields) is None
