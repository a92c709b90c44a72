"""The CSV export streams: 50,000 reports pass through with bounded memory."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from bson import ObjectId
from starlette.types import ASGIApp, Message

from backend.app import create_app
from backend.reports.repository import REPORTS, public
from backend.settings import Settings
from tests.conftest import with_settings

REPORT_COUNT = 50_000
INSERT_BATCH = 5_000
PEAK_LIMIT_BYTES = 30 * 1024 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No content: the export needs only reports (unknown categories count as private).

    SecantusDB reads a whole index range before it answers the first batch, which can take
    more than the default 10 s per operation on a loaded machine: allow 50 s.
    """
    return with_settings(settings, seed_on_start=False, db_timeout_ms=10_000)


@pytest.fixture
async def app(settings: Settings, db_client: Any) -> AsyncIterator[ASGIApp]:
    """The app inside its lifespan, called directly: httpx's ASGI transport keeps whole bodies."""
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=60) as manager:
        yield manager.app
    await db_client.drop_database(settings.mongodb_db)


async def test_fifty_thousand_reports_stream_as_csv_in_bounded_memory(
    app: ASGIApp, db_client: Any, settings: Settings
) -> None:
    # given 50,000 reports over the last 300 days, with the export's indexes
    reports = db_client[settings.mongodb_db][REPORTS]
    await reports.create_indexes(list(public.INDEXES[REPORTS]))
    start = datetime.now(UTC) - timedelta(days=300)
    started = time.perf_counter()
    for offset in range(0, REPORT_COUNT, INSERT_BATCH):
        await reports.insert_many(
            [
                {
                    "_id": ObjectId(),
                    "category": "pothole",
                    "status": "SUBMITTED",
                    "area": "00070",
                    "location": {"type": "Point", "coordinates": [105.85 + n * 1e-7, 21.03]},
                    "created_at": start + timedelta(minutes=(offset + n) * 8),
                    "updated_at": start + timedelta(minutes=(offset + n) * 8),
                }
                for n in range(INSERT_BATCH)
            ]
        )
    inserted = time.perf_counter() - started

    # when the CSV is downloaded and read chunk by chunk
    chunks = lines = received = 0
    status = 0
    request_sent = False
    finished = asyncio.Event()

    async def receive() -> Message:
        nonlocal request_sent
        if not request_sent:
            request_sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()  # the client stays connected until the body ends
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal chunks, lines, received, status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            chunks += 1
            received += len(body)
            lines += body.count(b"\n")
            if not message.get("more_body", False):
                finished.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/opendata/reports.csv",
        "raw_path": b"/opendata/reports.csv",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "root_path": "",
    }
    started = time.perf_counter()
    tracemalloc.start()
    try:
        await app(scope, receive, send)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    streamed = time.perf_counter() - started

    # then every report and the header arrived, in many chunks, with a bounded peak
    print(
        f"\n{REPORT_COUNT} reports: inserted in {inserted:.1f} s; streamed {received / 1e6:.1f} MB"
        f" in {chunks} chunks in {streamed:.1f} s; peak traced memory {peak / 1e6:.1f} MB"
    )
    assert status == 200
    assert lines == REPORT_COUNT + 1
    assert chunks > REPORT_COUNT // public.BATCH
    assert peak < PEAK_LIMIT_BYTES
    assert peak < received  # less than the body: it never sat in memory at once
