"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from callback_api.api.deps import MetricsDep, MetricsTokenDep, ReadinessDep, SettingsDep

router = APIRouter(tags=["operations"])


@router.get("/health", summary="The process is up")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/ready",
    summary="Firestore is reachable",
    description="Firestore's answer to one read, kept `READY_CACHE_SECONDS`.",
    responses={503: {"description": "Firestore did not answer in time."}},
)
async def ready(readiness: ReadinessDep, settings: SettingsDep) -> JSONResponse:
    if not await readiness.ready():
        return JSONResponse(
            {"status": "unavailable"},
            status_code=503,
            headers={"Retry-After": str(settings.retry_after_seconds)},
        )
    return JSONResponse({"status": "ready"})


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={401: {"description": "`METRICS_TOKEN` is set and was not given."}},
)
async def metrics(metrics: MetricsDep, _: MetricsTokenDep) -> Response:
    return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
