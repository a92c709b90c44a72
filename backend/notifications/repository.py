"""Collections of the notifications domain: devices, preferences, inbox, alerts.

The outbox (messages, and the worker's claims on them) is backend/outbox.py's."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.db import Database, Document
from backend.notifications.models import (
    AlertDoc,
    DeviceDoc,
    InboxItemDoc,
    OutboxState,
    Platform,
    PreferencesDoc,
)

DEVICES = "devices"
PREFERENCES = "notification_preferences"
INBOX = "notifications"
ALERTS = "alerts"
OUTBOX = outbox.COLLECTION  # the migration below rewrites undelivered alert messages
CITY_WIDE = "*"  # the area id stored on alerts for the whole city

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # _id is the FCM address itself, so a token belongs to exactly one user at a time.
    DEVICES: [IndexModel([("uid", ASCENDING), ("_id", ASCENDING)], name="uid_token")],
    PREFERENCES: [
        IndexModel(
            [("area_alerts", ASCENDING), ("area_ids", ASCENDING), ("_id", ASCENDING)],
            name="area_followers",
        ),
    ],
    INBOX: [
        IndexModel([("uid", ASCENDING), ("_id", DESCENDING)], name="uid_newest"),
        IndexModel([("uid", ASCENDING), ("read", ASCENDING)], name="uid_unread"),
        IndexModel(
            [("outbox_id", ASCENDING), ("uid", ASCENDING)], unique=True, name="one_per_message"
        ),
    ],
    ALERTS: [
        IndexModel([("expires_at", ASCENDING)], name="active"),
        IndexModel([("area_ids", ASCENDING), ("expires_at", ASCENDING)], name="area_active"),
        # Alerts a system raised (origin.kind "air"), for the moderators' list of them.
        IndexModel([("origin.kind", ASCENDING), ("expires_at", ASCENDING)], name="origin_active"),
    ],
}


# --- devices ---------------------------------------------------------------------------------


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


# --- preferences -----------------------------------------------------------------------------


async def get_preferences(db: Database, uid: str) -> PreferencesDoc:
    return PreferencesDoc.from_doc(await db[PREFERENCES].find_one({"_id": uid}), uid)


async def preferences_of(db: Database, uids: Sequence[str]) -> dict[str, PreferencesDoc]:
    """Preferences of a page of users; defaults for those who never set any."""
    found = {
        doc["_id"]: PreferencesDoc.from_doc(doc, doc["_id"])
        async for doc in db[PREFERENCES].find({"_id": {"$in": list(uids)}})
    }
    return {uid: found.get(uid) or PreferencesDoc(uid=uid) for uid in uids}


async def save_preferences(db: Database, prefs: PreferencesDoc, *, now: datetime) -> None:
    quiet = prefs.quiet_hours
    await db[PREFERENCES].update_one(
        {"_id": prefs.uid},
        {
            "$set": {
                "report_updates": prefs.report_updates,
                "booking_updates": prefs.booking_updates,
                "area_alerts": prefs.area_alerts,
                "area_ids": list(prefs.area_ids),
                "quiet_hours": (
                    {"start": quiet.start.strftime("%H:%M"), "end": quiet.end.strftime("%H:%M")}
                    if quiet
                    else None
                ),
                "updated_at": now,
            }
        },
        upsert=True,
    )


async def area_followers_page(
    db: Database, *, area_ids: Sequence[str], after: str | None, limit: int
) -> list[str]:
    """Users who follow any of these areas and want alerts, in uid order after `after`."""
    query: dict[str, Any] = {"area_alerts": True, "area_ids": {"$in": list(area_ids)}}
    if after is not None:
        query["_id"] = {"$gt": after}
    cursor = db[PREFERENCES].find(query, {"_id": 1}).sort("_id", 1).limit(limit)
    return [doc["_id"] async for doc in cursor]


# --- inbox -----------------------------------------------------------------------------------


def _inbox_item(doc: Document) -> InboxItemDoc:
    return InboxItemDoc(
        id=doc["_id"],
        uid=doc["uid"],
        kind=doc["kind"],
        title=doc["title"],
        body=doc["body"],
        deep_link=doc.get("deep_link"),
        read=bool(doc.get("read")),
        created_at=doc["created_at"],
    )


async def add_inbox_items(db: Database, items: Sequence[Document]) -> None:
    """Write inbox items once per (message, user): a retried delivery adds nothing."""
    if not items:
        return
    await db[INBOX].bulk_write(
        [
            UpdateOne(
                {"outbox_id": item["outbox_id"], "uid": item["uid"]},
                {"$setOnInsert": item},
                upsert=True,
            )
            for item in items
        ],
        ordered=False,
    )


async def inbox_page(
    db: Database, *, uid: str, before: ObjectId | None, limit: int
) -> list[InboxItemDoc]:
    """The newest inbox items first, keyset-paged by _id."""
    query: dict[str, Any] = {"uid": uid}
    if before is not None:
        query["_id"] = {"$lt": before}
    cursor = db[INBOX].find(query).sort("_id", -1).limit(limit)
    return [_inbox_item(doc) async for doc in cursor]


async def unread_count(db: Database, uid: str) -> int:
    return int(await db[INBOX].count_documents({"uid": uid, "read": False}))


async def mark_read(db: Database, *, uid: str, ids: Sequence[ObjectId] | None) -> int:
    """Mark some (or, with None, all) of the user's items read; returns how many changed."""
    query: dict[str, Any] = {"uid": uid, "read": False}
    if ids is not None:
        query["_id"] = {"$in": list(ids)}
    result = await db[INBOX].update_many(query, {"$set": {"read": True}})
    return int(result.modified_count)


# --- alerts ----------------------------------------------------------------------------------


async def active_alerts(
    db: Database, *, area_id: str | None, now: datetime, limit: int = 50
) -> list[AlertDoc]:
    """Unexpired alerts for the whole city and, when given, for one area; newest first."""
    areas = [CITY_WIDE] if area_id is None else [CITY_WIDE, area_id]
    query = {"expires_at": {"$gt": now}, "area_ids": {"$in": areas}}
    cursor = db[ALERTS].find(query).sort("expires_at", 1).limit(limit)
    alerts = [AlertDoc.from_doc(doc) async for doc in cursor]
    return sorted(alerts, key=lambda alert: alert.created_at, reverse=True)


async def get_alerts(db: Database, ids: Sequence[ObjectId]) -> list[AlertDoc]:
    """Alerts by id, in no particular order."""
    if not ids:
        return []
    return [AlertDoc.from_doc(doc) async for doc in db[ALERTS].find({"_id": {"$in": list(ids)}})]


async def cancelled_among(db: Database, ids: Sequence[ObjectId]) -> set[ObjectId]:
    """Which of these alerts a moderator cancelled."""
    if not ids:
        return set()
    query = {"_id": {"$in": list(ids)}, "cancelled_at": {"$exists": True}}
    return {doc["_id"] async for doc in db[ALERTS].find(query, {"_id": 1})}


async def extend_alerts(db: Database, ids: Sequence[ObjectId], *, until: datetime) -> int:
    """Keep alerts in force at least until `until` (never shortens; cancelled ones stay ended)."""
    if not ids:
        return 0
    result = await db[ALERTS].update_many(
        {"_id": {"$in": list(ids)}, "cancelled_at": {"$exists": False}},
        {"$max": {"expires_at": until}},
    )
    return int(result.modified_count)


async def expire_alerts(
    db: Database,
    ids: Sequence[ObjectId],
    *,
    at: datetime,
    session: AsyncClientSession | None = None,
) -> int:
    """End alerts at `at` (never lengthens one)."""
    if not ids:
        return 0
    result = await db[ALERTS].update_many(
        {"_id": {"$in": list(ids)}}, {"$min": {"expires_at": at}}, session=session
    )
    return int(result.modified_count)


async def origin_alerts(
    db: Database, *, kind: str, active_at: datetime | None, limit: int
) -> list[dict[str, Any]]:
    """Alerts a system raised (raw documents, with origin), newest first; only those in force
    at `active_at` when given."""
    query: dict[str, Any] = {"origin.kind": kind}
    if active_at is not None:
        query["expires_at"] = {"$gt": active_at}
    cursor = db[ALERTS].find(query).sort("expires_at", -1).limit(limit)
    docs = await cursor.to_list(None)
    return sorted(docs, key=lambda doc: doc["created_at"], reverse=True)


async def origin_alert(db: Database, alert_id: ObjectId, *, kind: str) -> dict[str, Any] | None:
    """One alert a system of this kind raised (raw document), or None."""
    return await db[ALERTS].find_one({"_id": alert_id, "origin.kind": kind})


async def revise_alert(
    db: Database,
    alert_id: ObjectId,
    *,
    changes: dict[str, Any],
    expected: datetime,
    session: AsyncClientSession,
) -> dict[str, Any] | None:
    """Apply a moderator's edit (title, body, expires_at, cancelled_*) to an alert unchanged since
    it was read (`expected` is its updated/created time then); None when it changed."""
    return await db[ALERTS].find_one_and_update(
        {
            "_id": alert_id,
            "$or": [{"revised_at": expected}, {"revised_at": None, "created_at": expected}],
        },
        {"$set": changes},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


# --- the areas migration: former district ids (backend.areas.migration) ------------------------
# Preferences and alerts list area ids; so do the recipients of alert messages in the outbox.
# The superseded list is kept in `legacy_area_ids`.

AREA_LISTS = {PREFERENCES: "area_ids", ALERTS: "area_ids", OUTBOX: "recipients.areas"}


async def _listing_areas(
    db: Database,
    collection: str,
    area_ids: Sequence[str],
    *,
    batch: int,
    also: Mapping[str, Any] | None = None,
) -> AsyncIterator[list[tuple[Any, list[str]]]]:
    field = AREA_LISTS[collection]
    if not area_ids:
        return
    query = {field: {"$in": list(area_ids)}, **(also or {})}
    cursor = db[collection].find(query, {field: 1}, batch_size=batch)
    try:
        chunk: list[tuple[Any, list[str]]] = []
        async for doc in cursor:
            value: Any = doc
            for part in field.split("."):
                value = value[part]
            chunk.append((doc["_id"], list(value)))
            if len(chunk) >= batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    finally:
        await cursor.close()


async def _replace_areas(
    db: Database, collection: str, changes: Sequence[tuple[Any, list[str], list[str]]]
) -> int:
    """(id, area ids as read, new area ids) each, in one bulk write; a list changed since it
    was read is left alone. Returns how many documents changed."""
    if not changes:
        return 0
    field = AREA_LISTS[collection]
    result = await db[collection].bulk_write(
        [
            UpdateOne(
                {"_id": doc_id, field: former},
                {"$set": {field: new, "legacy_area_ids": former}},
            )
            for doc_id, former, new in changes
        ],
        ordered=False,
    )
    return int(result.modified_count)


def preferences_following(
    db: Database, area_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[tuple[str, list[str]]]]:
    """Preferences following any of these areas, as (uid, area_ids), in batches."""
    return _listing_areas(db, PREFERENCES, area_ids, batch=batch)


async def set_preference_areas(
    db: Database, changes: Sequence[tuple[str, list[str], list[str]]]
) -> int:
    """Replace followed areas: (uid, as read, new) each."""
    return await _replace_areas(db, PREFERENCES, changes)


def alerts_for_areas(
    db: Database, area_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[tuple[ObjectId, list[str]]]]:
    """Alerts (in force or not) for any of these areas, as (id, area_ids), in batches."""
    return _listing_areas(db, ALERTS, area_ids, batch=batch)


async def set_alert_areas(
    db: Database, changes: Sequence[tuple[ObjectId, list[str], list[str]]]
) -> int:
    """Replace alerts' areas: (id, as read, new) each."""
    return await _replace_areas(db, ALERTS, changes)


def messages_for_areas(
    db: Database, area_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[tuple[Any, list[str]]]]:
    """Outbox messages still to be sent (or retried) to the followers of any of these areas, as
    (id, areas); sent ones are history (and the state index keeps this off the whole outbox)."""
    undelivered = [OutboxState.PENDING.value, OutboxState.SENDING.value, OutboxState.DEAD.value]
    return _listing_areas(db, OUTBOX, area_ids, batch=batch, also={"state": {"$in": undelivered}})


async def set_message_areas(
    db: Database, changes: Sequence[tuple[Any, list[str], list[str]]]
) -> int:
    """Replace outbox messages' recipient areas: (id, as read, new) each."""
    return await _replace_areas(db, OUTBOX, changes)
