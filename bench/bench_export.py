"""myDataExport for a heavy user: 1,000 reports (3 photos each), 1,000 inbox items, 500 follows.

Times the download through the app (GET on the signed link, the route streaming the JSON) and,
in the same run as a baseline, the bare reads of the same documents (one `to_list` per
collection, no JSON). Reports the wall time (the target: under 60 s), the size, and the peak
Python memory while the export is produced piece by piece (tracemalloc) against the baseline's,
which holds everything at once.

    .venv/bin/python bench/bench_export.py [--reports 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("NO_GCE_CHECK", "true")

import httpx
import orjson
from asgi_lifespan import LifespanManager
from bson import ObjectId
from pymongo import AsyncMongoClient

from backend.app import create_app
from backend.auth.service import export as export_service
from backend.embedded import EmbeddedMongo
from backend.seed import migrate
from backend.settings import Environment, Settings

UID = "heavy-user"
TARGET_SECONDS = 60.0


async def given(db: object, reports: int) -> None:
    now = datetime.now(UTC)
    docs = [
        {
            "_id": ObjectId(),
            "category": "pothole",
            "department": "ubnd-phuong",
            "status": "submitted",
            "description": f"Ổ gà số {i} trên phố Huế, sâu khoảng 20 cm, xe máy dễ ngã " * 3,
            "location": {"type": "Point", "coordinates": [105.85 + i * 1e-5, 21.02]},
            "address": "Phố Huế, Hai Bà Trưng",
            "area": "00070",
            "photo_ids": [ObjectId() for _ in range(3)],
            "reporter": UID,
            "anonymous": False,
            "me_too_count": 0,
            "follower_count": 1,
            "created_at": now - timedelta(minutes=i),
            "updated_at": now - timedelta(minutes=i),
            "search_terms": ["o", "ga", "pho", "hue"],
        }
        for i in range(reports)
    ]
    await db["reports"].insert_many(docs)  # type: ignore[index]
    await db[
        "report_followers"
    ].insert_many(  # type: ignore[index]
        [{"report": doc["_id"], "uid": UID, "at": now} for doc in docs[:500]]
    )
    await db["notifications"].insert_many(  # type: ignore[index]
        [
            {
                "outbox_id": ObjectId(), "uid": UID, "kind": "report.status_changed",
                "title": {"vi": "Phản ánh đã cập nhật", "en": "Report updated"},
                "body": {"vi": "Đang xử lý", "en": "In progress"},
                "deep_link": f"thanglong://reports/{doc['_id']}", "read": False,
                "created_at": now,
            }
            for doc in docs
        ]
    )  # fmt: skip


async def baseline(db: object) -> tuple[float, int]:
    """The same documents read all at once (no JSON): seconds, peak bytes."""
    tracemalloc.start()
    started = time.perf_counter()
    for name, field in (
        ("reports", "reporter"),
        ("report_followers", "uid"),
        ("notifications", "uid"),
    ):
        await db[name].find({field: UID}).to_list(None)  # type: ignore[index]
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak


async def run(reports: int) -> None:
    with EmbeddedMongo(":memory:") as mongo:
        settings = Settings(env=Environment.DEVELOPMENT, mongodb_uri=mongo.uri, mongodb_db="bench")
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri, tz_aware=True)
        db = client["bench"]
        await migrate(db)
        await given(db, reports)
        base_seconds, base_peak = await baseline(db)

        app = create_app(settings)
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                link = export_service.link(
                    settings, uid=UID, base="http://bench", now=datetime.now(UTC)
                )
                started = time.perf_counter()
                response = await http.get(link.url)
                seconds = time.perf_counter() - started
                assert response.status_code == 200, response.text
                export = orjson.loads(response.content)
                assert len(export["reports"]) == reports

        # The pieces as the route streams them, one at a time: peak memory while producing.
        tracemalloc.start()
        largest = count = 0
        async for piece in export_service.document(
            db, uid=UID, base="http://bench", now=datetime.now(UTC)
        ):
            largest, count = max(largest, len(piece)), count + 1
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await client.close()

    size = len(response.content)
    print(f"export of {reports} reports, 500 follows, {reports} inbox items: {size / 1e6:.1f} MB")
    print(f"  download through the app: {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s)")
    ratio = seconds / base_seconds
    print(f"  baseline (bare reads, all at once): {base_seconds:.2f} s -> ratio {ratio:.1f}x")
    print(f"  streamed in {count} pieces, largest {largest / 1e3:.0f} kB")
    print(f"  peak Python memory producing it: {peak / 1e6:.1f} MB")
    print(f"  peak Python memory of the baseline (all at once): {base_peak / 1e6:.1f} MB")
    if seconds >= TARGET_SECONDS:
        raise SystemExit("slower than the target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=1000)
    asyncio.run(run(parser.parse_args().reports))


if __name__ == "__main__":
    main()
