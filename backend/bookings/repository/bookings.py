"""Collection bookings: confirmed bookings, their cancellation and reminders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings.models import BookingDoc, BookingStatus, ItemKind
from backend.db import Database

BOOKINGS = "bookings"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    BOOKINGS: [
        IndexModel([("code", ASCENDING)], unique=True, name="code_unique"),
        IndexModel([("hold", ASCENDING)], unique=True, name="hold_unique"),
        IndexModel(
            [("user", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
            name="user_created",
        ),
        IndexModel(
            [
                ("user", ASCENDING),
                ("status", ASCENDING),
                ("created_at", DESCENDING),
                ("_id", DESCENDING),
            ],
            name="user_status_created",
        ),
        # The future shard key (DESIGN: bookings by {item, _id}).
        IndexModel([("item", ASCENDING), ("_id", ASCENDING)], name="item_id"),
        # Reminders: confirmed bookings starting soon that have had none.
        IndexModel(
            [("status", ASCENDING), ("reminder_sent_at", ASCENDING), ("starts_at", ASCENDING)],
            name="reminder_due",
        ),
    ],
}


async def insert_booking(db: Database, booking: BookingDoc, *, session: AsyncClientSession) -> None:
    """Insert a booking (DuplicateKeyError on a code or hold already used)."""
    await db[BOOKINGS].insert_one(booking.to_mongo(), session=session)


async def get_booking(db: Database, booking_id: ObjectId) -> BookingDoc | None:
    """One booking by id."""
    doc = await db[BOOKINGS].find_one({"_id": booking_id})
    return BookingDoc.from_mongo(doc) if doc else None


async def cancel_booking(
    db: Database,
    booking_id: ObjectId,
    *,
    changes: dict[str, Any],
    session: AsyncClientSession,
) -> BookingDoc | None:
    """CONFIRMED -> CANCELLED; None when another cancel won (or it was never confirmed)."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"_id": booking_id, "status": BookingStatus.CONFIRMED.value},
        {"$set": {"status": BookingStatus.CANCELLED.value, **changes}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return BookingDoc.from_mongo(doc) if doc else None


def my_bookings_filter(
    user: str, status: BookingStatus | None, after: tuple[datetime, ObjectId] | None
) -> dict[str, Any]:
    """A myBookings page's filter (served by user_created / user_status_created)."""
    query: dict[str, Any] = {"user": user}
    if status is not None:
        query["status"] = status.value
    if after is not None:
        at, last = after
        query["$or"] = [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": last}}]
    return query


async def my_bookings(
    db: Database,
    *,
    user: str,
    status: BookingStatus | None,
    after: tuple[datetime, ObjectId] | None,
    limit: int,
) -> list[BookingDoc]:
    """The user's bookings, newest first."""
    cursor = (
        db[BOOKINGS]
        .find(my_bookings_filter(user, status, after))
        .sort([("created_at", DESCENDING), ("_id", DESCENDING)])
        .limit(limit)
    )
    return [BookingDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def mark_reminder_due(
    db: Database, *, now: datetime, until: datetime, session: AsyncClientSession
) -> BookingDoc | None:
    """Claim one confirmed tour booking starting in (now, until] with no reminder yet."""
    doc = await db[BOOKINGS].find_one_and_update(
        {
            "status": BookingStatus.CONFIRMED.value,
            "reminder_sent_at": None,
            "starts_at": {"$gt": now, "$lte": until},
            "kind": ItemKind.TOUR.value,
        },
        {"$set": {"reminder_sent_at": now}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return BookingDoc.from_mongo(doc) if doc else None
