"""An emulator for the length of a fixture, or the run failed with how to install it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol, TypeVar

import pytest

from tools.firestore_emulator import EmulatorNotInstalledError


class Emulator(Protocol):
    def start(self) -> object: ...

    def stop(self) -> None: ...


E = TypeVar("E", bound=Emulator)


@contextmanager
def running(emulator: E) -> Iterator[E]:
    """`emulator` started, then stopped; not installed is a failure with the install hint (a
    missing tool must not pass for a skip, nor bury its hint in a traceback)."""
    try:
        emulator.start()
    except EmulatorNotInstalledError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield emulator
    finally:
        emulator.stop()
