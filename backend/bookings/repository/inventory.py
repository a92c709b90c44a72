"""Collections tour_departures and room_nights: what is left to sell, by departure and by night.

Inventory (`tour_departures.seats_left`, `room_nights.rooms_left`) changes only through conditional
updates whose filter carries the condition, so no interleaving of requests can oversell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings.models import DepartureDoc, RoomNightDoc, RoomTypeDoc
from backend.db import Database

DEPARTURES = "tour_departures"
ROOM_NIGHTS = "room_nights"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    DEPARTURES: [
        IndexModel(
            [("tour", ASCENDING), ("starts_at", ASCENDING)], unique=True, name="tour_starts_at"
        ),
        # tours(filter: {date}): departures of a day with seats, whatever the tour.
        IndexModel([("starts_at", ASCENDING), ("seats_left", ASCENDING)], name="starts_at_seats"),
    ],
    ROOM_NIGHTS: [
        IndexModel(
            [("room_type", ASCENDING), ("date", ASCENDING)], unique=True, name="room_type_date"
        ),
        # hotels(filter: {checkIn, checkOut}): nights with rooms left, whatever the room type.
        IndexModel([("date", ASCENDING), ("rooms_left", ASCENDING)], name="date_rooms_left"),
    ],
}


def departing_between_filter(start: datetime, end: datetime) -> dict[str, Any]:
    """Departures in [start, end), whatever the tour (served by starts_at_seats).

    Only the range: the embedded database answers a range on the index's first key plus a
    condition on its second with a collection scan, so seats are checked on the documents read
    (a day's departures, a bounded set)."""
    return {"starts_at": {"$gte": start, "$lt": end}}


async def tours_departing_between(db: Database, start: datetime, end: datetime) -> list[str]:
    """Slugs of tours with a departure with seats left in [start, end)."""
    cursor = db[DEPARTURES].find(
        departing_between_filter(start, end), {"tour": 1, "seats_left": 1, "_id": 0}
    )
    return sorted({doc["tour"] async for doc in cursor if doc["seats_left"] > 0})


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


async def get_departures(db: Database, ids: Sequence[ObjectId]) -> list[DepartureDoc]:
    """The departures with these ids (any order; unknown ids are left out)."""
    cursor = db[DEPARTURES].find({"_id": {"$in": list(ids)}})
    return [DepartureDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


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


# --- content (backend.bookings.loader) ------------------------------------------------------------


async def open_departures(
    db: Database, tour: str, starts: Sequence[datetime], *, capacity: int, now: datetime
) -> int:
    """Open these departures for sale if not open yet (seats already sold are never reset)."""
    ops = [
        UpdateOne(
            {"tour": tour, "starts_at": at},
            {"$setOnInsert": {"capacity": capacity, "seats_left": capacity, "created_at": now}},
            upsert=True,
        )
        for at in starts
    ]
    if ops:
        await db[DEPARTURES].bulk_write(ops, ordered=False)
    return len(ops)


async def open_room_nights(
    db: Database, room_type: str, nights: Sequence[tuple[date, int, int]]
) -> int:
    """Open (night, rooms, price) for sale if not open yet (rooms already sold are never reset)."""
    ops = [
        UpdateOne(
            {"room_type": room_type, "date": night.isoformat()},
            {"$setOnInsert": {"rooms_total": rooms, "rooms_left": rooms, "price_vnd": price}},
            upsert=True,
        )
        for night, rooms, price in nights
    ]
    if ops:
        await db[ROOM_NIGHTS].bulk_write(ops, ordered=False)
    return len(ops)
