"""Worker faults: a real worker process killed with SIGKILL mid-batch; FCM failing for a while."""

# The notifications tests' fixtures are imported by name, and then named as test parameters.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from backend import outbox
from backend.db import Database
from backend.notifications.models import OutboxState
from backend.settings import ROOT, Settings
from notifications.fcm_local import LocalFcm
from notifications.worker import Worker, utc_now
from tests.notifications.conftest import Clock as FakeClock

# Fixtures of the notifications tests: the local FCM endpoint, a database, firebase-admin.
from tests.notifications.conftest import (  # noqa: F401
    FcmControl,
    clock,
    db,
    fcm,
    fcm_settings,
    firebase_app,
    local_fcm_server,
    make_worker,
)

DEVICES = 2_000
PAGE = 50
DATA = {"report_id": "65f000000000000000000001", "title": "Ổ gà phố Huế", "status": "RESOLVED"}


def token(i: int) -> str:
    return f"fid-fault-{i:05d}-0123456789abcdef"


async def given_devices(db: Database, count: int) -> list[str]:
    now = utc_now()
    await db["devices"].insert_many(
        [
            {
                "_id": token(i),
                "uid": f"u{i:05d}",
                "platform": "android",
                "locale": "vi",
                "app_version": "1.0",
                "updated_at": now,
                "created_at": now,
            }
            for i in range(count)
        ]
    )
    return [f"u{i:05d}" for i in range(count)]


async def given_message(db: Database, uids: list[str], now: Any) -> Any:
    doc = outbox.message(kind="report.status_changed", uids=uids, data=DATA, now=now)
    await db[outbox.COLLECTION].insert_one(doc)
    return doc["_id"]


def message_ids(fcm: FcmControl) -> list[tuple[str, str]]:
    return [(m["token"], m["message"]["data"]["messageId"]) for m in fcm.messages()]


async def test_worker_killed_mid_batch_then_every_device_gets_it_once(
    db: Database,
    fcm: FcmControl,
    fcm_settings: Settings,
    local_fcm_server: LocalFcm,
    firebase_app: Any,
) -> None:
    # given a message to 2,000 devices, delivered 50 users a page by a real worker process
    uids = await given_devices(db, DEVICES)
    outbox_id = await given_message(db, uids, utc_now())
    env = {
        **os.environ,
        "MONGODB_URI": str(fcm_settings.mongodb_uri),
        "MONGODB_DB": fcm_settings.mongodb_db,
        "FCM_ENDPOINT": local_fcm_server.url,
        "FIREBASE_PROJECT_ID": fcm_settings.firebase_project_id,
        "WORKER_USERS_PER_PAGE": str(PAGE),
        "WORKER_LEASE_SECONDS": "60",
        "NO_GCE_CHECK": "true",
    }
    worker = subprocess.Popen(  # noqa: ASYNC220 - started once, then only polled
        [sys.executable, "-m", "notifications.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        # when it is killed with SIGKILL once FCM has some of the pushes but not all
        deadline = time.monotonic() + 60
        while len(fcm.messages()) < DEVICES // 4:
            assert worker.poll() is None, "the worker exited"
            assert time.monotonic() < deadline, "the worker sent nothing"
            await asyncio.sleep(0.02)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    delivered_at_kill = len(fcm.messages())
    assert delivered_at_kill < DEVICES, "the worker finished before the kill"
    stuck = await db[outbox.COLLECTION].find_one({"_id": outbox_id})
    assert stuck is not None and stuck["state"] == OutboxState.SENDING.value

    # then another worker leaves it alone while the lease runs, and takes it over after
    survivor_clock = FakeClock(now=utc_now())
    survivor = Worker(db, firebase_app, clock=survivor_clock, users_per_page=PAGE)
    assert await survivor.run_once() == {}
    survivor_clock.advance(seconds=61)
    assert await survivor.run_once() == {OutboxState.SENT: 1}

    # and every device has the message; repeats are only the page in flight, with the same id
    received = message_ids(fcm)
    per_device = Counter(tok for tok, _ in received)
    assert set(per_device) == {token(i) for i in range(DEVICES)}
    duplicates = sum(count - 1 for count in per_device.values())
    assert duplicates <= PAGE
    by_id = Counter(received)
    assert len(by_id) == DEVICES  # after dropping repeats by messageId: exactly once each
    assert all(mid == f"{outbox_id}:u{tok[10:15]}" for tok, mid in by_id)
    print(
        f"\nSIGKILL worker: {delivered_at_kill} of {DEVICES} sent before the kill, "
        f"{duplicates} raw duplicates (page size {PAGE}), exactly once after dedupe by messageId"
    )


async def test_fcm_failing_for_a_minute_loses_and_doubles_nothing(
    db: Database, fcm: FcmControl, clock: FakeClock, make_worker: Any
) -> None:
    # given a message to 60 devices, while FCM answers 503 or 429 (Retry-After 30) to every send
    count = 60
    uids = await given_devices(db, count)
    outbox_id = await given_message(db, uids, clock.now)
    for i in range(count):
        if i % 3 == 0:
            fcm.fail(token(i), "QUOTA_EXCEEDED", retry_after=30)
        else:
            fcm.fail(token(i), "UNAVAILABLE")
    worker: Worker = make_worker(users_per_page=20)
    failing_until = clock.now + timedelta(minutes=1)
    # when the worker keeps trying as its backoff and Retry-After allow, and FCM recovers after
    # a minute (simulated time: the worker's clock is moved to each next attempt)
    rounds = 0
    while True:
        if clock.now >= failing_until and rounds and fcm.attempts(token(0)):
            for i in range(count):
                fcm.http.delete(f"/_local/tokens/{token(i)}").raise_for_status()
            failing_until = clock.now + timedelta(days=365)
        await worker.run_once()
        rounds += 1
        doc = await db[outbox.COLLECTION].find_one({"_id": outbox_id})
        assert doc is not None
        if doc["state"] != OutboxState.PENDING.value:
            break
        assert rounds < 20, doc
        clock.now = max(clock.now, doc["next_attempt_at"])
    # then the backlog drained: sent, every device exactly once, nothing lost
    assert doc["state"] == OutboxState.SENT.value, doc
    per_device = Counter(tok for tok, _ in message_ids(fcm))
    assert per_device == Counter({token(i): 1 for i in range(count)})
    failed_attempts = doc["attempts"]
    print(
        f"\nFCM outage: {failed_attempts} failed attempts over a simulated minute, drained in "
        f"{rounds} rounds, {count} devices each got it once"
    )
    assert failed_attempts >= 2
