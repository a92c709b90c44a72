"""The push worker delivering outbox messages through firebase-admin to the local FCM endpoint."""

from __future__ import annotations

import asyncio
from datetime import time, timedelta
from typing import Any

from backend import outbox
from backend.db import Database
from backend.notifications import repository as notification_repository
from backend.notifications.models import OutboxState, Platform, PreferencesDoc, QuietHours
from notifications.worker import Worker
from tests.notifications.conftest import Clock, FcmControl


async def given_device(db: Database, uid: str, token: str, locale: str = "vi") -> None:
    await notification_repository.upsert_device(
        db, token=token, uid=uid, platform=Platform.ANDROID, locale=locale, app_version="1.0",
        now=Clock().now,
    )  # fmt: skip


async def given_message(
    db: Database,
    clock: Clock,
    uids: list[str],
    kind: str = "report.status_changed",
    reporter: str | None = None,
) -> Any:
    data = {"report_id": "65f000000000000000000001", "title": "Ổ gà phố Huế", "status": "RESOLVED"}
    if reporter is not None:
        data["reporter"] = reporter
    doc = outbox.message(kind=kind, uids=uids, data=data, now=clock.now)
    await db[outbox.COLLECTION].insert_one(doc)
    return doc["_id"]


async def state_of(db: Database, outbox_id: Any) -> dict[str, Any]:
    doc = await db[outbox.COLLECTION].find_one({"_id": outbox_id})
    assert doc is not None
    return doc


def token(name: str) -> str:
    return f"fid-{name}-0123456789abcdef"


async def test_status_change_reaches_each_device_in_its_language(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    # given a Vietnamese and an English follower, each with a device
    await given_device(db, "lan", token("lan"), "vi")
    await given_device(db, "tom", token("tom"), "en")
    outbox_id = await given_message(db, clock, ["lan", "tom"], reporter="lan")
    # when the worker runs
    outcomes = await make_worker().run_once()
    # then each device got one push in its language, worded for the reporter or a follower,
    # with a message id and deep link
    assert outcomes == {OutboxState.SENT: 1}
    [vi] = fcm.messages(token("lan"))
    [en] = fcm.messages(token("tom"))
    assert vi["message"]["notification"]["body"] == (
        'Phản ánh "Ổ gà phố Huế" của bạn đã chuyển sang trạng thái: Đã xử lý xong.'
    )
    assert en["message"]["notification"]["body"] == (
        'A report you follow, "Ổ gà phố Huế", is now: Resolved.'
    )
    assert vi["message"]["data"]["messageId"] == f"{outbox_id}:lan"
    assert vi["message"]["data"]["deepLink"] == "thanglong://reports/65f000000000000000000001"
    assert vi["message"]["android"]["collapse_key"] == "reports:65f000000000000000000001"
    assert (await state_of(db, outbox_id))["state"] == "sent"
    # and each user has an inbox item
    assert await notification_repository.unread_count(db, "lan") == 1
    assert await notification_repository.unread_count(db, "tom") == 1


async def test_users_who_switched_off_a_topic_get_nothing(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    await given_device(db, "quiet", token("quiet"))
    await notification_repository.save_preferences(
        db, PreferencesDoc(uid="quiet", report_updates=False), now=clock.now
    )
    await given_message(db, clock, ["quiet"])
    await make_worker().run_once()
    assert fcm.messages(token("quiet")) == []
    assert await notification_repository.unread_count(db, "quiet") == 0


async def test_quiet_hours_defer_until_they_end(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    # given a user asleep: quiet 22:00-06:30 in Hanoi, and it is 23:00 there (16:00 UTC)
    clock.now = clock.now.replace(hour=16)
    await given_device(db, "sleeper", token("sleeper"))
    await notification_repository.save_preferences(
        db,
        PreferencesDoc(
            uid="sleeper",
            quiet_hours=QuietHours(start=time(22, 0), end=time(6, 30)),
        ),
        now=clock.now,
    )
    outbox_id = await given_message(db, clock, ["sleeper"])
    worker = make_worker()
    # when the worker runs now, nothing is pushed (the inbox has it already)
    await worker.run_once()
    assert fcm.messages(token("sleeper")) == []
    assert await notification_repository.unread_count(db, "sleeper") == 1
    # and at 06:29 still nothing
    clock.advance(hours=7, minutes=29)
    await worker.run_once()
    assert fcm.messages(token("sleeper")) == []
    # then at 06:30 it arrives, once, and the inbox is not doubled
    clock.advance(minutes=1)
    await worker.run_once()
    [push] = fcm.messages(token("sleeper"))
    assert await notification_repository.unread_count(db, "sleeper") == 1
    # and it names the inbox item written when the message first came, with the same message id
    [item] = await notification_repository.inbox_page(db, uid="sleeper", before=None, limit=5)
    assert push["message"]["data"]["inboxItemId"] == str(item.id)
    assert push["message"]["data"]["messageId"] == f"{outbox_id}:sleeper"
    assert push["message"]["data"]["unreadCount"] == "1"


async def test_unregistered_token_is_pruned(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    await given_device(db, "gone", token("gone-old"))
    await given_device(db, "gone", token("gone-new"))
    fcm.fail(token("gone-old"), "UNREGISTERED")
    outbox_id = await given_message(db, clock, ["gone"])
    await make_worker().run_once()
    assert len(fcm.messages(token("gone-new"))) == 1
    devices = await notification_repository.devices_of(db, ["gone"])
    assert [device.token for device in devices] == [token("gone-new")]
    assert (await state_of(db, outbox_id))["state"] == "sent"


async def test_quota_exceeded_waits_for_retry_after(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    await given_device(db, "busy", token("busy"))
    await given_device(db, "calm", token("calm"))
    fcm.fail(token("busy"), "QUOTA_EXCEEDED", times=1, retry_after=30)
    outbox_id = await given_message(db, clock, ["busy", "calm"])
    worker = make_worker()
    # when FCM says 429 with Retry-After: 30
    await worker.run_once()
    state = await state_of(db, outbox_id)
    assert state["state"] == "pending"
    assert state["next_attempt_at"] == clock.now + timedelta(seconds=30)
    assert state["attempts"] == 1
    # then nothing is retried before 30 s, and the device that worked is not sent to again
    clock.advance(seconds=29)
    assert await worker.run_once() == {}
    clock.advance(seconds=1)
    assert await worker.run_once() == {OutboxState.SENT: 1}
    assert len(fcm.messages(token("busy"))) == 1
    assert len(fcm.messages(token("calm"))) == 1
    assert fcm.attempts(token("busy")) == 2


async def test_unavailable_is_retried_with_backoff_then_succeeds(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    await given_device(db, "flaky", token("flaky"))
    fcm.fail(token("flaky"), "UNAVAILABLE", times=2)
    outbox_id = await given_message(db, clock, ["flaky"])
    worker = make_worker()
    waits = []
    for _ in range(2):
        await worker.run_once()
        state = await state_of(db, outbox_id)
        assert state["state"] == "pending"
        waits.append(state["next_attempt_at"] - clock.now)
        clock.now = state["next_attempt_at"]
    # backoff grows (10 s base, doubling, with jitter in its upper half)
    assert timedelta(seconds=5) <= waits[0] <= timedelta(seconds=10)
    assert timedelta(seconds=10) <= waits[1] <= timedelta(seconds=20)
    assert await worker.run_once() == {OutboxState.SENT: 1}
    assert len(fcm.messages(token("flaky"))) == 1
    assert fcm.attempts(token("flaky")) == 3  # firebase-admin's own retries are off


async def test_message_is_dead_after_eight_attempts_and_can_be_retried(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    await given_device(db, "broken", token("broken"))
    fcm.fail(token("broken"), "INTERNAL")
    outbox_id = await given_message(db, clock, ["broken"])
    worker = make_worker()
    for _ in range(8):
        await worker.run_once()
        state = await state_of(db, outbox_id)
        if state["state"] == "dead":
            break
        clock.now = state["next_attempt_at"]
    assert state["state"] == "dead"
    assert state["attempts"] == 8
    assert "InternalError" in state["last_error"]
    assert fcm.attempts(token("broken")) == 8
    # when an admin requeues it after FCM recovers
    assert await outbox.retry_dead(db, outbox_id=outbox_id, now=clock.now)
    fcm.http.delete(f"/_local/tokens/{token('broken')}")
    assert await worker.run_once() == {OutboxState.SENT: 1}


async def test_two_workers_deliver_each_message_once(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    uids = [f"user{i}" for i in range(10)]
    for uid in uids:
        await given_device(db, uid, token(uid))
    for i in range(20):
        await given_message(db, clock, uids[i % 10 : i % 10 + 3])
    first, second = make_worker(worker_id="w1"), make_worker(worker_id="w2")
    results = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(result.get(OutboxState.SENT, 0) for result in results) == 20
    received = fcm.messages()
    ids = [message["message"]["data"]["messageId"] for message in received]
    assert len(ids) == len(set(ids)) == sum(len(uids[i % 10 : i % 10 + 3]) for i in range(20))


async def test_message_of_a_crashed_worker_is_delivered_after_its_lease(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    await given_device(db, "patient", token("patient"))
    outbox_id = await given_message(db, clock, ["patient"])
    # given a worker that claimed the message and died
    claimed = await outbox.claim(
        db, worker="dead-worker", now=clock.now, lease=timedelta(seconds=60)
    )
    assert claimed is not None and claimed.id == outbox_id
    survivor: Worker = make_worker(worker_id="survivor")
    # when another worker looks before the lease expires, it leaves it alone
    assert await survivor.run_once() == {}
    # then after the lease it delivers it, once
    clock.advance(seconds=61)
    assert await survivor.run_once() == {OutboxState.SENT: 1}
    assert len(fcm.messages(token("patient"))) == 1


async def test_a_crash_between_pages_resumes_after_the_last_checkpoint(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any
) -> None:
    # given a message for 5 users delivered 2 users per page, where page 2 hits a 503
    uids = [f"p{i}" for i in range(5)]
    for uid in uids:
        await given_device(db, uid, token(uid))
    fcm.fail(token("p2"), "UNAVAILABLE", times=1)
    outbox_id = await given_message(db, clock, uids)
    worker = make_worker(users_per_page=2)
    await worker.run_once()
    state = await state_of(db, outbox_id)
    assert state["progress"]["after"] == "p3"
    assert state["progress"]["retry"] == [token("p2")]
    # when it resumes, only the failed device and the pages after are sent
    clock.now = state["next_attempt_at"]
    await worker.run_once()
    for uid in uids:
        assert len(fcm.messages(token(uid))) == 1, uid
