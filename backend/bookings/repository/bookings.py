"""Collection bookings: held, confirmed and cancelled bookings, their payment state, reminders."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings.models import BookingDoc, BookingStatus, ItemKind, PaymentStatus
from backend.db import Database, batched
from backend.db import created_between as db_created_between

BOOKINGS = "bookings"
# The fields of a booking that name the staff member who acted on it at the door.
STAFF_FIELDS = ("redeemed_by", "no_show_by")

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
        # Payments: refunds owed (worker) and the daily reconciliation (CLI).
        IndexModel([("payment_status", ASCENDING), ("_id", ASCENDING)], name="payment_status"),
        IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name="created_at"),
        # The staff who redeemed a ticket or marked a no-show: rewritten to a pseudonym when
        # their account is deleted (`pseudonymise_staff_marks`).
        *(IndexModel([(field, ASCENDING)], name=field, sparse=True) for field in STAFF_FIELDS),
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
    from_status: BookingStatus = BookingStatus.CONFIRMED,
    session: AsyncClientSession,
) -> BookingDoc | None:
    """CONFIRMED (or HELD, unpaid) -> CANCELLED; None when another cancel (or the payment of a
    HELD booking) won."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"_id": booking_id, "status": from_status.value},
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


async def settle_held_booking(
    db: Database,
    booking_id: ObjectId,
    *,
    status: BookingStatus,
    payment_status: PaymentStatus,
    paid_at: datetime,
    session: AsyncClientSession,
) -> BookingDoc | None:
    """HELD -> `status` once its payment arrived; None when it was not HELD any more."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"_id": booking_id, "status": BookingStatus.HELD.value},
        {
            "$set": {
                "status": status.value,
                "payment_status": payment_status.value,
                "paid_at": paid_at,
            }
        },
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return BookingDoc.from_mongo(doc) if doc else None


async def expire_held_booking(
    db: Database, hold_id: ObjectId, *, now: datetime, session: AsyncClientSession
) -> BookingDoc | None:
    """HELD -> EXPIRED for the booking waiting on this (released) hold, if there is one."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"hold": hold_id, "status": BookingStatus.HELD.value},
        {"$set": {"status": BookingStatus.EXPIRED.value, "expired_at": now}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return BookingDoc.from_mongo(doc) if doc else None


async def set_payment_status(
    db: Database,
    booking_id: ObjectId,
    *,
    expected: PaymentStatus,
    new: PaymentStatus,
    session: AsyncClientSession | None = None,
) -> bool:
    """expected -> new; False when the booking's payment status was another."""
    result = await db[BOOKINGS].update_one(
        {"_id": booking_id, "payment_status": expected.value},
        {"$set": {"payment_status": new.value}},
        session=session,
    )
    return result.modified_count == 1


async def owing_refunds(db: Database, *, limit: int) -> list[BookingDoc]:
    """Bookings whose payment is owed back (served by payment_status)."""
    cursor = (
        db[BOOKINGS]
        .find({"payment_status": PaymentStatus.REFUND_PENDING.value})
        .sort("_id", ASCENDING)
        .limit(limit)
    )
    return [BookingDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def created_between(
    db: Database, start: datetime, end: datetime
) -> AsyncIterator[BookingDoc]:
    """Bookings created in [start, end), oldest first, streamed (served by created_at)."""
    async for found in db_created_between(db[BOOKINGS], start, end):
        yield BookingDoc.from_mongo(found)


async def get_bookings(db: Database, ids: list[ObjectId]) -> list[BookingDoc]:
    """The bookings with these ids (any order)."""
    cursor = db[BOOKINGS].find({"_id": {"$in": ids}})
    return [BookingDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def set_ticket(
    db: Database, booking_id: ObjectId, ticket: dict[str, Any], *, session: AsyncClientSession
) -> BookingDoc | None:
    """Give a confirmed booking its ticket (backend/bookings/tickets); the booking after."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"_id": booking_id},
        {"$set": {"ticket": ticket}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return BookingDoc.from_mongo(doc) if doc else None


async def redeem_booking(
    db: Database, booking_id: ObjectId, *, by: str, now: datetime
) -> BookingDoc | None:
    """CONFIRMED -> REDEEMED, once: None when it was not CONFIRMED (already redeemed, ...)."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"_id": booking_id, "status": BookingStatus.CONFIRMED.value},
        {
            "$set": {
                "status": BookingStatus.REDEEMED.value,
                "redeemed_at": now,
                "redeemed_by": by,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
    return BookingDoc.from_mongo(doc) if doc else None


async def mark_no_show(
    db: Database, booking_id: ObjectId, *, by: str, now: datetime, session: AsyncClientSession
) -> BookingDoc | None:
    """CONFIRMED -> NO_SHOW, once: None when it was not CONFIRMED (redeemed, cancelled, ...)."""
    doc = await db[BOOKINGS].find_one_and_update(
        {"_id": booking_id, "status": BookingStatus.CONFIRMED.value},
        {"$set": {"status": BookingStatus.NO_SHOW.value, "no_show_at": now, "no_show_by": by}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return BookingDoc.from_mongo(doc) if doc else None


# --- a deleted user's bookings (backend.auth.service.deletion) ----------------------------------
# Accounting keeps a booking (amount, dates, item, payment) for as long as the law asks; the
# person goes: the user becomes a pseudonym at once, and the contact (name, phone, e-mail) is
# erased once the service is over (or will never happen), not before: the operator may still
# have to reach the guest about a tour or stay that is ahead.

_SERVICE_AHEAD = (BookingStatus.HELD.value, BookingStatus.CONFIRMED.value)
ERASED_CONTACT = {"name": "", "phone": "", "email": ""}


def service_end(doc: Mapping[str, Any]) -> datetime:
    """When a booking's service is over: a tour's start, a stay's last night (+1 day)."""
    start: datetime = doc["starts_at"]
    return start + timedelta(days=len(doc.get("nights") or ()))


async def pseudonymise_bookings(
    db: Database, user: str, *, pseudonym: str, now: datetime
) -> datetime | None:
    """Give a deleted user's bookings (found by uid or already by pseudonym) the pseudonym and
    erase the contacts of those whose service is over; returns when the last kept contact may
    go (None: none kept). Served by user_created."""
    kept_until: datetime | None = None
    fields = {"starts_at": 1, "nights": 1, "status": 1, "cancelled_by": 1, "contact": 1}
    async for doc in db[BOOKINGS].find({"user": {"$in": [user, pseudonym]}}, fields):
        changes: dict[str, Any] = {"user": pseudonym}
        if doc.get("cancelled_by") == user:
            changes["cancelled_by"] = pseudonym
        end = service_end(doc)
        if doc.get("status") in _SERVICE_AHEAD and end > now:
            kept_until = end if kept_until is None else max(kept_until, end)
        elif doc.get("contact") != ERASED_CONTACT:
            changes.update(contact=ERASED_CONTACT, contact_erased_at=now)
        await db[BOOKINGS].update_one({"_id": doc["_id"]}, {"$set": changes})
    return kept_until


async def pseudonymise_staff_marks(
    db: Database, uid: str, *, pseudonym: str, limit: int, session: AsyncClientSession
) -> int:
    """A deleted staff member's uid on up to `limit` tickets they redeemed or no-shows they
    marked becomes their pseudonym (the bookings stay, for accounting), in the caller's
    transaction; how many (0: none left, so a repeated or resumed step changes nothing). Found
    by redeemed_by, then no_show_by, written by id alone (the planner serves no mixed filter;
    the transaction's snapshot keeps them naming `uid` until the write)."""
    for field in STAFF_FIELDS:
        found = db[BOOKINGS].find({field: uid}, {"_id": 1}, session=session).limit(limit)
        ids = [doc["_id"] async for doc in found]
        if ids:
            await db[BOOKINGS].update_many(
                {"_id": {"$in": ids}}, {"$set": {field: pseudonym}}, session=session
            )
            return len(ids)
    return 0


async def user_batches(
    db: Database, user: str, *, batch: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every booking of a user, newest first, in lists of `batch` (their data export; served by
    user_created)."""
    newest_first = [("created_at", DESCENDING), ("_id", DESCENDING)]
    cursor = db[BOOKINGS].find({"user": user}, batch_size=batch).sort(newest_first)
    async for chunk in batched(cursor, batch, dict):
        yield chunk
