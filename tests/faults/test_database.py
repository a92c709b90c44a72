"""Database faults, for real: the SecantusDB process stopped for 20 s, and killed with SIGKILL.

Each test runs the app on a database server of its own, on disk, so it can stop, kill and restart
it on the same port and storage while the rest of the suite keeps the session's server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from bson import ObjectId
from pymongo import AsyncMongoClient

from backend.app import create_app
from backend.areas import repository as area_repository
from backend.domains import ensure_indexes
from backend.embedded import EmbeddedMongo
from backend.error_messages import code_message
from backend.processes import free_port
from backend.reports import repository as report_repository
from backend.seed import CONTENT_DIR
from backend.settings import Settings
from tests.conftest import with_settings
from tests.reports.conftest import REPORT_CREATE, report_input

OUTAGE_SECONDS = 20.0  # as the issue asks
FAIL_FAST_SECONDS = 2.0
# A write that was mid-transaction when the server died first waits for its socket error, then
# for one server selection: measured 1.0-1.2 s on a quiet machine, 2.07 s once with load 10.
IN_FLIGHT_SECONDS = 3.0
RECOVERY_SECONDS = 10.0

REPORT = "query Report($id: ID!) { report(id: $id) { id status } }"


@dataclass
class Traffic:
    """What a stream of requests saw: acknowledged writes and each failure's latency."""

    acknowledged: list[str] = field(default_factory=list)
    # (started at, seconds taken, HTTP status, error code) of each failed request
    failures: list[tuple[float, float, int, str]] = field(default_factory=list)
    successes: int = 0


async def create_report(
    http: httpx.AsyncClient, make_token: Callable[..., str], traffic: Traffic
) -> None:
    """One resident's report; acknowledged only when the app answered with its id."""
    uid = f"r-{uuid.uuid4().hex[:12]}"
    headers = {"Authorization": f"Bearer {make_token(uid=uid)}"}
    started = time.monotonic()
    response = await http.post(
        "/graphql",
        json={"query": REPORT_CREATE, "variables": {"input": report_input()}},
        headers=headers,
    )
    elapsed = time.monotonic() - started
    body = response.json()
    report = ((body.get("data") or {}).get("reportCreate") or {}).get("report")
    if response.status_code == 200 and report is not None:
        traffic.acknowledged.append(report["id"])
        traffic.successes += 1
        return
    errors = body.get("errors") or [body.get("error") or {}]
    code = (errors[0].get("extensions") or {}).get("code") or errors[0].get("code")
    traffic.failures.append((started, elapsed, response.status_code, str(code)))


@contextlib.asynccontextmanager
async def app_on(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=30
        ) as http:
            yield http


async def seed_for_reports(uri: str, database: str) -> None:
    """Indexes, areas and categories only: the whole content (bookings' inventory) takes 12 s
    on a disk that syncs every commit."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        await ensure_indexes(client[database])
        await area_repository.load_content(client[database], CONTENT_DIR)
        await report_repository.load_content(client[database], CONTENT_DIR)
    finally:
        await client.close()


async def stored_ids(uri: str, database: str, ids: list[str]) -> set[str]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        found = client[database].reports.find({"_id": {"$in": [ObjectId(i) for i in ids]}})
        return {str(doc["_id"]) async for doc in found}
    finally:
        await client.close()


@pytest.fixture
def own_server(tmp_path: Path) -> Callable[[], EmbeddedMongo]:
    """A server on disk that a test may stop and start again on the same port and storage."""
    storage, port = tmp_path / "db", free_port()
    started: list[EmbeddedMongo] = []

    def start() -> EmbeddedMongo:
        server = EmbeddedMongo(storage, port=port, log_file=tmp_path / "secantusdb.log")
        started.append(server)
        return server.start()

    yield start  # type: ignore[misc]
    for server in started:
        server.stop()


async def test_database_down_for_20_seconds_during_traffic(
    settings: Settings, own_server: Callable[[], EmbeddedMongo], make_token: Callable[..., str]
) -> None:
    server = await asyncio.to_thread(own_server)
    settings = with_settings(settings, mongodb_uri=server.uri)
    await seed_for_reports(server.uri, settings.mongodb_db)
    traffic = Traffic()
    outage_reads: list[tuple[float, str]] = []
    outage_rest: list[tuple[float, int, str, str]] = []
    async with app_on(settings) as http:
        # given steady traffic: residents creating reports, two at a time
        stop_traffic = asyncio.Event()

        async def writer() -> None:
            while not stop_traffic.is_set():
                await create_report(http, make_token, traffic)

        writers = [asyncio.create_task(writer()) for _ in range(2)]
        while traffic.successes < 10:  # noqa: ASYNC110 - polling what the writers achieved
            await asyncio.sleep(0.05)
        before = len(traffic.acknowledged)

        # when the database stops for 20 seconds
        await asyncio.to_thread(server.stop)
        down_at = time.monotonic()
        # then every kind of request fails fast and says why
        while time.monotonic() - down_at < OUTAGE_SECONDS:
            started = time.perf_counter()
            read = await http.post(
                "/graphql", json={"query": REPORT, "variables": {"id": traffic.acknowledged[0]}}
            )
            outage_reads.append(
                (time.perf_counter() - started, read.json()["errors"][0]["extensions"]["code"])
            )
            assert read.json()["data"] is None or read.json()["data"]["report"] is None
            started = time.perf_counter()
            photo = await http.get(f"/media/{ObjectId()}")
            error = photo.json()["error"]
            took = time.perf_counter() - started
            outage_rest.append((took, photo.status_code, error["code"], error["message"]))
            ready = await http.get("/readyz")
            assert ready.status_code == 503
        # (a write already in flight when the server stopped may also wait for its retry)
        outage_writes = [f[1:] for f in traffic.failures if down_at < f[0] < time.monotonic()]

        # and when it comes back on the same port and storage
        await asyncio.to_thread(own_server)
        back_at = time.monotonic()
        # then the app recovers by itself: ready, and serving reads and writes again
        while (await http.get("/readyz")).status_code != 200:
            assert time.monotonic() - back_at < RECOVERY_SECONDS, "not ready 10 s after restart"
            await asyncio.sleep(0.1)
        ready_after = time.monotonic() - back_at
        recovered = traffic.successes
        while traffic.successes < recovered + 5:
            assert time.monotonic() - back_at < RECOVERY_SECONDS, "writes did not resume"
            await asyncio.sleep(0.05)
        writes_after = time.monotonic() - back_at
        stop_traffic.set()
        await asyncio.gather(*writers)
        read = await http.post(
            "/graphql", json={"query": REPORT, "variables": {"id": traffic.acknowledged[0]}}
        )
        assert read.json()["data"]["report"]["id"] == traffic.acknowledged[0]

    # and no acknowledged write was lost
    stored = await stored_ids(server.uri, settings.mongodb_db, traffic.acknowledged)
    assert stored == set(traffic.acknowledged)
    slowest = max(
        [t for t, _ in outage_reads] + [t for t, *_ in outage_rest] + [t for t, *_ in outage_writes]
    )
    print(
        f"\noutage {OUTAGE_SECONDS:.0f} s: {len(outage_reads)} reads, {len(outage_rest)} REST "
        f"calls, {len(outage_writes)} writes failed, slowest {slowest:.2f} s; ready again "
        f"{ready_after:.2f} s and writing {writes_after:.2f} s after the restart; "
        f"{len(traffic.acknowledged)} acknowledged writes ({before} before the outage), all kept"
    )
    assert outage_reads and outage_writes and outage_rest
    assert {code for _, code in outage_reads} == {"UNAVAILABLE"}
    assert {code for _, _, code in outage_writes} == {"UNAVAILABLE"}
    # said in the city's language, as the request named none
    unavailable = (503, "UNAVAILABLE", code_message("UNAVAILABLE").vi)
    assert {(status, code, said) for _, status, code, said in outage_rest} == {unavailable}
    assert slowest < FAIL_FAST_SECONDS


async def test_acknowledged_reports_survive_sigkill_during_writes(
    settings: Settings, own_server: Callable[[], EmbeddedMongo], make_token: Callable[..., str]
) -> None:
    server = await asyncio.to_thread(own_server)
    settings = with_settings(settings, mongodb_uri=server.uri)
    await seed_for_reports(server.uri, settings.mongodb_db)
    traffic = Traffic()
    async with app_on(settings) as http:
        # given eight residents creating reports at once
        stop = asyncio.Event()

        async def writer() -> None:
            while not stop.is_set():
                await create_report(http, make_token, traffic)

        writers = [asyncio.create_task(writer()) for _ in range(8)]
        while traffic.successes < 40:  # noqa: ASYNC110 - polling what the writers achieved
            await asyncio.sleep(0.01)
        # when the database is killed mid-write, as a crash or the OOM killer would
        await asyncio.to_thread(server.kill)
        killed_at = time.monotonic()
        stop.set()
        await asyncio.gather(*writers)
        # the writes in flight fail fast too, rather than retrying for two minutes
        in_flight = time.monotonic() - killed_at
    # then after a restart on the same storage every acknowledged report is there
    restarted = await asyncio.to_thread(own_server)
    stored = await stored_ids(restarted.uri, settings.mongodb_db, traffic.acknowledged)
    print(
        f"\nSIGKILL: {len(traffic.acknowledged)} acknowledged, {len(traffic.failures)} failed "
        f"in flight (all answered within {in_flight:.2f} s), {len(stored)} found after restart"
    )
    assert len(traffic.acknowledged) >= 40
    assert {code for *_, code in traffic.failures} == {"UNAVAILABLE"}
    assert in_flight < IN_FLIGHT_SECONDS
    assert stored == set(traffic.acknowledged)
    gc.collect()  # a socket the driver left behind fails this test, not a later one
