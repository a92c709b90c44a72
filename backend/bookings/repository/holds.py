"""Collection booking_holds: inventory held for a few minutes, confirmed or released once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings.models import HOLD_PURGE_AFTER, HoldDoc, HoldState
from backend.db import Database

HOLDS = "booking_holds"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    HOLDS: [
        # The release sweep: expired ACTIVE holds, oldest first; and per item for bookingHold.
        IndexModel([("state", ASCENDING), ("expire_at", ASCENDING)], name="state_expire_at"),
        IndexModel(
            [("item", ASCENDING), ("state", ASCENDING), ("expire_at", ASCENDING)],
            name="item_state_expire_at",
        ),
        # Only finished holds get purge_at: TTL never deletes a hold whose seats are still out.
        IndexModel([("purge_at", ASCENDING)], expireAfterSeconds=0, name="purge_at_ttl"),
        # A deleted user's holds (backend.auth.service.deletion).
        IndexModel([("user", ASCENDING)], name="user"),
    ],
}


async def insert_hold(db: Database, hold: HoldDoc, *, session: AsyncClientSession) -> None:
    """Insert a hold (inside the transaction that took its inventory)."""
    await db[HOLDS].insert_one(hold.to_mongo(), session=session)


async def get_hold(db: Database, hold_id: ObjectId) -> HoldDoc | None:
    """One hold by id."""
    doc = await db[HOLDS].find_one({"_id": hold_id})
    return HoldDoc.from_mongo(doc) if doc else None


async def get_holds(db: Database, ids: Sequence[ObjectId]) -> list[HoldDoc]:
    """The holds with these ids (any order; unknown or purged ids are left out)."""
    cursor = db[HOLDS].find({"_id": {"$in": list(ids)}})
    return [HoldDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def claim_live_hold(
    db: Database,
    hold_id: ObjectId,
    user: str,
    *,
    now: datetime,
    purge_at: datetime,
    session: AsyncClientSession,
) -> HoldDoc | None:
    """ACTIVE -> CONFIRMED for the viewer's hold while `expire_at > now`; None otherwise."""
    doc = await db[HOLDS].find_one_and_update(
        {"_id": hold_id, "user": user, "state": HoldState.ACTIVE.value, "expire_at": {"$gt": now}},
        {"$set": {"state": HoldState.CONFIRMED.value, "confirmed_at": now, "purge_at": purge_at}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return HoldDoc.from_mongo(doc) if doc else None


async def claim_expired_hold(
    db: Database, *, now: datetime, item: str | None, session: AsyncClientSession
) -> HoldDoc | None:
    """ACTIVE -> RELEASED for the oldest expired hold (of `item`, if given); None when none."""
    query: dict[str, Any] = {"state": HoldState.ACTIVE.value, "expire_at": {"$lte": now}}
    if item is not None:
        query["item"] = item
    doc = await db[HOLDS].find_one_and_update(
        query,
        {
            "$set": {
                "state": HoldState.RELEASED.value,
                "released_at": now,
                # now >= expire_at: kept at least a day after expiry, then removed by TTL.
                "purge_at": now + HOLD_PURGE_AFTER,
            }
        },
        sort=[("expire_at", ASCENDING)],
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return HoldDoc.from_mongo(doc) if doc else None


async def has_expired_hold(db: Database, *, now: datetime, item: str | None) -> bool:
    """Whether some ACTIVE hold (of `item`) has expired: a read, so a sweep with nothing to do
    costs no transaction."""
    query: dict[str, Any] = {"state": HoldState.ACTIVE.value, "expire_at": {"$lte": now}}
    if item is not None:
        query["item"] = item
    return await db[HOLDS].find_one(query, {"_id": 1}) is not None


async def reserve_live_hold(
    db: Database,
    hold_id: ObjectId,
    user: str,
    *,
    booking_id: ObjectId,
    now: datetime,
    session: AsyncClientSession,
) -> HoldDoc | None:
    """Tie the viewer's live ACTIVE hold to the booking that waits on its payment (once); None
    when it is not live or already has one. The hold stays ACTIVE: its inventory stays out."""
    doc = await db[HOLDS].find_one_and_update(
        {
            "_id": hold_id,
            "user": user,
            "state": HoldState.ACTIVE.value,
            "expire_at": {"$gt": now},
            "booking": None,
        },
        {"$set": {"booking": booking_id}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return HoldDoc.from_mongo(doc) if doc else None


async def pseudonymise_holds(db: Database, user: str, *, pseudonym: str) -> int:
    """Give a deleted user's holds the pseudonym (a live one still holds inventory, and TTL
    purges finished ones); served by user."""
    result = await db[HOLDS].update_many({"user": user}, {"$set": {"user": pseudonym}})
    return int(result.modified_count)


async def release_hold(
    db: Database, hold_id: ObjectId, *, now: datetime, session: AsyncClientSession
) -> bool:
    """ACTIVE -> RELEASED before expiry (its HELD booking was cancelled); False when the sweep
    or a payment settled it first."""
    doc = await db[HOLDS].find_one_and_update(
        {"_id": hold_id, "state": HoldState.ACTIVE.value},
        {
            "$set": {
                "state": HoldState.RELEASED.value,
                "released_at": now,
                "purge_at": now + HOLD_PURGE_AFTER,
            }
        },
        session=session,
    )
    return doc is not None
