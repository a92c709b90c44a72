"""The journey_progress collection: which stops of a journey a visitor has checked in at."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from backend.db import Database, Document
from backend.tourism.repository.reviews import object_id

PROGRESS = "journey_progress"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    PROGRESS: [
        IndexModel([("uid", ASCENDING), ("journey", ASCENDING)], name="uid_journey", unique=True),
        IndexModel([("uid", ASCENDING), ("_id", DESCENDING)], name="uid_recent"),
    ],
}


async def start_progress(
    db: Database, *, uid: str, journey_id: str, stop_count: int, now: datetime
) -> Document:
    """The viewer's progress on a journey, created on first start (idempotent)."""
    for _ in range(2):  # two concurrent first starts: one inserts, the other retries and reads
        try:
            doc = await db[PROGRESS].find_one_and_update(
                {"uid": uid, "journey": journey_id},
                {
                    "$setOnInsert": {
                        "started_at": now,
                        "visits": [],
                        "completed_at": None,
                        "stop_count": stop_count,
                    }
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
            return doc  # type: ignore[return-value]
        except DuplicateKeyError:
            continue
    raise RuntimeError("journey progress upsert kept colliding")


async def add_visit(
    db: Database, *, uid: str, journey_id: str, stop: str, at: datetime
) -> Document | None:
    """Record a visit unless already recorded; None when it was."""
    return await db[PROGRESS].find_one_and_update(
        {"uid": uid, "journey": journey_id, "visits.stop": {"$ne": stop}},
        {"$push": {"visits": {"stop": stop, "at": at}}},
        return_document=ReturnDocument.AFTER,
    )


async def complete_progress(db: Database, progress_id: Any, *, at: datetime) -> Document | None:
    """Mark completed once (the first completion time stays)."""
    return await db[PROGRESS].find_one_and_update(
        {"_id": progress_id, "completed_at": None},
        {"$set": {"completed_at": at}},
        return_document=ReturnDocument.AFTER,
    )


async def get_progress(db: Database, *, uid: str, journey_id: str) -> Document | None:
    return await db[PROGRESS].find_one({"uid": uid, "journey": journey_id})


async def list_progress(
    db: Database, *, uid: str, before_id: str | None, limit: int
) -> list[Document]:
    """The user's journeys, most recently started first."""
    query: Document = {"uid": uid}
    if before_id is not None:
        oid = object_id(before_id)
        if oid is None:
            return []
        query["_id"] = {"$lt": oid}
    return await db[PROGRESS].find(query).sort("_id", DESCENDING).limit(limit).to_list()
