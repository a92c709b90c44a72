"""Collections audit_log (every moderator action, append-only) and report_originals.

report_originals keeps a report's content as it was before a moderator edit (FixMyStreet
ModerationOriginalData); audit_log is FixMyStreet's AdminLog.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.moderation.models import AuditEntryDoc, ModerationOriginalDoc

AUDIT_LOG = "audit_log"
ORIGINALS = "report_originals"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # auditLog(objectId): newest first, _id is the cursor. Append-only: nothing updates it.
    AUDIT_LOG: [IndexModel([("object_id", ASCENDING), ("_id", ASCENDING)], name="object_id")],
    ORIGINALS: [IndexModel([("report", ASCENDING), ("at", ASCENDING)], name="report_at")],
}


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
