"""Collection notification_preferences: what each user wants pushed, and the areas they follow.

Users who never set any have no document: readers get the defaults (`PreferencesDoc`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel

from backend.db import Database
from backend.notifications.models import PreferencesDoc
from backend.notifications.repository import area_lists

PREFERENCES = "notification_preferences"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    PREFERENCES: [
        IndexModel(
            [("area_alerts", ASCENDING), ("area_ids", ASCENDING), ("_id", ASCENDING)],
            name="area_followers",
        ),
    ],
}


async def get_preferences(db: Database, uid: str) -> PreferencesDoc:
    """One user's preferences (the defaults until they change any)."""
    return PreferencesDoc.from_doc(await db[PREFERENCES].find_one({"_id": uid}), uid)


async def preferences_of(db: Database, uids: Sequence[str]) -> dict[str, PreferencesDoc]:
    """Preferences of a page of users; defaults for those who never set any."""
    found = {
        doc["_id"]: PreferencesDoc.from_doc(doc, doc["_id"])
        async for doc in db[PREFERENCES].find({"_id": {"$in": list(uids)}})
    }
    return {uid: found.get(uid) or PreferencesDoc(uid=uid) for uid in uids}


async def save_preferences(db: Database, prefs: PreferencesDoc, *, now: datetime) -> None:
    """Store a user's preferences whole."""
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


# --- the areas migration: former district ids (backend.areas.migration) ------------------------


def preferences_following(
    db: Database, area_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[tuple[str, list[str]]]]:
    """Preferences following any of these areas, as (uid, area_ids), in batches."""
    return area_lists.listing(db[PREFERENCES], "area_ids", area_ids, batch=batch)


async def set_preference_areas(
    db: Database, changes: Sequence[tuple[str, list[str], list[str]]]
) -> int:
    """Replace followed areas: (uid, as read, new) each."""
    return await area_lists.replace(db[PREFERENCES], "area_ids", changes)


async def delete_preferences(db: Database, uid: str) -> int:
    """Forget a deleted user's notification preferences (by _id)."""
    return int((await db[PREFERENCES].delete_many({"_id": uid})).deleted_count)
