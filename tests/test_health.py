"""Liveness, readiness, health query, request ids, security headers, locale."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable

import httpx
from asgi_lifespan import LifespanManager

from backend.app import GC_YOUNG_THRESHOLD, create_app
from backend.embedded import EmbeddedMongo
from backend.settings import Settings, load_settings
from tests.conftest import with_settings

HEALTH = "query Health { health { database version contentVersion } }"
VIEWER = "query Viewer { viewer { id roles locale } }"


async def test_healthz_and_readyz_answer(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_health_query_reports_database_up(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": HEALTH})
    health = response.json()["data"]["health"]
    assert health["database"] == "UP"
    assert health["version"]


async def test_anonymous_viewer_has_no_id_and_defaults_to_vietnamese(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": VIEWER})
    assert response.json() == {"data": {"viewer": {"id": None, "roles": [], "locale": "VI"}}}


async def test_accept_language_sets_locale(client: httpx.AsyncClient) -> None:
    english = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"}
    )
    assert english.json()["data"]["viewer"]["locale"] == "EN"
    preferred = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Accept-Language": "fr, en;q=0.3, vi;q=0.8"}
    )
    assert preferred.json()["data"]["viewer"]["locale"] == "VI"


async def test_every_response_has_request_id_and_security_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "client-req-0001"})
    assert response.headers["x-request-id"] == "client-req-0001"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    forged = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert forged.headers["x-request-id"] != "bad id\twith spaces"


async def test_readyz_is_503_when_the_database_is_down(settings: Settings) -> None:
    # given an app on a database server of its own
    server = EmbeddedMongo(":memory:").start()
    app = create_app(with_settings(settings, mongodb_uri=server.uri, db_timeout_ms=500))
    try:
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                assert (await http.get("/readyz")).status_code == 200
                # when the database goes away
                server.stop()
                # then readiness fails (within the 2 s budget) while liveness holds
                ready = await http.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["error"]["code"] == "UNAVAILABLE"
                assert (await http.get("/healthz")).status_code == 200
                health = await http.post("/graphql", json={"query": HEALTH})
                assert health.json()["data"]["health"]["database"] == "DOWN"
    finally:
        server.stop()


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/no/such/path/123")
    body = (await client.get("/metrics")).text
    assert 'thanglong_http_requests_total{method="GET",route="/healthz",status="2xx"}' in body
    assert 'route="unmatched",status="4xx"' in body
    assert "/no/such/path/123" not in body


async def test_web_processes_freeze_start_up_objects_out_of_the_gc(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> None:
    assert load_settings({}).tune_gc  # a web process started from the environment tunes
    threshold = gc.get_threshold()
    try:
        async for client in serve(with_settings(settings, tune_gc=True)):
            assert (await client.get("/healthz")).status_code == 200
            assert gc.get_freeze_count() > 10_000  # modules, the schema, the content
            assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
