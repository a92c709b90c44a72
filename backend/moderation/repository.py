"""Collections of moderation: the queue's indexes on reports, audit_log, report_originals, bans.

SecantusDB's planner uses an index only when every predicate sits on a contiguous prefix of its
keys (equalities, then at most one range); any other predicate, `$or`, or an `$in` followed by a
range makes it scan the collection. So the queue sends only index-prefix predicates (status,
department or area, then the sort key and `_id`), a cursor becomes two queries instead of an
`$or` (ties on the sort key by `_id`, then the rest by the key), and the other filters are
checked by the service on what comes back, with a bounded number of documents read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document
from backend.moderation.models import (
    SORT_FIELDS,
    AuditEntryDoc,
    ModerationOriginalDoc,
    QueueSort,
    Stats,
    StatsFilter,
)
from backend.reports import repository as report_repository
from backend.reports.models import OPEN_STATES, ReportDoc, ReportEventDoc, ReportStatus

REPORTS = report_repository.REPORTS
AUDIT_LOG = "audit_log"
ORIGINALS = "report_originals"
USERS = "users"

# The queue's drivers: a status equality, optionally after a department or an area equality.
QUEUE_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("category", "status"),
    ("department", "status"),
    ("area", "status"),
)


def _queue_indexes() -> list[IndexModel]:
    models = []
    for prefix in QUEUE_PREFIXES:
        for sort in QueueSort:
            key = SORT_FIELDS[sort]
            keys = [(name, ASCENDING) for name in prefix] + [(key, ASCENDING), ("_id", ASCENDING)]
            models.append(IndexModel(keys, name="queue_" + "_".join([*prefix, key])))
    return models


INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # Twelve indexes for 4 drivers x 3 sorts (both directions walk the same index).
    REPORTS: _queue_indexes(),
    # auditLog(objectId): newest first, _id is the cursor. Append-only: nothing updates it.
    AUDIT_LOG: [IndexModel([("object_id", ASCENDING), ("_id", ASCENDING)], name="object_id")],
    ORIGINALS: [IndexModel([("report", ASCENDING), ("at", ASCENDING)], name="report_at")],
}

# --- the queue --------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class QueueQuery:
    """One index-served find: `filter` sorted by `sort` (for explain in tests too)."""

    filter: dict[str, Any]
    sort: list[tuple[str, int]]


def sort_value(doc: ReportDoc, sort: QueueSort) -> Any:
    return getattr(doc, SORT_FIELDS[sort])


def queue_queries(
    *,
    prefix: Mapping[str, str],
    statuses: Sequence[ReportStatus],
    sort: QueueSort,
    descending: bool,
    after: tuple[Any, ObjectId] | None,
) -> list[QueueQuery]:
    """The finds of one queue batch: per status, and per side of the cursor (no `$or`)."""
    key = SORT_FIELDS[sort]
    direction = DESCENDING if descending else ASCENDING
    past = "$lt" if descending else "$gt"
    queries = []
    for status in statuses:
        base: dict[str, Any] = {**prefix, "status": status.value}
        if after is None:
            queries.append(QueueQuery(filter=base, sort=[(key, direction), ("_id", direction)]))
            continue
        value, last_id = after
        queries.append(
            QueueQuery(
                filter={**base, key: value, "_id": {past: last_id}}, sort=[("_id", direction)]
            )
        )
        queries.append(
            QueueQuery(
                filter={**base, key: {past: value}}, sort=[(key, direction), ("_id", direction)]
            )
        )
    return queries


async def queue_batch(
    db: Database,
    *,
    prefix: Mapping[str, str],
    statuses: Sequence[ReportStatus],
    sort: QueueSort,
    descending: bool,
    after: tuple[Any, ObjectId] | None,
    limit: int,
) -> list[ReportDoc]:
    """The next `limit` reports in queue order after a (sort value, id) cursor."""
    found: dict[ObjectId, ReportDoc] = {}
    for query in queue_queries(
        prefix=prefix, statuses=statuses, sort=sort, descending=descending, after=after
    ):
        docs = await (
            db[REPORTS]
            .find(query.filter, report_repository.LIST_PROJECTION)
            .sort(query.sort)
            .limit(limit)
            .to_list(None)
        )
        for doc in docs:
            found[doc["_id"]] = ReportDoc.from_mongo(doc)
    ordered = sorted(
        found.values(), key=lambda doc: (sort_value(doc, sort), doc.id), reverse=descending
    )
    return ordered[:limit]


async def text_candidates(db: Database, word: str, limit: int) -> list[ReportDoc]:
    """Reports with a search term starting with `word`: one range on the multikey index."""
    bounds = {"$gte": word, "$lt": word[:-1] + chr(ord(word[-1]) + 1)}
    docs = await db[REPORTS].find({"search_terms": bounds}).limit(limit).to_list(None)
    return [ReportDoc.from_mongo(doc) for doc in docs]


# --- report changes ---------------------------------------------------------------------------


async def get_report(
    db: Database, report_id: ObjectId, *, session: AsyncClientSession | None = None
) -> ReportDoc | None:
    """One report by id (inside a transaction when given a session)."""
    doc = await db[REPORTS].find_one({"_id": report_id}, session=session)
    return ReportDoc.from_mongo(doc) if doc else None


async def update_report(
    db: Database,
    condition: Mapping[str, Any],
    update: Mapping[str, Any],
    *,
    session: AsyncClientSession | None = None,
) -> ReportDoc | None:
    """One conditional update; None when the condition no longer holds."""
    doc = await db[REPORTS].find_one_and_update(
        dict(condition), dict(update), return_document=ReturnDocument.AFTER, session=session
    )
    return ReportDoc.from_mongo(doc) if doc else None


def unlocked_for(actor: str, now: datetime) -> dict[str, Any]:
    """The part of a filter that holds when nobody else holds a live lock."""
    return {
        "$or": [
            {"locked_until": None},
            {"locked_until": {"$lte": now}},
            {"locked_by": actor},
        ]
    }


async def all_events(db: Database, report_ids: Sequence[ObjectId]) -> list[ReportEventDoc]:
    """Every timeline event of some reports, oldest first (split public/internal by caller)."""
    docs = (
        await db[report_repository.EVENTS]
        .find({"report": {"$in": list(report_ids)}})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .to_list(None)
    )
    return [ReportEventDoc.from_mongo(doc) for doc in docs]


async def move_members(
    db: Database,
    collection: str,
    *,
    source: ObjectId,
    target: ObjectId,
    extra: Sequence[str],
    exclude: Sequence[str],
    now: datetime,
    session: AsyncClientSession,
) -> int:
    """Copy the source's members (and `extra` uids) to the target once each; how many were new."""
    source_docs = (
        await db[collection].find({"report": source}, {"uid": 1}, session=session).to_list(None)
    )
    target_docs = (
        await db[collection].find({"report": target}, {"uid": 1}, session=session).to_list(None)
    )
    already = {doc["uid"] for doc in target_docs} | set(exclude)
    wanted = [u for u in dict.fromkeys([*(d["uid"] for d in source_docs), *extra])]
    new = [uid for uid in wanted if uid not in already]
    if new:
        await db[collection].insert_many(
            [{"report": target, "uid": uid, "at": now} for uid in new], session=session
        )
    return len(new)


# --- audit log and originals ------------------------------------------------------------------


async def add_audit(db: Database, entry: AuditEntryDoc, *, session: AsyncClientSession) -> None:
    """Append an audit entry (never updated nor deleted)."""
    await db[AUDIT_LOG].insert_one(entry.to_mongo(), session=session)


async def audit_entries(
    db: Database, *, object_id: str, before: ObjectId | None, limit: int
) -> list[AuditEntryDoc]:
    """An object's audit entries, newest first, before an `_id` cursor (served by object_id)."""
    query: dict[str, Any] = {"object_id": object_id}
    if before is not None:
        query["_id"] = {"$lt": before}
    docs = await db[AUDIT_LOG].find(query).sort("_id", DESCENDING).limit(limit).to_list(None)
    return [AuditEntryDoc.from_mongo(doc) for doc in docs]


async def add_original(
    db: Database, original: ModerationOriginalDoc, *, session: AsyncClientSession
) -> None:
    """Keep a report's content as it was before a moderator edit."""
    await db[ORIGINALS].insert_one(
        {
            "_id": original.id,
            "report": original.report,
            "description": original.description,
            "photo_ids": original.photo_ids,
            "actor": original.actor,
            "at": original.at,
        },
        session=session,
    )


async def originals(db: Database, report_ids: Sequence[ObjectId]) -> list[ModerationOriginalDoc]:
    """Kept originals of some reports, oldest first."""
    docs = (
        await db[ORIGINALS]
        .find({"report": {"$in": list(report_ids)}})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .to_list(None)
    )
    return [ModerationOriginalDoc.from_mongo(doc) for doc in docs]


# --- users ------------------------------------------------------------------------------------


async def is_banned(db: Database, uid: str) -> bool:
    """True when a moderator banned this user (read by reportCreate)."""
    doc = await db[USERS].find_one({"uid": uid}, {"banned": 1})  # served by uid_unique
    return bool(doc and doc.get("banned"))


async def set_banned(
    db: Database,
    uid: str,
    *,
    banned: bool,
    actor: str,
    reason: str | None,
    now: datetime,
    session: AsyncClientSession,
) -> bool:
    """Ban or unban a user (creating their profile if needed); whether it was banned before."""
    before = await db[USERS].find_one_and_update(
        {"uid": uid},
        {"$set": {"banned": banned, "banned_reason": reason, "banned_by": actor, "banned_at": now}},
        upsert=True,
        return_document=ReturnDocument.BEFORE,
        session=session,
    )
    return bool(before and before.get("banned"))


async def hide_for_ban(
    db: Database, uid: str, *, hide: bool, now: datetime, session: AsyncClientSession
) -> int:
    """Hide a banned user's open reports (or show again those their ban hid); how many."""
    docs = (
        await db[REPORTS]
        .find({"reporter": uid}, {"status": 1, "hidden": 1, "hidden_by_ban": 1}, session=session)
        .to_list(None)
    )
    if hide:
        ids = [d["_id"] for d in docs if d["status"] in OPEN_STATES and not d.get("hidden")]
        update = {"$set": {"hidden": True, "hidden_by_ban": True, "updated_at": now}}
    else:
        ids = [d["_id"] for d in docs if d.get("hidden_by_ban")]
        update = {"$set": {"hidden": False, "hidden_by_ban": False, "updated_at": now}}
    if ids:
        await db[REPORTS].update_many({"_id": {"$in": ids}}, update, session=session)
    return len(ids)


# --- statistics -------------------------------------------------------------------------------


def _percentile(values: str, count: str, p: float) -> dict[str, Any]:
    """The element at floor(p * (n - 1)) of a sorted array (nearest-rank, lower), or null."""
    index = {"$floor": {"$multiply": [p, {"$subtract": [count, 1]}]}}
    return {"$cond": [{"$gt": [count, 0]}, {"$arrayElemAt": [values, index]}, None]}


def _durations(start: str, end: str, due: str) -> list[Document]:
    """Durations (ms) from `start` to `end`, sorted, with their percentiles and SLA share."""
    return [
        {"$match": {end: {"$type": "date"}}},
        {
            "$project": {
                "ms": {"$subtract": ["$" + end, "$" + start]},
                "within": {"$cond": [{"$lte": ["$" + end, "$" + due]}, 1, 0]},
            }
        },
        {"$sort": {"ms": 1}},
        {
            "$group": {
                "_id": None,
                "ms": {"$push": "$ms"},
                "n": {"$sum": 1},
                "w": {"$sum": "$within"},
            }
        },
        {
            "$project": {
                "n": 1,
                "w": 1,
                "median": _percentile("$ms", "$n", 0.5),
                "p90": _percentile("$ms", "$n", 0.9),
            }
        },
    ]


def stats_pipeline(criteria: StatsFilter) -> list[Document]:
    """The aggregation behind reportStats: one $match, then one $facet per figure."""
    match: dict[str, Any] = {}
    if criteria.start is not None or criteria.end is not None:
        created: dict[str, Any] = {}
        if criteria.start is not None:
            created["$gte"] = criteria.start
        if criteria.end is not None:
            created["$lt"] = criteria.end
        match["created_at"] = created
    for field, value in (
        ("area", criteria.area),
        ("department", criteria.department),
        ("category", criteria.category),
    ):
        if value is not None:
            match[field] = value
    count_by = lambda field: [{"$group": {"_id": "$" + field, "n": {"$sum": 1}}}]  # noqa: E731
    ever_resolved = {
        "$or": [{"$eq": ["$status", ReportStatus.RESOLVED.value]}, {"$gt": ["$reopen_count", 0]}]
    }
    return [
        {"$match": match},
        {
            "$facet": {
                "status": count_by("status"),
                "category": count_by("category"),
                "area": count_by("area"),
                "ack": _durations("created_at", "acknowledged_at", "ack_due_at"),
                "resolve": _durations("created_at", "resolved_at", "resolve_due_at"),
                "reopen": [
                    {
                        "$group": {
                            "_id": None,
                            "resolved": {"$sum": {"$cond": [ever_resolved, 1, 0]}},
                            "reopened": {"$sum": {"$cond": [{"$gt": ["$reopen_count", 0]}, 1, 0]}},
                        }
                    }
                ],
                "rating": [
                    {"$match": {"rating.stars": {"$gte": 1}}},
                    {"$group": {"_id": None, "avg": {"$avg": "$rating.stars"}}},
                ],
            }
        },
    ]


async def stats(db: Database, criteria: StatsFilter) -> Stats:
    """reportStats computed by the database; this only reads the one result document."""
    cursor = await db[REPORTS].aggregate(stats_pipeline(criteria))
    result = (await cursor.to_list(None))[0]

    def counts(name: str) -> dict[str, int]:
        return {str(row["_id"]): int(row["n"]) for row in result[name] if row["_id"] is not None}

    def seconds(rows: list[Document], key: str) -> float | None:
        value = rows[0].get(key) if rows else None
        return value / 1000 if value is not None else None

    def share(rows: list[Document]) -> float | None:
        return rows[0]["w"] / rows[0]["n"] if rows and rows[0]["n"] else None

    by_status = counts("status")
    reopen = result["reopen"][0] if result["reopen"] else {"resolved": 0, "reopened": 0}
    rating = result["rating"][0]["avg"] if result["rating"] else None
    return Stats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=counts("category"),
        by_area=counts("area"),
        ack_median_s=seconds(result["ack"], "median"),
        ack_p90_s=seconds(result["ack"], "p90"),
        resolve_median_s=seconds(result["resolve"], "median"),
        resolve_p90_s=seconds(result["resolve"], "p90"),
        ack_within_sla=share(result["ack"]),
        resolve_within_sla=share(result["resolve"]),
        reopen_rate=reopen["reopened"] / reopen["resolved"] if reopen["resolved"] else None,
        average_rating=rating,
    )
