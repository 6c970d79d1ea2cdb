"""Fixtures for the Chatterbox tests: engines over the stand-in model."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.helpers import chatterbox_standin as standin
from worker.engines.chatterbox.engine import ChatterboxEngine


@pytest.fixture
def make(tmp_path) -> Callable[..., ChatterboxEngine]:
    def build(variant: str = "english", **kwargs: Any) -> ChatterboxEngine:
        return standin.build_engine(tmp_path, variant, **kwargs)

    return build


@pytest.fixture
def engine(make) -> ChatterboxEngine:
    """An English engine, not warmed up, without an object store."""
    return make(warmup=False)
