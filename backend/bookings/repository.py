"""Collections of the bookings domain; the only code that touches them.

Inventory (`tour_departures.seats_left`, `room_nights.rooms_left`) changes only through conditional
updates whose filter carries the condition, so no interleaving of requests can oversell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, GEOSPHERE, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import geo
from backend.bookings.models import (
    HOLD_PURGE_AFTER,
    BookingDoc,
    BookingStatus,
    DepartureDoc,
    HoldDoc,
    HoldState,
    HotelDoc,
    ItemKind,
    RoomNightDoc,
    RoomTypeDoc,
    TourDoc,
)
from backend.db import Database

TOURS = "tours"
DEPARTURES = "tour_departures"
HOTELS = "hotels"
ROOM_TYPES = "room_types"
ROOM_NIGHTS = "room_nights"
HOLDS = "booking_holds"
BOOKINGS = "bookings"

# Catalogue lists are read whole within a radius and ordered by distance here: there are tens of
# tours and hotels, not millions. This many at most per query.
MAX_CANDIDATES = 500

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    TOURS: [
        IndexModel([("meeting_point.location", GEOSPHERE)], name="meeting_point_2dsphere"),
        IndexModel([("languages", ASCENDING), ("_id", ASCENDING)], name="languages_id"),
    ],
    DEPARTURES: [
        IndexModel(
            [("tour", ASCENDING), ("starts_at", ASCENDING)], unique=True, name="tour_starts_at"
        ),
        # tours(filter: {date}): departures of a day with seats, whatever the tour.
        IndexModel([("starts_at", ASCENDING), ("seats_left", ASCENDING)], name="starts_at_seats"),
    ],
    HOTELS: [IndexModel([("location", GEOSPHERE)], name="location_2dsphere")],
    ROOM_TYPES: [IndexModel([("hotel", ASCENDING), ("_id", ASCENDING)], name="hotel_id")],
    ROOM_NIGHTS: [
        IndexModel(
            [("room_type", ASCENDING), ("date", ASCENDING)], unique=True, name="room_type_date"
        ),
        # hotels(filter: {checkIn, checkOut}): nights with rooms left, whatever the room type.
        IndexModel([("date", ASCENDING), ("rooms_left", ASCENDING)], name="date_rooms_left"),
    ],
    HOLDS: [
        # The release sweep: expired ACTIVE holds, oldest first; and per item for bookingHold.
        IndexModel([("state", ASCENDING), ("expire_at", ASCENDING)], name="state_expire_at"),
        IndexModel(
            [("item", ASCENDING), ("state", ASCENDING), ("expire_at", ASCENDING)],
            name="item_state_expire_at",
        ),
        # Only finished holds get purge_at: TTL never deletes a hold whose seats are still out.
        IndexModel([("purge_at", ASCENDING)], expireAfterSeconds=0, name="purge_at_ttl"),
    ],
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


# --- tours ------------------------------------------------------------------------------------


async def get_tour(db: Database, tour_id: str) -> TourDoc | None:
    """One tour by slug."""
    doc = await db[TOURS].find_one({"_id": tour_id})
    return TourDoc.from_mongo(doc) if doc else None


async def get_tours(db: Database, ids: Sequence[str]) -> list[TourDoc]:
    """Tours by slug, in no particular order."""
    docs = await db[TOURS].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [TourDoc.from_mongo(doc) for doc in docs]


async def find_tours(
    db: Database,
    *,
    near: tuple[float, float, float] | None,
    language: str | None,
    ids: Sequence[str] | None,
    after_id: str | None,
    limit: int,
) -> list[TourDoc]:
    """Tours by slug order after `after_id`, or every tour within `near` (lat, lng, radius)."""
    query: dict[str, Any] = {}
    if language is not None:
        query["languages"] = language
    if ids is not None:
        query["_id"] = {"$in": list(ids)}
    if near is not None:
        query.update(
            geo.within("meeting_point.location", lat=near[0], lng=near[1], radius_m=near[2])
        )
        cursor = db[TOURS].find(query).limit(MAX_CANDIDATES)
    else:
        if after_id is not None:
            query.setdefault("_id", {})["$gt"] = after_id
        cursor = db[TOURS].find(query).sort("_id", ASCENDING).limit(limit)
    return [TourDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def tours_departing_between(db: Database, start: datetime, end: datetime) -> list[str]:
    """Slugs of tours with a departure with seats left in [start, end)."""
    query = {"starts_at": {"$gte": start, "$lt": end}, "seats_left": {"$gt": 0}}
    docs = await db[DEPARTURES].find(query, {"tour": 1}).to_list(None)
    return sorted({doc["tour"] for doc in docs})


def departures_filter(tour: str, start: datetime, end: datetime) -> dict[str, Any]:
    """A tour's departures in [start, end) (served by tour_starts_at)."""
    return {"tour": tour, "starts_at": {"$gte": start, "$lt": end}}


async def departures(
    db: Database, *, tour: str, start: datetime, end: datetime, limit: int
) -> list[DepartureDoc]:
    """A tour's departures in [start, end), soonest first."""
    cursor = (
        db[DEPARTURES]
        .find(departures_filter(tour, start, end))
        .sort("starts_at", ASCENDING)
        .limit(limit)
    )
    return [DepartureDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def get_departure(db: Database, departure_id: ObjectId) -> DepartureDoc | None:
    """One departure by id."""
    doc = await db[DEPARTURES].find_one({"_id": departure_id})
    return DepartureDoc.from_mongo(doc) if doc else None


async def insert_departure(db: Database, departure: DepartureDoc, *, now: datetime) -> None:
    """Insert a departure (DuplicateKeyError when the tour already leaves at that time)."""
    await db[DEPARTURES].insert_one(
        {
            "_id": departure.id,
            "tour": departure.tour,
            "starts_at": departure.starts_at,
            "capacity": departure.capacity,
            "seats_left": departure.seats_left,
            "created_at": now,
        }
    )


async def take_seats(
    db: Database, departure_id: ObjectId, seats: int, *, now: datetime, session: AsyncClientSession
) -> DepartureDoc | None:
    """Take `seats` of a future departure if that many are left; None when not."""
    doc = await db[DEPARTURES].find_one_and_update(
        {"_id": departure_id, "seats_left": {"$gte": seats}, "starts_at": {"$gt": now}},
        {"$inc": {"seats_left": -seats}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return DepartureDoc.from_mongo(doc) if doc else None


async def return_seats(
    db: Database, departure_id: ObjectId, seats: int, *, session: AsyncClientSession
) -> None:
    """Give seats back (inside the transaction that decided they come back)."""
    await db[DEPARTURES].update_one(
        {"_id": departure_id}, {"$inc": {"seats_left": seats}}, session=session
    )


# --- hotels -----------------------------------------------------------------------------------


async def get_hotel(db: Database, hotel_id: str) -> HotelDoc | None:
    """One hotel by slug."""
    doc = await db[HOTELS].find_one({"_id": hotel_id})
    return HotelDoc.from_mongo(doc) if doc else None


async def find_hotels(
    db: Database,
    *,
    near: tuple[float, float, float] | None,
    ids: Sequence[str] | None,
    after_id: str | None,
    limit: int,
) -> list[HotelDoc]:
    """Hotels by slug order after `after_id`, or every hotel within `near` (lat, lng, radius)."""
    query: dict[str, Any] = {}
    if ids is not None:
        query["_id"] = {"$in": list(ids)}
    if near is not None:
        query.update(geo.within("location", lat=near[0], lng=near[1], radius_m=near[2]))
        cursor = db[HOTELS].find(query).limit(MAX_CANDIDATES)
    else:
        if after_id is not None:
            query.setdefault("_id", {})["$gt"] = after_id
        cursor = db[HOTELS].find(query).sort("_id", ASCENDING).limit(limit)
    return [HotelDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def get_room_type(db: Database, room_type_id: str) -> RoomTypeDoc | None:
    """One room type by id."""
    doc = await db[ROOM_TYPES].find_one({"_id": room_type_id})
    return RoomTypeDoc.from_mongo(doc) if doc else None


async def room_types_of(db: Database, hotel_ids: Sequence[str]) -> list[RoomTypeDoc]:
    """The room types of these hotels, by hotel then id."""
    cursor = (
        db[ROOM_TYPES]
        .find({"hotel": {"$in": list(hotel_ids)}})
        .sort([("hotel", ASCENDING), ("_id", ASCENDING)])
    )
    return [RoomTypeDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


def room_nights_filter(room_type: str, first: date, last: date) -> dict[str, Any]:
    """A room type's nights first..last inclusive (served by room_type_date)."""
    return {"room_type": room_type, "date": {"$gte": first.isoformat(), "$lte": last.isoformat()}}


async def room_nights(db: Database, room_type: str, first: date, last: date) -> list[RoomNightDoc]:
    """A room type's nights first..last inclusive, in date order (missing nights are not sold)."""
    cursor = (
        db[ROOM_NIGHTS].find(room_nights_filter(room_type, first, last)).sort("date", ASCENDING)
    )
    return [RoomNightDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def room_types_with_rooms(
    db: Database, first: date, last: date, rooms: int
) -> dict[str, int]:
    """{room type: rooms left on its fullest night} for types with `rooms` free every night."""
    query = {
        "date": {"$gte": first.isoformat(), "$lte": last.isoformat()},
        "rooms_left": {"$gte": rooms},
    }
    wanted = (last - first).days + 1
    counts: dict[str, list[int]] = {}
    async for doc in db[ROOM_NIGHTS].find(query, {"room_type": 1, "rooms_left": 1}):
        counts.setdefault(doc["room_type"], []).append(int(doc["rooms_left"]))
    return {rt: min(left) for rt, left in counts.items() if len(left) == wanted}


async def take_room_night(
    db: Database, room_type: str, night: date, rooms: int, *, session: AsyncClientSession
) -> bool:
    """Take `rooms` of one night if that many are left."""
    result = await db[ROOM_NIGHTS].update_one(
        {"room_type": room_type, "date": night.isoformat(), "rooms_left": {"$gte": rooms}},
        {"$inc": {"rooms_left": -rooms}},
        session=session,
    )
    return result.modified_count == 1


async def return_room_nights(
    db: Database,
    room_type: str,
    stay: Sequence[date],
    rooms: int,
    *,
    session: AsyncClientSession,
) -> None:
    """Give rooms back for these nights (inside the transaction that decided they come back)."""
    await db[ROOM_NIGHTS].update_many(
        {"room_type": room_type, "date": {"$in": [night.isoformat() for night in stay]}},
        {"$inc": {"rooms_left": rooms}},
        session=session,
    )


async def set_room_night(
    db: Database,
    room_type: RoomTypeDoc,
    night: date,
    rooms: int,
    *,
    session: AsyncClientSession,
) -> bool:
    """Set a night's total to `rooms`, moving rooms_left by the difference; False when fewer
    rooms than are already held or sold would remain."""
    current = await db[ROOM_NIGHTS].find_one(
        {"room_type": room_type.id, "date": night.isoformat()}, session=session
    )
    if current is None:
        await db[ROOM_NIGHTS].insert_one(
            {
                "room_type": room_type.id,
                "date": night.isoformat(),
                "rooms_total": rooms,
                "rooms_left": rooms,
                "price_vnd": room_type.price_on(night),
            },
            session=session,
        )
        return True
    total = int(current["rooms_total"])
    # The filter pins the total (so the difference is right) and keeps rooms_left >= 0, i.e.
    # never below what holds and bookings took; holds may still move rooms_left meanwhile.
    result = await db[ROOM_NIGHTS].update_one(
        {"_id": current["_id"], "rooms_total": total, "rooms_left": {"$gte": total - rooms}},
        {"$inc": {"rooms_left": rooms - total}, "$set": {"rooms_total": rooms}},
        session=session,
    )
    # matched, not modified: setting the total it already has changes nothing, and is no error.
    return result.matched_count == 1


# --- holds ------------------------------------------------------------------------------------


async def insert_hold(db: Database, hold: HoldDoc, *, session: AsyncClientSession) -> None:
    """Insert a hold (inside the transaction that took its inventory)."""
    await db[HOLDS].insert_one(hold.to_mongo(), session=session)


async def get_hold(db: Database, hold_id: ObjectId) -> HoldDoc | None:
    """One hold by id."""
    doc = await db[HOLDS].find_one({"_id": hold_id})
    return HoldDoc.from_mongo(doc) if doc else None


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


# --- bookings ---------------------------------------------------------------------------------


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


async def has_expired_hold(db: Database, *, now: datetime, item: str | None) -> bool:
    """Whether some ACTIVE hold (of `item`) has expired: a read, so a sweep with nothing to do
    costs no transaction."""
    query: dict[str, Any] = {"state": HoldState.ACTIVE.value, "expire_at": {"$lte": now}}
    if item is not None:
        query["item"] = item
    return await db[HOLDS].find_one(query, {"_id": 1}) is not None


async def get_room_types(db: Database, ids: Sequence[str]) -> list[RoomTypeDoc]:
    """Room types by id, in no particular order."""
    docs = await db[ROOM_TYPES].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [RoomTypeDoc.from_mongo(doc) for doc in docs]


async def hotels_with_capacity(db: Database, guests: int) -> list[str]:
    """Hotels with a room type whose rooms together sleep `guests` (inventory aside)."""
    docs = await db[ROOM_TYPES].find({}, {"hotel": 1, "capacity": 1, "rooms": 1}).to_list(None)
    return sorted({d["hotel"] for d in docs if int(d["capacity"]) * int(d["rooms"]) >= guests})
