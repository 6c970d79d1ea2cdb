"""Prometheus metrics, in a registry of the app's own (so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.callbacks = Counter(
            "tts_callbacks",
            "Callbacks answered, by type and outcome "
            "(applied, stale, duplicate, conflict, rejected, unavailable, error).",
            ["type", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tts_callback_duration_seconds",
            "Time to answer a callback, from the first body byte read to the response.",
            ["type"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.firestore_errors = Counter(
            "firestore_errors",
            "Firestore calls that failed, by kind (a gRPC status name, or timeout).",
            ["kind"],
            registry=self.registry,
        )
        self.reconcile_passes = Counter(
            "tts_reconcile_passes",
            "Reconciler passes in the API, by trigger (loop, endpoint) and outcome (ok; errors: "
            "some story could not be handled; skipped: another pass held the lease; failed).",
            ["trigger", "outcome"],
            registry=self.registry,
        )

    def observe_callback(self, callback_type: str, outcome: str, seconds: float) -> None:
        self.callbacks.labels(type=callback_type, outcome=outcome).inc()
        self.latency.labels(type=callback_type).observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
