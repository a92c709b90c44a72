"""Collections of the reports domain: reports, their timeline, followers, "me too"s, categories.

The only module that touches these collections; it returns models and declares its indexes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, GEOSPHERE, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import geo
from backend.db import Database
from backend.reports.models import (
    OPEN_STATES,
    CategoryDoc,
    ReportDoc,
    ReportEventDoc,
    ReportStatus,
)

REPORTS = "reports"
EVENTS = "report_events"
FOLLOWERS = "report_followers"
ME_TOO = "report_me_too"
CATEGORIES = "categories"
DEPARTMENTS = "departments"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    REPORTS: [
        # reportsNearby and duplicate suggestions: $geoNear with category/status filters.
        IndexModel(
            [("location", GEOSPHERE), ("category", ASCENDING), ("status", ASCENDING)],
            name="location_category_status",
        ),
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
    EVENTS: [IndexModel([("report", ASCENDING), ("at", ASCENDING)], name="report_at")],
    FOLLOWERS: [
        IndexModel([("report", ASCENDING), ("uid", ASCENDING)], unique=True, name="report_uid"),
        IndexModel([("uid", ASCENDING), ("report", ASCENDING)], name="uid_report"),
    ],
    ME_TOO: [
        IndexModel([("report", ASCENDING), ("uid", ASCENDING)], unique=True, name="report_uid"),
    ],
    CATEGORIES: [],  # a few dozen documents, read by _id or all at once
    DEPARTMENTS: [],
}

# Our distances and the server's may differ in the last bits: re-read this much before a cursor.
DISTANCE_SLACK_M = 0.5
# Lists leave the search terms (only the moderators' text search reads them) in the database.
LIST_PROJECTION = {"search_terms": 0}


# --- categories -------------------------------------------------------------------------------


async def list_categories(db: Database) -> list[CategoryDoc]:
    """Every category, in content order."""
    docs = await db[CATEGORIES].find({}).sort("position", ASCENDING).to_list(None)
    return [CategoryDoc.from_mongo(doc) for doc in docs]


async def get_category(db: Database, category_id: str) -> CategoryDoc | None:
    """One category by slug."""
    doc = await db[CATEGORIES].find_one({"_id": category_id})
    return CategoryDoc.from_mongo(doc) if doc else None


async def load_content(db: Database, content_dir: Path) -> int:
    """Replace seeded categories and departments with content/reports/*.json."""
    written = 0
    for collection, filename, key in (
        (DEPARTMENTS, "departments.json", "departments"),
        (CATEGORIES, "categories.json", "categories"),
    ):
        path = content_dir / "reports" / filename
        if not path.exists():
            continue
        items = orjson.loads(path.read_bytes())[key]
        for position, item in enumerate(items):
            body = {k: v for k, v in item.items() if k != "slug"}
            body.update(position=position, seeded=True)
            await db[collection].replace_one({"_id": item["slug"]}, body, upsert=True)
        slugs = [item["slug"] for item in items]
        await db[collection].delete_many({"seeded": True, "_id": {"$nin": slugs}})
        written += len(items)
    return written


# --- reports ----------------------------------------------------------------------------------


async def insert_report(
    db: Database, report: ReportDoc, event: ReportEventDoc, *, session: AsyncClientSession
) -> None:
    """Insert a report with its first timeline event (inside the caller's transaction)."""
    await db[REPORTS].insert_one(report.to_mongo(), session=session)
    await db[EVENTS].insert_one(event.to_mongo(), session=session)


async def get_report(db: Database, report_id: ObjectId) -> ReportDoc | None:
    """One report by id."""
    doc = await db[REPORTS].find_one({"_id": report_id})
    return ReportDoc.from_mongo(doc) if doc else None


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


MY_REPORTS_SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]


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


def nearby_filter(
    *,
    category: str | None = None,
    statuses: Sequence[ReportStatus] | None = None,
    exclude: ObjectId | None = None,
) -> dict[str, Any]:
    """What a nearby list keeps of the reports `$geoNear` finds (public, of a category...)."""
    # Hidden reports (abuse, spam, banned users) never reach public lists.
    query: dict[str, Any] = {"hidden": {"$ne": True}}
    if category is not None:
        query["category"] = category
    if statuses is not None:
        query["status"] = {"$in": [status.value for status in statuses]}
    if exclude is not None:
        query["_id"] = {"$ne": exclude}
    return query


def nearby_pipeline(
    *,
    lng: float,
    lat: float,
    radius_m: float,
    min_distance_m: float = 0.0,
    query: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Reports within `radius_m`, nearest first (location_category_status serves `$geoNear`)."""
    return [
        geo.geo_near(
            lat=lat,
            lng=lng,
            key="location",
            query=query,
            max_meters=radius_m,
            min_meters=min_distance_m,
        ),
        {"$project": LIST_PROJECTION},
    ]


async def nearby(
    db: Database,
    *,
    lng: float,
    lat: float,
    radius_m: float,
    category: str | None,
    statuses: Sequence[ReportStatus] | None,
    after: tuple[float, ObjectId] | None,
    limit: int,
) -> list[tuple[ReportDoc, float]]:
    """Reports nearest first as (report, metres), ordered by (distance, _id), after a cursor.

    `$geoNear` returns documents by distance, so reading stops once the stream has passed the
    limit-th distance. Paging by distance: the next page asks for `minDistance` a little below the
    cursor's distance (so float noise between our distance and the server's loses nothing), then
    drops what sorts at or before the cursor's (distance, id). Ties at one spot are all read and
    ordered by id, so no report is skipped or repeated, however many share a distance.
    """
    min_distance = max(0.0, after[0] - DISTANCE_SLACK_M) if after else 0.0
    pipeline = nearby_pipeline(
        lng=lng,
        lat=lat,
        radius_m=radius_m,
        min_distance_m=min_distance,
        query=nearby_filter(category=category, statuses=statuses),
    )
    found: list[tuple[tuple[float, str], dict[str, Any]]] = []
    cursor = await db[REPORTS].aggregate(pipeline, batchSize=limit + 8)
    try:
        async for doc in cursor:
            lng2, lat2 = doc["location"]["coordinates"][:2]
            distance = geo.haversine_meters(lat1=lat, lng1=lng, lat2=lat2, lng2=lng2)
            key = (round(distance, 3), str(doc["_id"]))
            if after is not None and key <= (after[0], str(after[1])):
                continue
            if len(found) >= limit:
                # Enough read once the stream has passed the limit-th distance by the slack.
                kth = sorted(entry[0] for entry in found)[limit - 1][0]
                if key[0] > kth + DISTANCE_SLACK_M:
                    break
            found.append((key, doc))
    finally:
        await cursor.close()
    found.sort(key=lambda entry: entry[0])
    return [(ReportDoc.from_mongo(doc), key[0]) for key, doc in found[:limit]]


async def open_duplicates(
    db: Database,
    *,
    lng: float,
    lat: float,
    category: str,
    radius_m: float,
    exclude: ObjectId | None,
    limit: int,
) -> list[ReportDoc]:
    """Open reports of a category within a radius, nearest first."""
    query = nearby_filter(category=category, statuses=sorted(OPEN_STATES), exclude=exclude)
    pipeline = nearby_pipeline(lng=lng, lat=lat, radius_m=radius_m, query=query)
    docs = await (await db[REPORTS].aggregate([*pipeline, {"$limit": limit}])).to_list(None)
    return [ReportDoc.from_mongo(doc) for doc in docs]


async def update_report(
    db: Database,
    condition: Mapping[str, Any],
    update: Mapping[str, Any],
    *,
    session: AsyncClientSession | None = None,
) -> ReportDoc | None:
    """One conditional update (the rule's condition in the filter); None when it did not match."""
    doc = await db[REPORTS].find_one_and_update(
        dict(condition), dict(update), return_document=ReturnDocument.AFTER, session=session
    )
    return ReportDoc.from_mongo(doc) if doc else None


async def increment(
    db: Database, report_id: ObjectId, counter: str, by: int, *, session: AsyncClientSession
) -> None:
    """Move a counter (me_too_count, follower_count) after its membership really changed."""
    await db[REPORTS].update_one({"_id": report_id}, {"$inc": {counter: by}}, session=session)


# --- timeline ---------------------------------------------------------------------------------


async def insert_event(db: Database, event: ReportEventDoc, *, session: AsyncClientSession) -> None:
    """Append a timeline event."""
    await db[EVENTS].insert_one(event.to_mongo(), session=session)


async def public_events(db: Database, report_ids: Sequence[ObjectId]) -> list[ReportEventDoc]:
    """Public timeline events of some reports, oldest first."""
    docs = (
        await db[EVENTS]
        .find({"report": {"$in": list(report_ids)}, "public": True})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .to_list(None)
    )
    return [ReportEventDoc.from_mongo(doc) for doc in docs]


# --- followers and "me too" -------------------------------------------------------------------


async def add_member(
    db: Database,
    collection: str,
    report_id: ObjectId,
    uid: str,
    now: datetime,
    *,
    session: AsyncClientSession,
) -> bool:
    """Add a follower / "me too"; False when the user already was one.

    Read first, in the transaction: a duplicate-key error would abort the caller's transaction,
    and a concurrent insert of the same pair surfaces as a write conflict the driver retries.
    """
    member = {"report": report_id, "uid": uid}
    if await db[collection].find_one(member, {"_id": 1}, session=session) is not None:
        return False
    await db[collection].insert_one({**member, "at": now}, session=session)
    return True


async def remove_member(
    db: Database, collection: str, report_id: ObjectId, uid: str, *, session: AsyncClientSession
) -> bool:
    """Remove a follower; False when the user was not one."""
    result = await db[collection].delete_one({"report": report_id, "uid": uid}, session=session)
    return result.deleted_count > 0


async def is_member(db: Database, collection: str, report_id: ObjectId, uid: str) -> bool:
    return await db[collection].find_one({"report": report_id, "uid": uid}, {"_id": 1}) is not None


async def member_reports(
    db: Database, collection: str, report_ids: Sequence[ObjectId], uid: str
) -> set[ObjectId]:
    """Which of these reports the user follows / has a "me too" on."""
    docs = (
        await db[collection]
        .find({"report": {"$in": list(report_ids)}, "uid": uid}, {"report": 1})
        .to_list(None)
    )
    return {doc["report"] for doc in docs}


async def follower_uids(
    db: Database, report_id: ObjectId, *, session: AsyncClientSession | None = None
) -> list[str]:
    """Everyone who follows a report (the recipients of its updates)."""
    docs = (
        await db[FOLLOWERS].find({"report": report_id}, {"uid": 1}, session=session).to_list(None)
    )
    return [doc["uid"] for doc in docs]


# --- the areas migration: reports filed under a former district (backend.areas.migration) ------


async def reports_outside_units(
    db: Database, unit_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """Reports never migrated whose `area` is none of these units (a former district's slug),
    as {_id, area, location} in batches of `batch`, from one cursor (no re-query per batch)."""
    query = {"area": {"$nin": list(unit_ids)}, "legacy_area": {"$exists": False}}
    cursor = db[REPORTS].find(query, {"area": 1, "location": 1}, batch_size=batch)
    try:
        chunk: list[dict[str, Any]] = []
        async for doc in cursor:
            chunk.append(doc)
            if len(chunk) >= batch:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    finally:
        await cursor.close()


async def file_under_units(
    db: Database, moves: Sequence[tuple[ObjectId, Any, str | None]], *, now: datetime
) -> int:
    """File reports under their unit: (report, former area, unit code) each, one bulk write.

    The former value is kept in `legacy_area` (which also marks the report migrated) and
    `updated_at` moves, so exports and Open311 clients see the change; a None unit leaves
    `area` as it was. A report changed meanwhile (no longer the former area) is left alone.
    Returns how many reports changed.
    """
    if not moves:
        return 0
    requests = []
    for report_id, former, unit in moves:
        changes: dict[str, Any] = {"legacy_area": former}
        if unit is not None:
            changes.update(area=unit, updated_at=now)
        condition = {"_id": report_id, "area": former, "legacy_area": {"$exists": False}}
        requests.append(UpdateOne(condition, {"$set": changes}))
    result = await db[REPORTS].bulk_write(requests, ordered=False)
    return int(result.modified_count)
