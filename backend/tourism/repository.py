"""The tourism collections: pois, journeys, reviews, journey_progress (and audit entries).

SecantusDB's planner serves `$near`, `$geoWithin`, `$in`, equality and a *single* range on a
field from an index, but runs anchored `$regex`, `$or` and `$elemMatch` as collection scans. A
search therefore drives the index with one prefix range (`"hoan" <= term < "hoap"`) for its most
selective word, and the service checks every word on the (few) documents that come back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, GEOSPHERE, IndexModel, ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from backend import geo
from backend.db import Database, Document
from backend.text import prefix_range

POIS = "pois"
JOURNEYS = "journeys"
REVIEWS = "reviews"
PROGRESS = "journey_progress"

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
    REVIEWS: [
        IndexModel([("poi", ASCENDING), ("author", ASCENDING)], name="poi_author", unique=True),
        IndexModel(
            [("poi", ASCENDING), ("hidden", ASCENDING), ("_id", DESCENDING)], name="poi_visible"
        ),
    ],
    PROGRESS: [
        IndexModel([("uid", ASCENDING), ("journey", ASCENDING)], name="uid_journey", unique=True),
        IndexModel([("uid", ASCENDING), ("_id", DESCENDING)], name="uid_recent"),
    ],
}

# A near query that finds nothing new past its cursor (ties) fetches again, at most this much.
MAX_NEAR_FETCH = 2_000


def object_id(value: str) -> ObjectId | None:
    """An ObjectId from an opaque id, or None when it cannot be one."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


@dataclass(frozen=True)
class Near:
    lat: float
    lng: float
    max_meters: float | None = None


@dataclass(frozen=True, kw_only=True)
class Scan:
    """An indexed query over a collection: `filter` plus an optional `near` ordering."""

    collection: str
    filter: Document = field(default_factory=dict)
    near: Near | None = None
    location_field: str = "location"
    # Fields a list does not need (search terms are 40% of a POI): not sent, not decoded.
    exclude: tuple[str, ...] = ()

    def projection(self) -> Document | None:
        return {name: 0 for name in self.exclude} or None

    def mongo_filter(self) -> Document:
        """The filter sent to the database (without a cursor or distance); for `explain` too."""
        return dict(self.filter)

    def near_pipeline(self, *, min_meters: float, limit: int) -> list[Document]:
        """Nearest first from `min_meters` (`$geoNear` on the location's 2dsphere index)."""
        assert self.near is not None
        pipeline: list[Document] = [
            geo.geo_near(
                lat=self.near.lat,
                lng=self.near.lng,
                key=self.location_field,
                query=self.filter,
                max_meters=self.near.max_meters,
                min_meters=min_meters,
            ),
            {"$limit": limit},
        ]
        if projection := self.projection():
            pipeline.append({"$project": {**projection, geo.DISTANCE_FIELD: 0}})
        return pipeline


def poi_filter(
    *, categories: Sequence[str], search_word: str | None, within: Document | None
) -> Document:
    """What a POI list asks the index: categories, a search word's prefix range, a polygon."""
    query: Document = {}
    if categories:
        query["categories"] = {"$in": list(categories)}
    if search_word:
        query["search_terms"] = prefix_range(search_word)
    if within is not None:
        query["location"] = {"$geoWithin": {"$geometry": within}}
    return query


def journey_filter(*, theme: str | None, max_duration_minutes: int | None) -> Document:
    """What a journey list asks the index: a theme and a longest duration."""
    query: Document = {}
    if theme:
        query["theme"] = theme
    if max_duration_minutes is not None:
        query["duration_minutes"] = {"$lte": max_duration_minutes}
    return query


Key = tuple[Any, ...]

# Denormalised for search only (40% of a POI's bytes): lists leave them in the database.
SEARCH_FIELDS = ("search_terms", "name_terms")


async def scan(
    db: Database, query: Scan, *, after: Key | None, limit: int
) -> tuple[list[tuple[Key, Document]], bool]:
    """Up to about `limit` documents past `after` in key order, and whether the query is exhausted.

    Keys are (distance, id) for a near query, else (id,).
    """
    collection = db[query.collection]
    if query.near is None:
        condition = dict(query.filter)
        if after is not None:
            condition["_id"] = {"$gt": after[0]}
        docs = await (
            collection.find(condition, query.projection())
            .sort("_id", ASCENDING)
            .limit(limit)
            .to_list()
        )
        return [((doc["_id"],), doc) for doc in docs], len(docs) < limit
    near = query.near
    # Half a metre of slack: our haversine and the server's may differ in the last digits.
    min_meters = max(0.0, float(after[0]) - 0.5) if after is not None else 0.0
    fetch = limit
    while True:
        pipeline = query.near_pipeline(min_meters=min_meters, limit=fetch)
        docs = await (await collection.aggregate(pipeline)).to_list()
        keyed = []
        for doc in docs:
            lng, lat = doc[query.location_field]["coordinates"]
            key = (
                geo.haversine_meters(lat1=near.lat, lng1=near.lng, lat2=lat, lng2=lng),
                doc["_id"],
            )
            if after is None or key > tuple(after):
                keyed.append((key, doc))
        exhausted = len(docs) < fetch
        if keyed or exhausted or fetch >= MAX_NEAR_FETCH:
            keyed.sort(key=lambda item: item[0])
            return keyed, exhausted
        fetch *= 2


# -- POIs and journeys ---------------------------------------------------------------------------


async def get_pois(db: Database, ids: Sequence[str]) -> dict[str, Document]:
    """POIs by id, one query."""
    docs = await db[POIS].find({"_id": {"$in": list(ids)}}).to_list()
    return {doc["_id"]: doc for doc in docs}


async def get_journeys(db: Database, ids: Sequence[str]) -> dict[str, Document]:
    """Journeys by id, one query."""
    docs = await db[JOURNEYS].find({"_id": {"$in": list(ids)}}).to_list()
    return {doc["_id"]: doc for doc in docs}


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


# -- reviews -------------------------------------------------------------------------------------


class ReviewHiddenError(Exception):
    """The author's review was hidden by a moderator; it cannot be edited back into view."""


async def upsert_review(
    db: Database, *, poi_id: str, author: str, rating: int, text: str, now: datetime
) -> tuple[Document | None, Document]:
    """Create or edit the author's visible review; returns (before, after)."""
    new_id = ObjectId()
    try:
        before = await db[REVIEWS].find_one_and_update(
            {"poi": poi_id, "author": author, "hidden": False},
            {
                "$set": {"rating": rating, "text": text, "updated_at": now},
                "$setOnInsert": {"_id": new_id, "created_at": now},
            },
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
    except DuplicateKeyError:
        # The filter missed only because the author's review is hidden.
        raise ReviewHiddenError from None
    base = before or {"_id": new_id, "poi": poi_id, "author": author, "created_at": now}
    after = {**base, "hidden": False, "rating": rating, "text": text, "updated_at": now}
    return before, after


async def get_review(db: Database, review_id: str) -> Document | None:
    oid = object_id(review_id)
    return None if oid is None else await db[REVIEWS].find_one({"_id": oid})


async def list_reviews(
    db: Database, poi_id: str, *, before_id: str | None, limit: int
) -> list[Document]:
    """Visible reviews of a POI, newest first."""
    query: Document = {"poi": poi_id, "hidden": False}
    if before_id is not None:
        oid = object_id(before_id)
        if oid is None:
            return []
        query["_id"] = {"$lt": oid}
    return await db[REVIEWS].find(query).sort("_id", DESCENDING).limit(limit).to_list()


async def hide_review(
    db: Database, review_id: str, *, actor: str, reason: str, now: datetime
) -> Document | None:
    """Hide a visible review; returns it as it was before, or None if missing or already hidden."""
    oid = object_id(review_id)
    if oid is None:
        return None
    return await db[REVIEWS].find_one_and_update(
        {"_id": oid, "hidden": False},
        {"$set": {"hidden": True, "hidden_reason": reason, "hidden_by": actor, "hidden_at": now}},
        return_document=ReturnDocument.BEFORE,
    )


# -- journey progress ----------------------------------------------------------------------------


async def start_progress(
    db: Database, *, uid: str, journey_id: str, stop_count: int, now: datetime
) -> Document:
    """The viewer's progress on a journey, created on first start (idempotent)."""
    for _ in range(2):  # two concurrent first starts: one inserts, the other retries and reads
        try:
            doc = await db[PROGRESS].find_one_and_update(
                {"uid": uid, "journey": journey_id},
                {
                    "$setOnInsert": {
                        "started_at": now,
                        "visits": [],
                        "completed_at": None,
                        "stop_count": stop_count,
                    }
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return doc  # type: ignore[return-value]
        except DuplicateKeyError:
            continue
    raise RuntimeError("journey progress upsert kept colliding")


async def add_visit(
    db: Database, *, uid: str, journey_id: str, stop: str, at: datetime
) -> Document | None:
    """Record a visit unless already recorded; None when it was."""
    return await db[PROGRESS].find_one_and_update(
        {"uid": uid, "journey": journey_id, "visits.stop": {"$ne": stop}},
        {"$push": {"visits": {"stop": stop, "at": at}}},
        return_document=ReturnDocument.AFTER,
    )


async def complete_progress(db: Database, progress_id: Any, *, at: datetime) -> Document | None:
    """Mark completed once (the first completion time stays)."""
    return await db[PROGRESS].find_one_and_update(
        {"_id": progress_id, "completed_at": None},
        {"$set": {"completed_at": at}},
        return_document=ReturnDocument.AFTER,
    )


async def get_progress(db: Database, *, uid: str, journey_id: str) -> Document | None:
    return await db[PROGRESS].find_one({"uid": uid, "journey": journey_id})


async def list_progress(
    db: Database, *, uid: str, before_id: str | None, limit: int
) -> list[Document]:
    """The user's journeys, most recently started first."""
    query: Document = {"uid": uid}
    if before_id is not None:
        oid = object_id(before_id)
        if oid is None:
            return []
        query["_id"] = {"$lt": oid}
    return await db[PROGRESS].find(query).sort("_id", DESCENDING).limit(limit).to_list()


# --- content (backend.tourism.loader) -----------------------------------------------------------


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
