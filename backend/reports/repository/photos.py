"""Which uploaded photos reports and their timelines use (the retention purge keeps those)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from backend.db import Database
from backend.reports.repository.documents import REPORTS
from backend.reports.repository.timeline import EVENTS

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # Multikey: a report (or an answer, a reopen) names at most five photos.
    REPORTS: [IndexModel([("photo_ids", ASCENDING)], name="photo_ids")],
    EVENTS: [IndexModel([("photo_ids", ASCENDING)], name="photo_ids")],
}


async def referenced_photos(db: Database, ids: Sequence[ObjectId]) -> set[ObjectId]:
    """Which of these photos a report or a timeline event names (served by photo_ids)."""
    wanted = set(ids)
    found: set[ObjectId] = set()
    for collection in (REPORTS, EVENTS):
        cursor = db[collection].find({"photo_ids": {"$in": list(ids)}}, {"photo_ids": 1})
        async for doc in cursor:
            found.update(pid for pid in doc.get("photo_ids") or () if pid in wanted)
    return found
