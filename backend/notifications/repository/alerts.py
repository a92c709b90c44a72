"""Collection alerts: area and whole-city alerts, those moderators send and those systems raise.

The outbox messages that push them are backend.outbox's (the areas migration rewrites their
recipients through `outbox.undelivered_to_areas` and `outbox.set_recipient_areas`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document
from backend.notifications.models import AlertDoc
from backend.notifications.repository import area_lists

ALERTS = "alerts"
CITY_WIDE = "*"  # the area id stored on alerts for the whole city

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    ALERTS: [
        IndexModel([("expires_at", ASCENDING)], name="active"),
        IndexModel([("area_ids", ASCENDING), ("expires_at", ASCENDING)], name="area_active"),
        # Alerts a system raised (origin.kind "air"), for the moderators' list of them.
        IndexModel([("origin.kind", ASCENDING), ("expires_at", ASCENDING)], name="origin_active"),
        # The moderators who sent, edited or cancelled alerts: rewritten to a pseudonym when
        # their account is deleted (`pseudonymise_authors`).
        *(
            IndexModel([(field, ASCENDING)], name=field, sparse=True)
            for field in ("created_by", "edited_by", "cancelled_by")
        ),
    ],
}
# The fields of an alert that name the moderator who wrote or changed it.
AUTHOR_FIELDS = ("created_by", "edited_by", "cancelled_by")


async def insert_alert(db: Database, alert: Document, *, session: AsyncClientSession) -> None:
    """Record a new alert inside the caller's transaction (with the message that pushes it)."""
    await db[ALERTS].insert_one(alert, session=session)


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


async def pseudonymise_authors(db: Database, uid: str, *, pseudonym: str) -> int:
    """A deleted account's name on the alerts it sent, edited or cancelled becomes its
    pseudonym (the alerts stay, as the city's record); how many fields changed."""
    changed = 0
    for field in AUTHOR_FIELDS:
        result = await db[ALERTS].update_many({field: uid}, {"$set": {field: pseudonym}})
        changed += result.modified_count
    return changed


# --- the areas migration: former district ids (backend.areas.migration) ------------------------
# Alerts list area ids; so do the recipients of the outbox messages that push them.


def alerts_for_areas(
    db: Database, area_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[tuple[ObjectId, list[str]]]]:
    """Alerts (in force or not) for any of these areas, as (id, area_ids), in batches."""
    return area_lists.listing(db[ALERTS], "area_ids", area_ids, batch=batch)


async def set_alert_areas(
    db: Database, changes: Sequence[tuple[ObjectId, list[str], list[str]]]
) -> int:
    """Replace alerts' areas: (id, as read, new) each."""
    return await area_lists.replace(db[ALERTS], "area_ids", changes)
