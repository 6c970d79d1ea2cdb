"""The Firestore lease against the emulator: one holder at a time, taken over once it expires."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from google.cloud.firestore import Client
from pydantic import SecretStr, ValidationError

from callback_api.core.config import Settings
from callback_api.core.errors import FirestoreUnavailableError
from callback_api.core.firestore import close_firestore, open_firestore
from callback_api.services.lease import Lease
from tools.firestore_emulator import FirestoreEmulator

MINUTE = timedelta(minutes=1)
T0 = datetime(2030, 1, 1, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand, shared by the holders it is given to."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@asynccontextmanager
async def leases(
    settings: Settings, *holders: str, clock: Callable[[], datetime] | None = None
) -> AsyncIterator[list[Lease]]:
    """One lease object per holder, each on a Firestore client of its own (as replicas are)."""
    opened = [open_firestore(settings) for _ in holders]
    try:
        yield [
            Lease(
                client,
                "_leases",
                "reconciler",
                duration=MINUTE,
                timeout=settings.firestore_timeout_seconds,
                holder=holder,
                **({"clock": clock} if clock else {}),
            )
            for (client, _), holder in zip(opened, holders, strict=True)
        ]
    finally:
        for _, app in opened:
            close_firestore(app)


def lease_document(db: Client) -> dict[str, object] | None:
    snapshot = db.collection("_leases").document("reconciler").get()
    return snapshot.to_dict() if snapshot.exists else None


def test_one_holder_at_a_time_until_the_lease_expires(
    api_settings: Settings, firestore_db: Client
) -> None:
    clock = Clock()

    async def scenario() -> list[bool]:
        async with leases(api_settings, "a", "b", clock=clock) as (a, b):
            taken = [await a.take(), await b.take()]
            clock.now += MINUTE / 2
            taken += [await a.take(), await b.take()]  # a renews: b still waits
            clock.now += MINUTE - timedelta(seconds=1)
            taken.append(await b.take())  # a's renewal still holds, by a second
            clock.now += timedelta(seconds=2)
            taken += [await b.take(), await a.take()]  # a stopped renewing: b takes over
            return taken

    assert asyncio.run(scenario()) == [True, False, True, False, False, True, False]
    assert lease_document(firestore_db) == {
        "holder": "b",
        "expiresAt": T0 + MINUTE / 2 + MINUTE + timedelta(seconds=1) + MINUTE,
        "renewedAt": T0 + MINUTE / 2 + MINUTE + timedelta(seconds=1),
    }


def test_a_released_lease_is_free_at_once_and_only_its_holder_releases_it(
    api_settings: Settings, firestore_db: Client
) -> None:
    async def scenario() -> list[bool]:
        async with leases(api_settings, "a", "b") as (a, b):
            taken = [await a.take()]
            await b.release()  # b never held it: nothing to give up
            taken.append(await b.take())
            await a.release()
            taken.append(await b.take())
            return taken

    assert asyncio.run(scenario()) == [True, False, True]
    assert (lease_document(firestore_db) or {})["holder"] == "b"


def test_a_release_does_not_remove_a_lease_taken_over_since(
    api_settings: Settings, firestore_db: Client
) -> None:
    clock = Clock()

    async def scenario() -> None:
        async with leases(api_settings, "a", "b", clock=clock) as (a, b):
            assert await a.take()
            clock.now += 2 * MINUTE
            assert await b.take()
            await a.release()  # a was too slow: the lease is b's now

    asyncio.run(scenario())
    assert (lease_document(firestore_db) or {})["holder"] == "b"


def test_of_many_replicas_taking_the_free_lease_at_once_exactly_one_gets_it(
    api_settings: Settings, firestore_db: Client
) -> None:
    holders = [f"replica-{n}" for n in range(6)]

    async def scenario() -> list[bool]:
        async with leases(api_settings, *holders) as replicas:
            return list(await asyncio.gather(*(lease.take() for lease in replicas)))

    taken = asyncio.run(scenario())

    assert taken.count(True) == 1
    assert (lease_document(firestore_db) or {})["holder"] == holders[taken.index(True)]


def test_of_many_replicas_taking_over_an_expired_lease_at_once_exactly_one_gets_it(
    api_settings: Settings, firestore_db: Client
) -> None:
    dead = {"holder": "killed", "expiresAt": T0 - MINUTE, "renewedAt": T0 - 2 * MINUTE}
    firestore_db.collection("_leases").document("reconciler").set(dead)
    holders = [f"replica-{n}" for n in range(6)]

    async def scenario() -> list[bool]:
        async with leases(api_settings, *holders, clock=Clock()) as replicas:
            return list(await asyncio.gather(*(lease.take() for lease in replicas)))

    taken = asyncio.run(scenario())

    assert taken.count(True) == 1
    assert (lease_document(firestore_db) or {})["holder"] == holders[taken.index(True)]


def test_firestore_unreachable_is_unavailable_within_the_deadline(
    unreachable_firestore: Settings,
) -> None:
    async def scenario() -> float:
        async with leases(unreachable_firestore, "a") as (a,):
            started = asyncio.get_running_loop().time()
            try:
                await a.take()
            except FirestoreUnavailableError:
                return asyncio.get_running_loop().time() - started
            raise AssertionError("an unreachable Firestore gave a lease")

    assert asyncio.run(scenario()) < unreachable_firestore.firestore_timeout_seconds + 0.5


def test_the_reconciler_settings_and_their_defaults(
    firestore_env: FirestoreEmulator, signing_secret: str
) -> None:
    defaults = Settings(
        callback_signing_secret=SecretStr(signing_secret), callback_api_dev_mode=True
    )
    assert (defaults.reconcile_in_api, defaults.reconcile_interval_s) == (True, 60)
    assert (defaults.reconcile_lease_s, defaults.reconcile_lease_collection) == (150, "_leases")
    assert defaults.reconcile_token is None


@pytest.mark.parametrize(("interval", "lease"), [(60, 60), (300, 200)])
def test_a_lease_that_would_lapse_between_passes_is_refused(
    firestore_env: FirestoreEmulator, signing_secret: str, interval: float, lease: float
) -> None:
    with pytest.raises(ValidationError, match="RECONCILE_LEASE_S must exceed RECONCILE_INTERVAL_S"):
        Settings(
            callback_signing_secret=SecretStr(signing_secret),
            callback_api_dev_mode=True,
            reconcile_interval_s=interval,
            reconcile_lease_s=lease,
        )


@pytest.mark.parametrize(
    "setting",
    [
        {"reconcile_interval_s": 301},
        {"reconcile_lease_s": 451},
        {"reconcile_token": "too-short"},
        {"reconcile_lease_collection": "a/b"},
    ],
)
def test_reconciler_settings_out_of_bounds_are_refused(
    firestore_env: FirestoreEmulator, signing_secret: str, setting: dict[str, object]
) -> None:
    with pytest.raises(ValidationError, match=next(iter(setting))):
        Settings(
            callback_signing_secret=SecretStr(signing_secret), callback_api_dev_mode=True, **setting
        )
