"""Collections tours, hotels and room_types: the catalogue (written by backend.bookings.loader)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, GEOSPHERE, IndexModel

from backend import geo
from backend.bookings.models import HotelDoc, RoomTypeDoc, TourDoc
from backend.db import Database

TOURS = "tours"
HOTELS = "hotels"
ROOM_TYPES = "room_types"

# Catalogue lists are read whole within a radius and ordered by distance here: there are tens of
# tours and hotels, not millions. This many at most per query.
MAX_CANDIDATES = 500

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    TOURS: [
        IndexModel([("meeting_point.location", GEOSPHERE)], name="meeting_point_2dsphere"),
        IndexModel([("languages", ASCENDING), ("_id", ASCENDING)], name="languages_id"),
    ],
    HOTELS: [IndexModel([("location", GEOSPHERE)], name="location_2dsphere")],
    ROOM_TYPES: [IndexModel([("hotel", ASCENDING), ("_id", ASCENDING)], name="hotel_id")],
}


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


async def tour_documents(db: Database, *, limit: int) -> list[dict[str, Any]]:
    """At most `limit` tours as stored, in slug order (the content snapshot,
    backend/bookings/snapshot.py)."""
    return await db[TOURS].find({}).sort("_id", ASCENDING).limit(limit).to_list(limit)


async def hotel_documents(db: Database, *, limit: int) -> list[dict[str, Any]]:
    """At most `limit` hotels as stored, in slug order (the content snapshot)."""
    return await db[HOTELS].find({}).sort("_id", ASCENDING).limit(limit).to_list(limit)


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


async def get_room_types(db: Database, ids: Sequence[str]) -> list[RoomTypeDoc]:
    """Room types by id, in no particular order."""
    docs = await db[ROOM_TYPES].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [RoomTypeDoc.from_mongo(doc) for doc in docs]


async def hotels_with_capacity(db: Database, guests: int) -> list[str]:
    """Hotels with a room type whose rooms together sleep `guests` (inventory aside)."""
    docs = await db[ROOM_TYPES].find({}, {"hotel": 1, "capacity": 1, "rooms": 1}).to_list(None)
    return sorted({d["hotel"] for d in docs if int(d["capacity"]) * int(d["rooms"]) >= guests})


# --- content (backend.bookings.loader) ------------------------------------------------------------


async def upsert_tour(db: Database, slug: str, doc: Mapping[str, Any]) -> None:
    """Write a tour's content document (marked `seeded`)."""
    await db[TOURS].replace_one({"_id": slug}, dict(doc), upsert=True)


async def upsert_hotel(db: Database, slug: str, doc: Mapping[str, Any]) -> None:
    """Write a hotel's content document (marked `seeded`)."""
    await db[HOTELS].replace_one({"_id": slug}, dict(doc), upsert=True)


async def upsert_room_type(db: Database, room_type_id: str, doc: Mapping[str, Any]) -> None:
    """Write a room type's content document (marked `seeded`)."""
    await db[ROOM_TYPES].replace_one({"_id": room_type_id}, dict(doc), upsert=True)


async def retire_tours(db: Database, keep: Sequence[str]) -> None:
    """Delete the seeded tours content no longer lists (departures and bookings stay)."""
    await db[TOURS].delete_many({"seeded": True, "_id": {"$nin": list(keep)}})


async def retire_hotels(db: Database, keep: Sequence[str]) -> None:
    """Delete the seeded hotels content no longer lists, with their room types."""
    await db[HOTELS].delete_many({"seeded": True, "_id": {"$nin": list(keep)}})
    await db[ROOM_TYPES].delete_many({"seeded": True, "hotel": {"$nin": list(keep)}})
