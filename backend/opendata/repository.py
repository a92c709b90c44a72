"""Read-only export queries on the reports collection, streamed from an async cursor.

Each export names its index and sorts on that index's leading field only, so SecantusDB walks
the index in order with no blocking sort: one area or one category in created_at order, or
everything in created_at order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel

from backend.db import Database, Document
from backend.open311.repository import CATEGORY_CREATED_INDEX, CREATED_INDEX, VISIBLE
from backend.reports.repository import REPORTS

AREA_CREATED_INDEX = "opendata_area_created"
UPDATED_INDEX = "opendata_updated"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    REPORTS: [
        IndexModel(
            [("area", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
            name=AREA_CREATED_INDEX,
        ),
        # Last-Modified: the newest change is one index entry away.
        IndexModel([("updated_at", DESCENDING)], name=UPDATED_INDEX),
    ],
}
BATCH = 1_000
PROJECTION = {
    "category": 1,
    "status": 1,
    "area": 1,
    "created_at": 1,
    "updated_at": 1,
    "resolved_at": 1,
    "location": 1,
}


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
        .find(query.mongo_filter(), PROJECTION)
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
