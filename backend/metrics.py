"""Prometheus metrics: request counts and latencies by route template, served at /metrics.

Labels use the route's template (`/media/{media_id}`), never the raw path, so an attacker cannot
grow the number of series. With several uvicorn workers, set PROMETHEUS_MULTIPROC_DIR (the
Procfile does): each worker then writes its numbers to files there and a scrape, whichever worker
answers it, adds up every worker's (prometheus_client's multiprocess mode). The directory must be
emptied before the workers start: `python -m backend.metrics` does it, and the Procfile runs it.

A scrape needs `Authorization: Bearer $METRICS_TOKEN` when METRICS_TOKEN is set; production
serves /metrics only then, since route names and error rates are not for the public.
"""

from __future__ import annotations

import hmac
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import json_error
from backend.snapshot import Loaded
from backend.state import app_state

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter("thanglong_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "thanglong_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# Air quality (the worker's feed poll): a feed that is down or sends garbage shows here.
AIR_FEED_POLLS = Counter(
    "thanglong_air_feed_polls_total", "Air quality feed polls by outcome", ["feed", "outcome"]
)
AIR_READINGS = Counter(
    "thanglong_air_readings_total",
    "Air quality readings: stored, duplicate (seen before) or rejected (implausible)",
    ["outcome"],
)
AIR_STATIONS_STALE = Counter(
    "thanglong_air_stations_stale_total", "Air quality stations that stopped reporting"
)
AIR_ALERTS = Counter(
    "thanglong_air_alerts_total", "Automatic air quality alerts sent, by VN_AQI band", ["band"]
)

# The content snapshot (backend/snapshot.py): every web process holds the same copy, so the
# largest figure of the live processes is the one to watch.
SNAPSHOT_ENTRIES = Gauge(
    "thanglong_content_snapshot_entries",
    "Places, journeys, areas, categories, departments, tours and hotels in the process's "
    "content snapshot",
    multiprocess_mode="max",
)
SNAPSHOT_BYTES = Gauge(
    "thanglong_content_snapshot_bytes",
    "BSON size of the documents in the process's content snapshot",
    multiprocess_mode="max",
)
SNAPSHOT_LOAD_SECONDS = Gauge(
    "thanglong_content_snapshot_load_seconds",
    "How long the last load of the content snapshot took",
    multiprocess_mode="max",
)
SNAPSHOT_RELOADS = Counter(
    "thanglong_content_snapshot_reloads_total", "Loads of the content snapshot"
)


def record_snapshot(loaded: Loaded) -> None:
    """Report a content snapshot just swapped in (the snapshot's `report` hook)."""
    SNAPSHOT_ENTRIES.set(loaded.entries)
    SNAPSHOT_BYTES.set(loaded.size_bytes)
    SNAPSHOT_LOAD_SECONDS.set(loaded.load_seconds)
    SNAPSHOT_RELOADS.inc()


class MetricsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope["method"] if scope["method"] in ("GET", "POST", "HEAD") else "OTHER"
            REQUESTS.labels(method, template, f"{status // 100}xx").inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - started)


def _bearer_matches(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    # Constant time: the comparison must not tell an attacker how much of a guess was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


async def metrics_endpoint(request: Request) -> Response:
    """The Prometheus exposition, of every worker when PROMETHEUS_MULTIPROC_DIR is set."""
    state = app_state(request.app)
    token = state.settings.metrics_token
    if token is None and state.settings.production:
        return json_error(404, "NOT_FOUND", "Not found")
    if token is not None and not _bearer_matches(request, token):
        return json_error(401, "UNAUTHENTICATED", "A scrape needs the METRICS_TOKEN bearer token")
    if MULTIPROC_ENV in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def prepare_multiprocess_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Create PROMETHEUS_MULTIPROC_DIR, emptied of a previous run's files, or do nothing."""
    value = environ.get(MULTIPROC_ENV)
    if not value:
        return None
    directory = Path(value)
    directory.mkdir(parents=True, exist_ok=True)
    # Only prometheus_client's own files: a mistyped path must not cost anyone their data.
    for stale in directory.glob("*.db"):
        stale.unlink()
    return directory


if __name__ == "__main__":
    # The web start (Procfile, Dockerfile) runs this before uvicorn forks its workers: left-over
    # files of an earlier run would be added to this run's counters.
    prepare_multiprocess_dir()
    sys.exit(0)
