"""Collection report_originals: a report's content as it was before a moderator edit.

FixMyStreet's ModerationOriginalData. Moderation owns no other collection: reports, timelines and
the queue's indexes are backend.reports.repository's, the audit log backend/audit.py's, bans
backend.auth.repository's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.moderation.models import ModerationOriginalDoc

ORIGINALS = "report_originals"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    ORIGINALS: [IndexModel([("report", ASCENDING), ("at", ASCENDING)], name="report_at")],
}


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
