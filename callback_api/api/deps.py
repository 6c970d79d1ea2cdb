"""Dependencies, as `Annotated` aliases for route signatures.

All are `async def`: they do no I/O, and a plain `def` would cost a threadpool hop each.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from callback_api.api.observation import CallbackObservation
from callback_api.core.config import Settings
from callback_api.core.metrics import Metrics
from callback_api.services.stories import StoryStore


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_store(request: Request) -> StoryStore:
    store: StoryStore = request.app.state.store
    return store


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


async def get_observation(request: Request) -> CallbackObservation:
    observation: CallbackObservation = request.state.observation
    return observation


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[StoryStore, Depends(get_store)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
ObservationDep = Annotated[CallbackObservation, Depends(get_observation)]
