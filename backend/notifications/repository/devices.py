"""Collection devices: FCM addresses and the user each belongs to (the latest to sign in)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from backend.db import Database, Document
from backend.notifications.models import DeviceDoc, Platform

DEVICES = "devices"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # _id is the FCM address itself, so a token belongs to exactly one user at a time.
    DEVICES: [
        IndexModel([("uid", ASCENDING), ("_id", ASCENDING)], name="uid_token"),
        # The retention purge: devices not registered again for 270 days (backend/retention.py).
        IndexModel([("updated_at", ASCENDING)], name="updated_at"),
    ],
}


async def upsert_device(
    db: Database,
    *,
    token: str,
    uid: str,
    platform: Platform,
    locale: str,
    app_version: str | None,
    now: datetime,
) -> DeviceDoc:
    """Register a device; a token already known moves to this user (the latest to sign in)."""
    await db[DEVICES].update_one(
        {"_id": token},
        {
            "$set": {
                "uid": uid,
                "platform": platform.value,
                "locale": locale,
                "app_version": app_version,
                "updated_at": now,
            },
            "$setOnInsert": {"created_at": now},
        },
        upsert=True,
    )
    return DeviceDoc(
        token=token,
        uid=uid,
        platform=platform,
        locale=locale,
        app_version=app_version,
        updated_at=now,
    )


async def delete_device(db: Database, *, token: str, uid: str | None = None) -> bool:
    """Forget a device (only this user's, when a uid is given)."""
    query: dict[str, Any] = {"_id": token}
    if uid is not None:
        query["uid"] = uid
    result = await db[DEVICES].delete_one(query)
    return result.deleted_count == 1


async def delete_devices(db: Database, tokens: Sequence[str]) -> int:
    """Prune tokens FCM no longer knows."""
    if not tokens:
        return 0
    result = await db[DEVICES].delete_many({"_id": {"$in": list(tokens)}})
    return int(result.deleted_count)


def _device(doc: Document) -> DeviceDoc:
    return DeviceDoc(
        token=doc["_id"],
        uid=doc["uid"],
        platform=Platform(doc["platform"]),
        locale=doc.get("locale", "vi"),
        app_version=doc.get("app_version"),
        updated_at=doc["updated_at"],
    )


async def devices_of(db: Database, uids: Sequence[str]) -> list[DeviceDoc]:
    """Devices of a page of users (one query)."""
    if not uids:
        return []
    cursor = db[DEVICES].find({"uid": {"$in": list(uids)}}).sort([("uid", 1), ("_id", 1)])
    return [_device(doc) async for doc in cursor]


async def devices_by_token(db: Database, tokens: Sequence[str]) -> list[DeviceDoc]:
    """Devices by FCM address, in no particular order."""
    if not tokens:
        return []
    return [_device(doc) async for doc in db[DEVICES].find({"_id": {"$in": list(tokens)}})]


async def device_owners_page(db: Database, *, after: str | None, limit: int) -> list[str]:
    """Distinct users with a device, in uid order, after `after` (for whole-city alerts)."""
    query: dict[str, Any] = {"uid": {"$gt": after}} if after is not None else {}
    pipeline: list[dict[str, Any]] = [
        {"$match": query},
        {"$sort": {"uid": 1}},
        {"$group": {"_id": "$uid"}},
        {"$sort": {"_id": 1}},
        {"$limit": limit},
    ]
    # Bounded: the $match/$sort walk the uid index, the group holds one page of users.
    cursor = await db[DEVICES].aggregate(pipeline)
    return [doc["_id"] async for doc in cursor]


async def set_user_devices_locale(db: Database, uid: str, locale: str) -> int:
    """Speak `locale` on every device of the user (their choice in viewerUpdate); `updated_at`,
    the time a device was last registered, stays as it was."""
    result = await db[DEVICES].update_many({"uid": uid}, {"$set": {"locale": locale}})
    return result.modified_count


async def delete_user_devices(db: Database, uid: str) -> int:
    """Forget every device of a deleted user (served by uid_token)."""
    return int((await db[DEVICES].delete_many({"uid": uid})).deleted_count)


async def purge_devices(db: Database, *, unused_since: datetime, limit: int) -> int:
    """Forget up to `limit` devices last registered before `unused_since` (served by
    updated_at); how many."""
    ids = [
        doc["_id"]
        for doc in await db[DEVICES]
        .find({"updated_at": {"$lt": unused_since}}, {"_id": 1})
        .sort("updated_at", ASCENDING)
        .limit(limit)
        .to_list(None)
    ]
    if not ids:
        return 0
    return int((await db[DEVICES].delete_many({"_id": {"$in": ids}})).deleted_count)
