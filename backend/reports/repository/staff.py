"""A staff member's hold on reports (assignment, lock), let go when their account is deleted.

An assignment goes back to the unit's queue (the report stays with its department and area,
nobody's in particular) and a lock is released, so the rest of the unit can carry on; neither
keeps the uid of a person who is gone. Each write takes at most `limit` reports, in the
caller's transaction (with the audit entries that say so), and matches only reports still held
by `uid` when read, so a repeated or resumed step changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document
from backend.reports.repository.documents import REPORTS

LOCKED_BY_INDEX = "locked_by"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # Reports a person locked (held or expired). `assignee` is served by the queue's
    # assignee-first indexes (queue.py).
    REPORTS: [
        IndexModel([("locked_by", ASCENDING), ("_id", ASCENDING)], name=LOCKED_BY_INDEX),
    ],
}


async def _held(
    db: Database,
    query: Document,
    changes: Document,
    *,
    limit: int,
    session: AsyncClientSession,
) -> list[ObjectId]:
    ids = [
        doc["_id"]
        async for doc in db[REPORTS].find(query, {"_id": 1}, session=session).limit(limit)
    ]
    if ids:
        # By id alone (the planner serves no mixed filter); the transaction's snapshot keeps
        # these reports held by `uid` until the write.
        await db[REPORTS].update_many({"_id": {"$in": ids}}, {"$set": changes}, session=session)
    return ids


async def unassign_staff_member(
    db: Database, uid: str, *, limit: int, session: AsyncClientSession
) -> list[ObjectId]:
    """Give up to `limit` reports assigned to `uid` back to their unit's queue; their ids."""
    changes = {"assignee": None, "assigned_at": None}
    return await _held(db, {"assignee": uid}, changes, limit=limit, session=session)


async def release_locks_of(
    db: Database, uid: str, *, limit: int, session: AsyncClientSession
) -> list[ObjectId]:
    """Release up to `limit` locks `uid` took (live or run out); the reports' ids."""
    changes = {"locked_by": None, "locked_until": None}
    return await _held(db, {"locked_by": uid}, changes, limit=limit, session=session)
