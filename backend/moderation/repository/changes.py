"""Moderators' changes to reports: conditional updates under the lock, timelines, merges.

The collections belong to backend.reports.repository (reports, report_events, followers, me too).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc, ReportEventDoc

REPORTS = report_repository.REPORTS


async def get_report(
    db: Database, report_id: ObjectId, *, session: AsyncClientSession | None = None
) -> ReportDoc | None:
    """One report by id (inside a transaction when given a session)."""
    doc = await db[REPORTS].find_one({"_id": report_id}, session=session)
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
