"""The CSV export streams: its memory does not grow with the number of reports.

Bounded memory is shown by comparison, not by size alone: the same export of the last
SMALL_COUNT reports and of all LARGE_COUNT of them (after a first download, so that first-use
allocations count for neither) peaks at nearly the same traced memory, while the body grows by
~1.3 MB. An export that kept its rows, or the body, would grow at least by the body's growth.
(This replaced one download of 50,000 reports: inserting and dropping them cost 15-90 s, and
"peak below the body" proved the same thing less directly.)
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import AsyncIterator
from dataclasses import dataclass
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

LARGE_COUNT = 12_000
SMALL_COUNT = 2_000
INSERT_BATCH = 4_000
PEAK_LIMIT_BYTES = 30 * 1024 * 1024
# How much of the body's growth the peak may grow by: a tenth of the 10,000 extra rows' bytes.
GROWTH_SHARE = 0.1
MINUTES_APART = 8


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


@dataclass
class Download:
    status: int
    lines: int
    chunks: int
    received: int
    peak: int
    seconds: float


async def download(app: ASGIApp, query_string: bytes) -> Download:
    """GET /opendata/reports.csv straight through the ASGI app, read chunk by chunk, with the
    peak of traced memory while it streams."""
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
        "query_string": query_string,
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
    return Download(status, lines, chunks, received, peak, time.perf_counter() - started)


async def test_the_csv_export_streams_in_memory_that_does_not_grow_with_the_reports(
    app: ASGIApp, db_client: Any, settings: Settings
) -> None:
    # given 12,000 reports, 8 minutes apart over the last ~67 days, with the export's indexes
    reports = db_client[settings.mongodb_db][REPORTS]
    await reports.create_indexes(list(public.INDEXES[REPORTS]))
    start = datetime.now(UTC) - timedelta(minutes=MINUTES_APART * LARGE_COUNT + 60)
    started = time.perf_counter()
    for offset in range(0, LARGE_COUNT, INSERT_BATCH):
        await reports.insert_many(
            [
                {
                    "_id": ObjectId(),
                    "category": "pothole",
                    "status": "SUBMITTED",
                    "area": "00070",
                    "location": {"type": "Point", "coordinates": [105.85 + n * 1e-7, 21.03]},
                    "created_at": start + timedelta(minutes=(offset + n) * MINUTES_APART),
                    "updated_at": start + timedelta(minutes=(offset + n) * MINUTES_APART),
                }
                for n in range(INSERT_BATCH)
            ]
        )
    inserted = time.perf_counter() - started
    newest = start + timedelta(minutes=(LARGE_COUNT - SMALL_COUNT) * MINUTES_APART)

    # when the newest 2,000 are downloaded (once to warm up: first-use allocations), then all
    # of them, then the newest 2,000 again
    newest_only = f"from={newest.strftime('%Y-%m-%dT%H:%M:%SZ')}".encode()
    warm_up = await download(app, newest_only)
    large = await download(app, b"")
    small = await download(app, newest_only)

    # then every report and the header arrived, in many chunks
    print(f"\n{LARGE_COUNT} reports inserted in {inserted:.1f} s; streamed")
    print("\n".join(f"  {export}" for export in (warm_up, large, small)))
    for export, count in ((warm_up, SMALL_COUNT), (large, LARGE_COUNT), (small, SMALL_COUNT)):
        assert export.status == 200
        assert export.lines == count + 1
        assert export.chunks > count // public.BATCH
    # and six times the rows took about the same memory: the body never sat in memory
    grown = large.received - small.received
    assert grown > 1_000_000
    assert large.peak - max(warm_up.peak, small.peak) < grown * GROWTH_SHARE
    assert large.peak < PEAK_LIMIT_BYTES
