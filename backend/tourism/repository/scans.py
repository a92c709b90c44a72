"""Indexed scans of places and journeys: the filters a list asks the index, and one page of
documents past a cursor, by id or nearest first.

SecantusDB's planner serves `$near`, `$geoWithin`, `$in`, equality and a *single* range on a
field from an index, but runs anchored `$regex`, `$or` and `$elemMatch` as collection scans. A
search therefore drives the index with one prefix range (`"hoan" <= term < "hoap"`) for its most
selective word, and the service checks every word on the (few) documents that come back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING

from backend import geo
from backend.db import Database, Document
from backend.text import prefix_range

# A near query that finds nothing new past its cursor (ties) fetches again, at most this much.
MAX_NEAR_FETCH = 2_000


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
