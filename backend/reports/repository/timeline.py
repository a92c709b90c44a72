"""report_events: each report's timeline (public steps and moderators' internal notes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.reports.models import ReportEventDoc

EVENTS = "report_events"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    EVENTS: [IndexModel([("report", ASCENDING), ("at", ASCENDING)], name="report_at")],
}


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


async def all_events(db: Database, report_ids: Sequence[ObjectId]) -> list[ReportEventDoc]:
    """Every timeline event of some reports, oldest first (moderators split public/internal)."""
    docs = (
        await db[EVENTS]
        .find({"report": {"$in": list(report_ids)}})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .to_list(None)
    )
    return [ReportEventDoc.from_mongo(doc) for doc in docs]


async def latest_public_notes(db: Database, report_ids: Sequence[ObjectId]) -> dict[Any, str]:
    """The newest public timeline note of each report (served by report_at)."""
    if not report_ids:
        return {}
    cursor = (
        db[EVENTS]
        .find({"report": {"$in": list(report_ids)}, "public": True}, {"report": 1, "note": 1})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .hint("report_at")
    )
    notes: dict[Any, str] = {}
    async for event in cursor:
        note = event.get("note")
        if isinstance(note, str) and note.strip():
            notes[event["report"]] = note
    return notes
