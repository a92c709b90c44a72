"""Alert fan-out: one area alert delivered to 10,000 devices through the local FCM endpoint.

Baseline, in the same run: the same number of pushes sent straight through firebase-admin's
send_each_async in batches of 500, with no database work. The worker's figure is reported as a
ratio to it, plus peak Python memory during delivery (tracemalloc) and the process's max RSS.

    .venv/bin/python bench/bench_alert_fanout.py [--devices 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("NO_GCE_CHECK", "true")

from firebase_admin import messaging
from pymongo import AsyncMongoClient

from backend import firebase
from backend.auth.models import Role, Viewer
from backend.embedded import EmbeddedMongo
from backend.notifications import service as notification_service
from backend.notifications.models import Severity
from backend.seed import migrate
from backend.settings import Environment, Settings
from notifications.delivery import FCM_BATCH
from notifications.fcm_local import LocalFcm
from notifications.worker import Worker


async def run(devices: int) -> None:
    with EmbeddedMongo(":memory:") as mongo, LocalFcm() as fcm:
        settings = Settings(
            env=Environment.DEVELOPMENT,
            mongodb_uri=mongo.uri,
            mongodb_db="bench",
            fcm_endpoint=fcm.url,
        )
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri, tz_aware=True)
        db = client["bench"]
        await migrate(db)
        now = datetime.now(UTC)
        # given 10,000 residents following Hoàn Kiếm, one phone each
        for start in range(0, devices, 1000):
            batch = range(start, min(start + 1000, devices))
            await db["notification_preferences"].insert_many(
                [{"_id": f"u{i:06d}", "area_alerts": True, "area_ids": ["00070"]} for i in batch]
            )
            await db["devices"].insert_many(
                [
                    {"_id": f"fid-bench-{i:06d}-0000", "uid": f"u{i:06d}", "platform": "android",
                     "locale": "vi" if i % 3 else "en", "updated_at": now}
                    for i in batch
                ]
            )  # fmt: skip
        app = firebase.initialize(settings)
        firebase.messaging_without_retries(app)

        # baseline: the same number of pushes straight through firebase-admin
        messages = [
            messaging.Message(
                fid=f"fid-base-{i:06d}-0000",
                notification=messaging.Notification(title="Ngập úng", body="Tránh phố Hàng Bài"),
                data={"type": "alert.area"},
            )
            for i in range(devices)
        ]
        started = time.perf_counter()
        for start in range(0, devices, FCM_BATCH):
            response = await messaging.send_each_async(
                messages[start : start + FCM_BATCH], dry_run=False, app=app
            )
            assert response.failure_count == 0
        baseline = devices / (time.perf_counter() - started)

        # the worker delivering one alert
        staff = Viewer(uid="officer", roles=frozenset({Role.STAFF}))
        await notification_service.send_alert(
            db, viewer=staff, area_ids=["00070"], whole_city=False, severity=Severity.URGENT,
            title={"vi": "Ngập úng", "en": "Flooding"},
            body={"vi": "Tránh phố Hàng Bài", "en": "Avoid Hàng Bài"},
            deep_link=None, expires_at=now + timedelta(hours=2), now=now,
        )  # fmt: skip
        worker = Worker(db, app)
        tracemalloc.start()
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        outcomes = await worker.run_once()
        if os.environ.get("BENCH_PROFILE"):
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE"])  # the file to write
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        delivered = await db["notifications"].count_documents({"kind": "alert.area"})
        rate = devices / elapsed
        print(f"devices: {devices}   cores: {os.cpu_count()}")
        print(f"worker outcome: {dict(outcomes)}  inbox items: {delivered}")
        print(f"baseline send_each_async: {baseline:,.0f} msg/s")
        print(f"worker alert fan-out:     {rate:,.0f} msg/s  ({elapsed:.1f} s)")
        print(f"ratio worker/baseline:    {rate / baseline:.2f}")
        print(f"peak Python memory during delivery: {peak / 1e6:.1f} MB")
        max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        print(f"max RSS of the process: {max_rss_mb:.0f} MB")
        await firebase.close_async(app)
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=10_000)
    asyncio.run(run(parser.parse_args().devices))


if __name__ == "__main__":
    main()
