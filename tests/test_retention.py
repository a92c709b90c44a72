"""Retention of personal data: the worker's purge, run with a controlled clock, and the TTLs.

Each step is given records on both sides of its period and a `now` of the test's choosing (the
job takes the clock as an argument, like every service), so nothing sleeps and nothing waits
for the server's TTL monitor.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from PIL import Image

from backend import retention
from backend.db import Database
from backend.media import repository as media_repository
from backend.media import service as media_service

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_db: Database) -> Database:
    """An empty database with every index (tests/conftest.py)."""
    return empty_db


def days(n: float) -> timedelta:
    return timedelta(days=n)


async def ids(collection: Any) -> set[Any]:
    return {doc["_id"] async for doc in collection.find({}, {"_id": 1})}


async def test_messages_inbox_and_devices_are_purged_after_their_periods(db: Any) -> None:
    # given outbox messages, inbox items and devices on both sides of their periods
    outbox = [
        {"_id": "sent-old", "state": "sent", "sent_at": NOW - days(31)},
        {"_id": "sent-recent", "state": "sent", "sent_at": NOW - days(29)},
        {"_id": "dead-old", "state": "dead", "dead_at": NOW - days(91)},
        {"_id": "dead-recent", "state": "dead", "dead_at": NOW - days(10)},
        {"_id": "pending-old", "state": "pending", "next_attempt_at": NOW - days(400)},
    ]
    await db.outbox.insert_many(outbox)
    await db.notifications.insert_many(
        [
            {"_id": "inbox-old", "uid": "u1", "outbox_id": "m1", "created_at": NOW - days(366)},
            {"_id": "inbox-recent", "uid": "u1", "outbox_id": "m2", "created_at": NOW - days(364)},
        ]
    )
    await db.devices.insert_many(
        [
            {"_id": "token-silent", "uid": "u1", "updated_at": NOW - days(271)},
            {"_id": "token-active", "uid": "u1", "updated_at": NOW - days(269)},
        ]
    )
    # when the worker's purge runs at NOW
    deleted = await retention.purge(db, NOW)
    # then only what outlived its period is gone
    assert deleted == 4
    assert await ids(db.outbox) == {"sent-recent", "dead-recent", "pending-old"}
    assert await ids(db.notifications) == {"inbox-recent"}
    assert await ids(db.devices) == {"token-active"}
    # and a day later the next ones go, and a repeated run changes nothing more
    assert await retention.purge(db, NOW + days(2)) == 3
    assert await retention.purge(db, NOW + days(2)) == 0
    assert await ids(db.outbox) == {"dead-recent", "pending-old"}


def png(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (shade, 0, 0)).save(out, "PNG")
    return out.getvalue()


async def test_unreferenced_uploads_are_deleted_a_day_after_upload(db: Any) -> None:
    # given photos uploaded 25 hours before NOW: one in a report, one in an answer, one in a
    # moderator's kept original, one nobody used; and one unused photo only an hour old
    old, recent = NOW - timedelta(hours=25), NOW - timedelta(hours=1)
    photos = {
        name: await media_service.upload(db=db, owner="u1", data=png(i * 40), now=at)
        for i, (name, at) in enumerate(
            [
                ("report", old),
                ("answer", old),
                ("original", old),
                ("abandoned", old),
                ("fresh", recent),
            ]
        )
    }
    await db.reports.insert_one({"_id": ObjectId(), "photo_ids": [photos["report"].id]})
    await db.report_events.insert_one({"_id": ObjectId(), "photo_ids": [photos["answer"].id]})
    await db.report_originals.insert_one({"_id": ObjectId(), "photo_ids": [photos["original"].id]})
    abandoned = await db["media.files"].find_one({"_id": photos["abandoned"].id})
    thumbnail = abandoned["metadata"]["thumbnail_id"]
    # when the purge runs at NOW
    deleted = await retention.purge(db, NOW)
    # then the abandoned photo, its thumbnail and their chunks are gone
    assert deleted == 1
    for file_id in (photos["abandoned"].id, thumbnail):
        assert await db["media.files"].count_documents({"_id": file_id}) == 0
        assert await db["media.chunks"].count_documents({"files_id": file_id}) == 0
    # and the used ones are kept (and not looked at again), the fresh one still waits
    states = {
        doc["_id"]: doc["metadata"]["state"]
        async for doc in db["media.files"].find({"metadata.kind": "photo"})
    }
    assert states == {
        photos["report"].id: media_repository.KEPT,
        photos["answer"].id: media_repository.KEPT,
        photos["original"].id: media_repository.KEPT,
        photos["fresh"].id: media_repository.NEW,
    }
    # and a day later the fresh one, never used, goes too
    assert await retention.purge_uploads(db, NOW + days(1)) == 1
    assert await db["media.files"].count_documents({"metadata.kind": "photo"}) == 3


async def test_the_purges_and_the_ttls_are_served_by_indexes(db: Any) -> None:
    # then the short-lived records expire through TTL indexes their owners declare
    for collection, field in (
        ("rate_limits", "expire_at"),
        ("idempotency_keys", "created_at"),
        ("booking_holds", "purge_at"),
        ("content_flags", "at"),
    ):
        info = await db[collection].index_information()
        ttl = [i for i in info.values() if "expireAfterSeconds" in i]
        assert [i["key"][0][0] for i in ttl] == [field], (collection, info)
    # and every purge query walks an index
    queries = [
        ("outbox", {"state": "sent", "sent_at": {"$lt": NOW}}, {"sent_at": 1}),
        ("outbox", {"state": "dead", "dead_at": {"$lt": NOW}}, {"dead_at": 1}),
        ("notifications", {"created_at": {"$lt": NOW}}, {"created_at": 1}),
        ("devices", {"updated_at": {"$lt": NOW}}, {"updated_at": 1}),
        (
            "media.files",
            {"metadata.state": "new", "metadata.uploaded_at": {"$lt": NOW}},
            {"metadata.uploaded_at": 1},
        ),
        ("reports", {"photo_ids": {"$in": [ObjectId()]}}, None),
        ("report_events", {"photo_ids": {"$in": [ObjectId()]}}, None),
        ("report_originals", {"photo_ids": {"$in": [ObjectId()]}}, None),
    ]
    for collection, query, sort in queries:
        command: dict[str, Any] = {"find": collection, "filter": query}
        if sort:
            command["sort"] = sort
        explained = await db.command("explain", command, verbosity="queryPlanner")
        plan = str(explained["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "COLLSCAN" not in plan, (collection, plan)
