"""Public reads of reports: Open311's `GET requests` and the open-data exports.

Both show only visible reports (never hidden ones) and only what the public may see. Each query
names its index and sorts on that index's leading field only: SecantusDB's planner drops a
blocking SORT only for a single-key sort on an index's leading field, so listings sort on
`created_at` (or on `category` / `area` with one of them, which walks that index in created_at
order) and pass the index as a hint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel

from backend import geo
from backend.db import Database, Document
from backend.reports.repository.documents import REPORTS, VISIBLE

CREATED_INDEX = "open311_created"
CATEGORY_CREATED_INDEX = "open311_category_created"
AREA_CREATED_INDEX = "opendata_area_created"
UPDATED_INDEX = "opendata_updated"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    REPORTS: [
        IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name=CREATED_INDEX),
        IndexModel(
            [("category", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
            name=CATEGORY_CREATED_INDEX,
        ),
        IndexModel(
            [("area", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
            name=AREA_CREATED_INDEX,
        ),
        # Last-Modified: the newest change is one index entry away.
        IndexModel([("updated_at", DESCENDING)], name=UPDATED_INDEX),
    ],
}
# What an export carries: anonymous fields only.
EXPORT_PROJECTION = {
    "category": 1,
    "status": 1,
    "area": 1,
    "created_at": 1,
    "updated_at": 1,
    "resolved_at": 1,
    "location": 1,
}
BATCH = 1_000


# --- Open311 GET requests -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequestQuery:
    """A typed `GET requests` query; `ids` wins over everything else, as the spec says."""

    ids: list[ObjectId] | None = None
    start: datetime
    end: datetime
    categories: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    near: tuple[float, float, float] | None = None  # lng, lat, metres
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    skip: int = 0
    limit: int = 1_000

    def mongo_filter(self) -> Document:
        """The filter sent to the database (also what the index test explains)."""
        query: Document = dict(VISIBLE)
        if self.ids is not None:
            query["_id"] = {"$in": self.ids}
            return query
        query["created_at"] = {"$gte": self.start, "$lte": self.end}
        if len(self.categories) == 1:
            query["category"] = self.categories[0]
        elif self.categories:
            query["category"] = {"$in": self.categories}
        if self.statuses:
            query["status"] = {"$in": self.statuses}
        if self.near is not None:
            lng, lat, metres = self.near
            here = geo.point(lat=lat, lng=lng)
            query["location"] = {"$near": {"$geometry": here, "$maxDistance": metres}}
        elif self.bbox is not None:
            west, south, east, north = self.bbox
            ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
            box = {"type": "Polygon", "coordinates": [ring]}
            query["location"] = {"$geoWithin": {"$geometry": box}}
        return query

    def plan(self) -> tuple[list[tuple[str, int]] | None, str | None]:
        """Sort and index hint: newest first from an index, without a blocking sort.

        Ids come from the _id index (named: the planner would scan with `hidden $ne`); `$near`
        orders by distance (its 2dsphere index); a box uses the 2dsphere index and sorts what
        falls in it.
        """
        if self.ids is not None:
            return None, "_id_"
        if self.near is not None:
            return None, None
        if self.bbox is not None:
            return [("created_at", DESCENDING)], None
        if len(self.categories) == 1:
            return [("category", DESCENDING)], CATEGORY_CREATED_INDEX
        return [("created_at", DESCENDING)], CREATED_INDEX


async def find_requests(db: Database, query: RequestQuery) -> list[Document]:
    """One page of visible reports for `GET requests`."""
    sort, hint = query.plan()
    cursor = db[REPORTS].find(query.mongo_filter())
    if sort is not None:
        cursor = cursor.sort(sort)
    if hint is not None:
        cursor = cursor.hint(hint)
    return await cursor.skip(query.skip).limit(query.limit).to_list(None)


async def get_visible_report(db: Database, report_id: ObjectId) -> Document | None:
    """One visible report as stored."""
    return await db[REPORTS].find_one({"_id": report_id, **VISIBLE}, hint="_id_")


# --- open-data exports ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ExportQuery:
    """Typed export filters: [start, end) on created_at, one category, area, statuses."""

    start: datetime
    end: datetime
    category: str | None = None
    area: str | None = None
    statuses: tuple[str, ...] = ()

    def mongo_filter(self) -> Document:
        query: Document = {**VISIBLE, "created_at": {"$gte": self.start, "$lt": self.end}}
        if self.category is not None:
            query["category"] = self.category
        if self.area is not None:
            query["area"] = self.area
        if self.statuses:
            query["status"] = {"$in": list(self.statuses)}
        return query

    def plan(self) -> tuple[str, str]:
        """(leading sort field, index name)."""
        if self.area is not None:
            return "area", AREA_CREATED_INDEX
        if self.category is not None:
            return "category", CATEGORY_CREATED_INDEX
        return "created_at", CREATED_INDEX


async def export_batches(
    db: Database, query: ExportQuery, *, batch: int = BATCH
) -> AsyncIterator[list[Document]]:
    """The matching reports (anonymous fields only), oldest first, in batches of `batch`.

    One cursor walks the index: SecantusDB examines a whole range before applying a limit, so
    resuming with a fresh query per batch would cost O(n^2); the driver's timeout applies to
    each getMore, not to the cursor's life. The cursor is closed however the stream ends.
    """
    sort_field, index = query.plan()
    cursor = (
        db[REPORTS]
        .find(query.mongo_filter(), EXPORT_PROJECTION)
        .sort(sort_field, ASCENDING)
        .hint(index)
        .batch_size(batch)
    )
    docs: list[Document] = []
    try:
        async for doc in cursor:
            docs.append(doc)
            if len(docs) >= batch:
                yield docs
                docs = []
        if docs:
            yield docs
    finally:
        await cursor.close()


async def last_change(db: Database) -> datetime | None:
    """The newest `updated_at` of any report: a conservative validator for every export."""
    doc = await (
        db[REPORTS]
        .find({}, {"updated_at": 1})
        .sort("updated_at", DESCENDING)
        .hint(UPDATED_INDEX)
        .limit(1)
        .to_list(1)
    )
    return doc[0]["updated_at"] if doc else None
