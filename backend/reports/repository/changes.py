"""Every update of a report after it is filed, each a named conditional write.

The rule a change depends on sits in the update's filter (the status as read, nobody else's live
lock, a resolution recent enough to reopen), so of two racing requests one matches and the other
gets None and reports a conflict; no read-modify-write window. Callers pass plain field values;
the MongoDB operators stay here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document, batched
from backend.reports.models import OPEN_STATES, ReportDoc, ReportStatus
from backend.reports.repository.documents import REPORTS


def unlocked_for(actor: str, now: datetime) -> Document:
    """The part of a filter that holds when nobody else holds a live lock."""
    return {
        "$or": [
            {"locked_until": None},
            {"locked_until": {"$lte": now}},
            {"locked_by": actor},
        ]
    }


async def _update(
    db: Database,
    condition: Document,
    update: Document,
    *,
    session: AsyncClientSession | None = None,
) -> ReportDoc | None:
    doc = await db[REPORTS].find_one_and_update(
        condition, update, return_document=ReturnDocument.AFTER, session=session
    )
    return ReportDoc.from_mongo(doc) if doc else None


# --- moderators ---------------------------------------------------------------------------------


async def moderate(
    db: Database,
    report_id: ObjectId,
    *,
    status: ReportStatus,
    actor: str,
    now: datetime,
    changes: Mapping[str, Any],
    session: AsyncClientSession,
) -> ReportDoc | None:
    """Set moderators' fields (status, routing, deadlines...) if the report is still in `status`
    and nobody but `actor` holds a live lock."""
    condition = {"_id": report_id, "status": status.value, **unlocked_for(actor, now)}
    return await _update(db, condition, {"$set": dict(changes)}, session=session)


async def edit_content(
    db: Database,
    report_id: ObjectId,
    *,
    description_was: str,
    actor: str,
    now: datetime,
    description: str,
    photo_ids: Sequence[ObjectId],
    search_terms: Sequence[str],
    hide_photo_ids: Sequence[ObjectId],
    session: AsyncClientSession,
) -> ReportDoc | None:
    """Replace the description and hide photos, if the text is still what the moderator read."""
    condition = {"_id": report_id, "description": description_was, **unlocked_for(actor, now)}
    update = {
        "$set": {
            "description": description,
            "photo_ids": list(photo_ids),
            "search_terms": list(search_terms),
            "updated_at": now,
        },
        "$addToSet": {"hidden_photo_ids": {"$each": list(hide_photo_ids)}},
    }
    return await _update(db, condition, update, session=session)


async def set_hidden(
    db: Database,
    report_id: ObjectId,
    *,
    actor: str,
    now: datetime,
    hidden: bool,
    reason: str | None,
    session: AsyncClientSession,
    status: ReportStatus | None = None,
    changes: Mapping[str, Any] | None = None,
) -> ReportDoc | None:
    """Hide a report from public lists (or show it again) unless someone else holds the lock;
    `changes` (status, deadline) apply only while it is still in `status`."""
    fields = {**(changes or {}), "hidden": hidden, "hidden_reason": reason, "updated_at": now}
    update = {"$set": fields}
    condition: Document = {"_id": report_id, **unlocked_for(actor, now)}
    if status is not None:
        condition["status"] = status.value
    return await _update(db, condition, update, session=session)


async def take_lock(
    db: Database,
    report_id: ObjectId,
    *,
    actor: str,
    now: datetime,
    until: datetime,
    session: AsyncClientSession,
) -> ReportDoc | None:
    """Lock a report for `actor` until `until`; None when someone else holds a live lock."""
    condition = {"_id": report_id, **unlocked_for(actor, now)}
    update = {"$set": {"locked_by": actor, "locked_until": until}}
    return await _update(db, condition, update, session=session)


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


# --- residents ----------------------------------------------------------------------------------


async def add_counts(
    db: Database, report_id: ObjectId, counts: Mapping[str, int], *, session: AsyncClientSession
) -> None:
    """Move counters (me_too_count, follower_count) after their memberships really changed."""
    if any(counts.values()):
        await db[REPORTS].update_one({"_id": report_id}, {"$inc": dict(counts)}, session=session)


async def increment(
    db: Database, report_id: ObjectId, counter: str, by: int, *, session: AsyncClientSession
) -> None:
    """Move one counter (see add_counts)."""
    await add_counts(db, report_id, {counter: by}, session=session)


async def reopen(
    db: Database,
    report_id: ObjectId,
    *,
    resolved_since: datetime,
    now: datetime,
    due: datetime,
    session: AsyncClientSession,
) -> ReportDoc | None:
    """RESOLVED -> REOPENED if resolved at or after `resolved_since`, back in the queue with a
    fresh acknowledgement deadline `due`; None when a concurrent change got there first."""
    condition = {
        "_id": report_id,
        "status": ReportStatus.RESOLVED.value,
        "resolved_at": {"$gte": resolved_since},
    }
    update = {
        "$set": {
            "status": ReportStatus.REOPENED.value,
            "updated_at": now,
            "reopened_at": now,
            "resolved_at": None,
            "sla_due_at": due,
            "ack_due_at": due,
        },
        "$inc": {"reopen_count": 1},
    }
    return await _update(db, condition, update, session=session)


async def rate(
    db: Database,
    report_id: ObjectId,
    *,
    reporter: str,
    statuses: Sequence[ReportStatus],
    rating: Mapping[str, Any],
    now: datetime,
    session: AsyncClientSession | None = None,
) -> ReportDoc | None:
    """Record the reporter's one rating while the report is in one of `statuses`."""
    condition = {
        "_id": report_id,
        "reporter": reporter,
        "status": {"$in": [status.value for status in statuses]},
        "rating": None,
    }
    update = {"$set": {"rating": dict(rating), "updated_at": now}}
    return await _update(db, condition, update, session=session)


# --- the areas migration: reports filed under a former district (backend.areas.migration) ------


async def reports_outside_units(
    db: Database, unit_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[dict[str, Any]]]:
    """Reports never migrated whose `area` is none of these units (a former district's slug),
    as {_id, area, location} in batches of `batch`, from one cursor (no re-query per batch)."""
    query = {"area": {"$nin": list(unit_ids)}, "legacy_area": {"$exists": False}}
    cursor = db[REPORTS].find(query, {"area": 1, "location": 1}, batch_size=batch)
    async for chunk in batched(cursor, batch, dict):
        yield chunk


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


# --- deadlines (backend.notifications.service.deadlines) -----------------------------------------


async def mark_sla_alert(
    db: Database, report_id: ObjectId, stage: str, *, session: AsyncClientSession
) -> bool:
    """Record that a deadline stage's reminder or escalation went out; False when it already
    had (another worker got there first), so each stage is told once."""
    result = await db[REPORTS].update_one(
        {"_id": report_id, "sla_alerts": {"$ne": stage}},
        {"$addToSet": {"sla_alerts": stage}},
        session=session,
    )
    return result.modified_count == 1


async def deadline_batch(
    db: Database,
    *,
    status: ReportStatus,
    due_from: datetime,
    due_to: datetime,
    limit: int,
) -> list[ReportDoc]:
    """Reports in `status` whose current deadline falls in [due_from, due_to), soonest first
    (served by the queue's status/sla_due_at index)."""
    docs = (
        await db[REPORTS]
        .find({"status": status.value, "sla_due_at": {"$gte": due_from, "$lt": due_to}})
        .sort([("sla_due_at", 1), ("_id", 1)])
        .limit(limit)
        .to_list(None)
    )
    return [ReportDoc.from_mongo(doc) for doc in docs]
