"""Collections restaurants and restaurant_tables: the restaurants (written by the content loader,
with staff `overrides`) and the tables left per (restaurant, seating, table size).

A seating's tables document is created lazily, inside the hold's transaction, by an upsert with
`$setOnInsert` from the restaurant's tables; the hold then takes one table with a conditional
decrement (`tables_left >= 1` in the filter), so no interleaving oversells a seating.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, GEOSPHERE, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import geo
from backend.bookings.models import RestaurantDoc, TableSlotDoc, slot_id
from backend.db import Database

RESTAURANTS = "restaurants"
RESTAURANT_TABLES = "restaurant_tables"
# Restaurants are read whole within a radius (or a filter) and ranked here: tens of them.
MAX_RESTAURANTS = 500

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    RESTAURANTS: [
        # Restaurants without a known location have no `location` field: never matched by near.
        IndexModel([("location", GEOSPHERE)], name="location_2dsphere"),
        IndexModel([("cuisine", ASCENDING), ("_id", ASCENDING)], name="cuisine_id"),
    ],
    RESTAURANT_TABLES: [
        # restaurant(id).slots(date), restaurantTablesSet: a restaurant's seatings in a window.
        IndexModel(
            [("restaurant", ASCENDING), ("starts_at", ASCENDING), ("size", ASCENDING)],
            name="restaurant_starts_at_size",
        ),
        # restaurants(filter: {date, partySize}): the day's full seatings, whatever restaurant.
        # Equality first: the embedded server's planner scans the collection for a range on the
        # first key with a condition on the second (checked by explain in the tests).
        IndexModel([("tables_left", ASCENDING), ("starts_at", ASCENDING)], name="left_starts_at"),
    ],
}


async def get_restaurant(db: Database, restaurant_id: str) -> RestaurantDoc | None:
    """One restaurant by slug."""
    doc = await db[RESTAURANTS].find_one({"_id": restaurant_id})
    return RestaurantDoc.from_mongo(doc) if doc else None


async def get_restaurants(db: Database, ids: Sequence[str]) -> list[RestaurantDoc]:
    """Restaurants by slug, in no particular order."""
    docs = await db[RESTAURANTS].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [RestaurantDoc.from_mongo(doc) for doc in docs]


def restaurants_filter(
    *, near: tuple[float, float, float] | None, cuisine: str | None, after_id: str | None
) -> dict[str, Any]:
    """Restaurants within `near` (lat, lng, radius), or by slug after `after_id`; of a cuisine."""
    query: dict[str, Any] = {}
    if cuisine is not None:
        query["cuisine"] = cuisine
    if near is not None:
        query.update(geo.within("location", lat=near[0], lng=near[1], radius_m=near[2]))
    elif after_id is not None:
        query["_id"] = {"$gt": after_id}
    return query


async def find_restaurants(
    db: Database,
    *,
    near: tuple[float, float, float] | None,
    cuisine: str | None,
    after_id: str | None,
    limit: int = MAX_RESTAURANTS,
) -> list[RestaurantDoc]:
    """Every restaurant within `near`, or by slug order after `after_id` (at most `limit`)."""
    query = restaurants_filter(near=near, cuisine=cuisine, after_id=after_id)
    cursor = db[RESTAURANTS].find(query)
    if near is None:
        cursor = cursor.sort("_id", ASCENDING)
    docs = await cursor.limit(min(limit, MAX_RESTAURANTS)).to_list(None)
    return [RestaurantDoc.from_mongo(doc) for doc in docs]


async def restaurant_documents(db: Database, *, limit: int) -> list[dict[str, Any]]:
    """At most `limit` restaurants as stored, in slug order (the content snapshot)."""
    return await db[RESTAURANTS].find({}).sort("_id", ASCENDING).limit(limit).to_list(limit)


async def restaurant_for_update(
    db: Database, restaurant_id: str, *, session: AsyncClientSession
) -> RestaurantDoc | None:
    """A restaurant read with a write in `session` (a counter), so that a transaction writing it
    too (restaurantTablesSet, a hold opening a seating) conflicts with this one."""
    doc = await db[RESTAURANTS].find_one_and_update(
        {"_id": restaurant_id},
        {"$inc": {"tables_followed": 1}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return RestaurantDoc.from_mongo(doc) if doc else None


async def set_overrides(
    db: Database, restaurant_id: str, overrides: Mapping[str, Any], *, session: AsyncClientSession
) -> RestaurantDoc | None:
    """Staff settings (tables, opening_hours, deposit_per_person_vnd) that win over content."""
    changes = {f"overrides.{name}": value for name, value in overrides.items()}
    doc = await db[RESTAURANTS].find_one_and_update(
        {"_id": restaurant_id}, {"$set": changes}, return_document=True, session=session
    )
    return RestaurantDoc.from_mongo(doc) if doc else None


# --- tables per seating ---------------------------------------------------------------------------


def slots_filter(restaurant: str, start: datetime, end: datetime) -> dict[str, Any]:
    """A restaurant's seatings in [start, end) (served by restaurant_starts_at_size)."""
    return {"restaurant": restaurant, "starts_at": {"$gte": start, "$lt": end}}


async def table_slots(
    db: Database, restaurant: str, start: datetime, end: datetime, *, limit: int = 2_000
) -> list[TableSlotDoc]:
    """The tables documents of a restaurant's seatings in [start, end)."""
    cursor = db[RESTAURANT_TABLES].find(slots_filter(restaurant, start, end)).limit(limit)
    return [TableSlotDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def get_table_slots(db: Database, ids: Sequence[str]) -> list[TableSlotDoc]:
    """Tables documents by id (any order; ids never taken are left out)."""
    docs = await db[RESTAURANT_TABLES].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [TableSlotDoc.from_mongo(doc) for doc in docs]


def full_seatings_filter(start: datetime, end: datetime) -> dict[str, Any]:
    """Seatings in [start, end) with no table left (served by left_starts_at; tables_left
    never goes below 0: every decrement's filter asks for one left)."""
    return {"tables_left": 0, "starts_at": {"$gte": start, "$lt": end}}


async def full_seatings_between(
    db: Database, start: datetime, end: datetime, *, limit: int = 20_000
) -> set[str]:
    """Ids of the tables documents in [start, end) with no table left."""
    query = full_seatings_filter(start, end)
    cursor = db[RESTAURANT_TABLES].find(query, {"_id": 1}).limit(limit)
    return {doc["_id"] for doc in await cursor.to_list(None)}


async def take_table(
    db: Database,
    *,
    restaurant: str,
    starts_at: datetime,
    size: int,
    session: AsyncClientSession,
) -> bool:
    """Open this seating's tables of `size` if not open yet, then take one if one is left.

    A seating is opened with the count of the restaurant's document as this transaction
    writes it (`seatings_opened`): restaurantTablesSet writes that document too, so a hold that
    opens a seating and staff changing the tables conflict and one of them retries. Never a
    seating opened with a count that staff have just lowered (restaurantTablesSet only moves
    the seatings already open)."""
    item = slot_id(restaurant, starts_at, size)
    opened = await db[RESTAURANT_TABLES].find_one({"_id": item}, {"_id": 1}, session=session)
    if opened is None:
        doc = await db[RESTAURANTS].find_one_and_update(
            {"_id": restaurant},
            {"$inc": {"seatings_opened": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None:  # retired meanwhile
            return False
        tables = RestaurantDoc.from_mongo(doc).tables.get(size, 0)
        # Two racing first holds both write the restaurant: one commits, the other's
        # transaction conflicts and is retried (backend.db.run_transaction), then finds the
        # seating open and only decrements.
        await db[RESTAURANT_TABLES].update_one(
            {"_id": item},
            {
                "$setOnInsert": {
                    "restaurant": restaurant,
                    "starts_at": starts_at,
                    "size": size,
                    "tables_total": tables,
                    "tables_left": tables,
                }
            },
            upsert=True,
            session=session,
        )
    result = await db[RESTAURANT_TABLES].update_one(
        {"_id": item, "tables_left": {"$gte": 1}},
        {"$inc": {"tables_left": -1}},
        session=session,
    )
    return result.modified_count == 1


async def return_table(db: Database, item: str, *, session: AsyncClientSession) -> None:
    """Give one table back (inside the transaction that decided it comes back): a table kept
    beyond the restaurant's count (`tables_over`) goes away, any other is free again."""
    over = await db[RESTAURANT_TABLES].update_one(
        {"_id": item, "tables_over": {"$gte": 1}},
        {"$inc": {"tables_total": -1, "tables_over": -1}},
        session=session,
    )
    if over.matched_count == 0:
        await db[RESTAURANT_TABLES].update_one(
            {"_id": item}, {"$inc": {"tables_left": 1}}, session=session
        )


async def set_tables_total(
    db: Database, slot: TableSlotDoc, tables: int, *, session: AsyncClientSession
) -> bool:
    """Set a seating's total of one size, moving tables_left by the difference; False when fewer
    tables than are already held or sold would remain."""
    total = slot.tables_total
    result = await db[RESTAURANT_TABLES].update_one(
        {"_id": slot.id, "tables_total": total, "tables_left": {"$gte": total - tables}},
        {
            "$inc": {"tables_left": tables - total},
            "$set": {"tables_total": tables, "tables_over": 0},
        },
        session=session,
    )
    return result.matched_count == 1


async def follow_total(
    db: Database, slot: TableSlotDoc, count: int, *, session: AsyncClientSession
) -> bool:
    """Give a seating `count` tables of its size, keeping those taken: beyond `count` they stay
    as `tables_over` until they come back. False when the seating changed since `slot` was read."""
    total = max(count, slot.taken)
    result = await db[RESTAURANT_TABLES].update_one(
        {"_id": slot.id, "tables_total": slot.tables_total, "tables_left": slot.tables_left},
        {
            "$set": {
                "tables_total": total,
                "tables_left": total - slot.taken,
                "tables_over": total - count,
            }
        },
        session=session,
    )
    return result.matched_count == 1


async def future_slots(
    db: Database, restaurant: str, now: datetime, *, session: AsyncClientSession
) -> list[TableSlotDoc]:
    """The tables documents of a restaurant's seatings after `now`."""
    query = {"restaurant": restaurant, "starts_at": {"$gt": now}}
    cursor = db[RESTAURANT_TABLES].find(query, session=session).limit(20_000)
    return [TableSlotDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


# --- content (backend.bookings.loader) ------------------------------------------------------------


async def upsert_restaurant(db: Database, slug: str, doc: Mapping[str, Any]) -> None:
    """Write a restaurant's content fields (marked `seeded`); staff `overrides` are kept."""
    body = dict(doc)
    unset = {} if "location" in body else {"location": ""}
    update: dict[str, Any] = {"$set": body}
    if unset:
        update["$unset"] = unset
    await db[RESTAURANTS].update_one({"_id": slug}, update, upsert=True)


async def retire_restaurants(db: Database, keep: Sequence[str]) -> None:
    """Delete the seeded restaurants content no longer lists (tables and bookings stay)."""
    await db[RESTAURANTS].delete_many({"seeded": True, "_id": {"$nin": list(keep)}})
