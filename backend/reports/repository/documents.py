"""The reports collection's own reads and writes: a report by id, a reporter's list, creation.

The other seams of the same collection (nearby, moderators' changes, the queue, statistics,
public feeds) live beside this module; each declares the indexes its queries use.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, GEOSPHERE, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document, batched
from backend.reports.models import ReportDoc, ReportEventDoc
from backend.reports.repository.timeline import EVENTS

REPORTS = "reports"
# The keys of the grid cells of a report's location, one per level (ReportDoc.to_mongo).
LOCATION_CELLS = "location_cells"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    REPORTS: [
        # Open311's GET requests ($near, $geoWithin); $geoNear with category/status filters.
        IndexModel(
            [("location", GEOSPHERE), ("category", ASCENDING), ("status", ASCENDING)],
            name="location_category_status",
        ),
        # reportsNearby and duplicate suggestions: the reports in these grid cells (nearby.py).
        IndexModel([(LOCATION_CELLS, ASCENDING)], name=LOCATION_CELLS),
        # myReports: newest first, _id breaks ties for the cursor.
        IndexModel(
            [("reporter", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)],
            name="reporter_created",
        ),
        # The moderators' queue: by status, most urgent deadline first.
        IndexModel([("status", ASCENDING), ("sla_due_at", ASCENDING)], name="queue"),
        # The future shard key (DESIGN: reports by {area, _id}).
        IndexModel([("area", ASCENDING), ("_id", ASCENDING)], name="area_id"),
        IndexModel([("search_terms", ASCENDING)], name="search_terms"),
    ],
}

# Lists leave the search terms (only the moderators' text search reads them) in the database.
LIST_PROJECTION = {"search_terms": 0}
# Hidden reports (abuse, spam, banned users) never reach public lists or feeds.
VISIBLE: Document = {"hidden": {"$ne": True}}
MY_REPORTS_SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]


async def insert_report(
    db: Database,
    report: ReportDoc,
    event: ReportEventDoc,
    *,
    extra: Mapping[str, Any] | None = None,
    session: AsyncClientSession,
) -> None:
    """Insert a report with its first timeline event (inside the caller's transaction); `extra`
    fields a channel carries are stored alongside, never over the report's own."""
    doc = report.to_mongo()
    clash = sorted(set(extra or {}) & set(doc))
    if clash:
        raise ValueError(f"channel fields would overwrite the report's own: {clash}")
    await db[REPORTS].insert_one({**doc, **(extra or {})}, session=session)
    await db[EVENTS].insert_one(event.to_mongo(), session=session)


async def get_report(
    db: Database, report_id: ObjectId, *, session: AsyncClientSession | None = None
) -> ReportDoc | None:
    """One report by id (inside a transaction when given a session)."""
    doc = await db[REPORTS].find_one({"_id": report_id}, session=session)
    return ReportDoc.from_mongo(doc) if doc else None


async def submitter(db: Database, report_id: ObjectId) -> dict[str, Any] | None:
    """Who filed a report through a partner app (Open311's stored contact), if anyone did."""
    doc = await db[REPORTS].find_one({"_id": report_id}, {"submitter": 1})
    found = doc.get("submitter") if doc else None
    return dict(found) if isinstance(found, Mapping) else None


async def get_reports(db: Database, ids: Sequence[ObjectId]) -> list[ReportDoc]:
    """Reports by id, in no particular order."""
    docs = await db[REPORTS].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [ReportDoc.from_mongo(doc) for doc in docs]


def my_reports_filter(uid: str, after: tuple[datetime, ObjectId] | None) -> dict[str, Any]:
    """The filter of a myReports page (served by reporter_created)."""
    query: dict[str, Any] = {"reporter": uid}
    if after is not None:
        at, last_id = after
        query["$or"] = [{"created_at": {"$lt": at}}, {"created_at": at, "_id": {"$lt": last_id}}]
    return query


async def my_reports(
    db: Database, *, uid: str, after: tuple[datetime, ObjectId] | None, limit: int
) -> list[ReportDoc]:
    """The reporter's reports, newest first, after a (created_at, _id) cursor."""
    cursor = (
        db[REPORTS]
        .find(my_reports_filter(uid, after), LIST_PROJECTION)
        .sort(MY_REPORTS_SORT)
        .limit(limit)
    )
    return [ReportDoc.from_mongo(doc) for doc in await cursor.to_list(None)]


async def reporter_batches(db: Database, uid: str, *, batch: int) -> AsyncIterator[list[Document]]:
    """Every report of a reporter, newest first, in lists of `batch`, from one cursor (their
    data export and account deletion; served by reporter_created)."""
    cursor = db[REPORTS].find({"reporter": uid}, LIST_PROJECTION, batch_size=batch)
    cursor = cursor.sort(MY_REPORTS_SORT)
    async for chunk in batched(cursor, batch, dict):
        yield chunk


async def deidentify_report(
    db: Database,
    report_id: ObjectId,
    *,
    reporter: str,
    pseudonym: str,
    changes: Mapping[str, Any],
    unset: Sequence[str],
) -> bool:
    """Give a deleted user's report the pseudonym as reporter, with the redacted texts in
    `changes` and the personal fields in `unset` removed; False when it no longer was theirs."""
    update: dict[str, Any] = {"$set": {**changes, "reporter": pseudonym, "anonymous": True}}
    if unset:
        update["$unset"] = dict.fromkeys(unset, "")
    result = await db[REPORTS].update_one({"_id": report_id, "reporter": reporter}, update)
    return result.modified_count == 1
