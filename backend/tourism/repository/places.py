"""The pois and journeys collections: public content by id, in batches for the content snapshot,
search candidates, points in a box, ratings, and the content loader's replacement of it all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence

from pymongo import ASCENDING, GEOSPHERE, IndexModel, UpdateOne

from backend import geo
from backend.db import Database, Document
from backend.text import prefix_range

POIS = "pois"
JOURNEYS = "journeys"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    POIS: [
        IndexModel([("location", GEOSPHERE)], name="location_2dsphere"),
        IndexModel([("search_terms", ASCENDING)], name="search_terms"),
        IndexModel([("name_terms", ASCENDING)], name="name_terms"),
        IndexModel([("categories", ASCENDING)], name="categories"),
    ],
    JOURNEYS: [
        IndexModel([("theme", ASCENDING), ("duration_minutes", ASCENDING)], name="theme_duration"),
        IndexModel([("duration_minutes", ASCENDING)], name="duration"),
        IndexModel([("start_location", GEOSPHERE)], name="start_location_2dsphere"),
        IndexModel([("search_terms", ASCENDING)], name="search_terms"),
    ],
}

# Denormalised for search only (40% of a POI's bytes): lists leave them in the database.
SEARCH_FIELDS = ("search_terms", "name_terms")


async def get_pois(db: Database, ids: Sequence[str]) -> dict[str, Document]:
    """POIs by id, one query."""
    docs = await db[POIS].find({"_id": {"$in": list(ids)}}).to_list()
    return {doc["_id"]: doc for doc in docs}


async def get_journeys(db: Database, ids: Sequence[str]) -> dict[str, Document]:
    """Journeys by id, one query."""
    docs = await db[JOURNEYS].find({"_id": {"$in": list(ids)}}).to_list()
    return {doc["_id"]: doc for doc in docs}


async def content_batches(
    db: Database, collection: str, *, batch: int, limit: int
) -> AsyncIterator[list[Document]]:
    """Every place or journey in id order, a batch at a time, at most `limit` documents (the
    content snapshot, backend/snapshot.py, which is bounded by that limit). One cursor: a query
    per batch (`_id > last`) costs a sort of the collection each on the embedded database."""
    if collection not in (POIS, JOURNEYS):
        raise ValueError(collection)
    cursor = db[collection].find({}).sort("_id", ASCENDING).limit(limit).batch_size(batch)
    chunk: list[Document] = []
    async for doc in cursor:
        chunk.append(doc)
        if len(chunk) == batch:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def ratings(db: Database, ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """(rating_sum, rating_count) of POIs by id, one query: reviews change them, content not."""
    query = {"_id": {"$in": list(ids)}}
    docs = await db[POIS].find(query, {"rating_sum": 1, "rating_count": 1}).to_list()
    return {doc["_id"]: (doc.get("rating_sum", 0), doc.get("rating_count", 0)) for doc in docs}


async def search_candidates(
    db: Database, collection: str, word: str, *, limit: int
) -> list[Document]:
    """Documents with a search term starting with `word` (index range), for the service to rank."""
    query = {"search_terms": prefix_range(word)}
    return await db[collection].find(query).limit(limit).to_list()


async def points_within(
    db: Database, *, west: float, south: float, east: float, north: float, limit: int
) -> list[Document]:
    """Ids and locations of at most `limit` POIs inside a box."""
    query = {
        "location": {
            "$geoWithin": {
                "$geometry": geo.box_polygon(west=west, south=south, east=east, north=north)
            }
        }
    }
    cursor = db[POIS].find(query, {"location": 1}).limit(limit)
    return await cursor.to_list()


async def inc_rating(db: Database, poi_id: str, *, delta_sum: int, delta_count: int) -> None:
    """Adjust a POI's rating aggregate (never recomputed from all reviews)."""
    if delta_sum or delta_count:
        await db[POIS].update_one(
            {"_id": poi_id}, {"$inc": {"rating_sum": delta_sum, "rating_count": delta_count}}
        )


async def replace_content(
    db: Database, pois: Mapping[str, Document], journeys: Mapping[str, Document]
) -> None:
    """Upsert every place and journey by slug (ratings kept) and delete those no longer listed."""
    if pois:
        await db[POIS].bulk_write(
            [
                UpdateOne(
                    {"_id": slug},
                    {"$set": dict(doc), "$setOnInsert": {"rating_sum": 0, "rating_count": 0}},
                    upsert=True,
                )
                for slug, doc in pois.items()
            ]
        )
    if journeys:
        await db[JOURNEYS].bulk_write(
            [
                UpdateOne({"_id": slug}, {"$set": dict(doc)}, upsert=True)
                for slug, doc in journeys.items()
            ]
        )
    await db[POIS].delete_many({"_id": {"$nin": list(pois)}})
    await db[JOURNEYS].delete_many({"_id": {"$nin": list(journeys)}})
