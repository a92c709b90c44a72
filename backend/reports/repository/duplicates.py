"""The duplicates of a report: the ones merged into it (reportMerge sets `duplicate_of`).

Suspected duplicates (open reports of the same category nearby) are read through the
`location_cells` index by `nearby.open_duplicates`, as when a resident files a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from backend.db import Database
from backend.reports.models import ReportDoc
from backend.reports.repository.documents import LIST_PROJECTION, REPORTS

MERGED_INDEX = "duplicate_of_id"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # Reports merged into one, oldest first: an equality on duplicate_of, then _id.
    REPORTS: [IndexModel([("duplicate_of", ASCENDING), ("_id", ASCENDING)], name=MERGED_INDEX)],
}


def merged_query(report_id: ObjectId, after: ObjectId | None) -> dict[str, object]:
    """The filter of merged_into (for explain in tests too)."""
    query: dict[str, object] = {"duplicate_of": report_id}
    if after is not None:
        query["_id"] = {"$gt": after}
    return query


async def merged_into(
    db: Database, report_id: ObjectId, *, after: ObjectId | None, limit: int
) -> list[ReportDoc]:
    """Reports merged into `report_id`, oldest first, after an `_id` cursor (merged index)."""
    docs = (
        await db[REPORTS]
        .find(merged_query(report_id, after), LIST_PROJECTION)
        .sort([("duplicate_of", ASCENDING), ("_id", ASCENDING)])
        .limit(limit)
        .to_list(None)
    )
    return [ReportDoc.from_mongo(doc) for doc in docs]
