"""The `users` collection: app-side profile of a Firebase user (locale, display name, ban)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database

COLLECTION = "users"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [IndexModel([("uid", ASCENDING)], unique=True, name="uid_unique")],
}


async def display_names(db: Database, uids: Sequence[str]) -> dict[str, str]:
    """Display names of these users, for those who set one."""
    docs = (
        await db[COLLECTION]
        .find({"uid": {"$in": list(uids)}}, {"uid": 1, "display_name": 1})
        .to_list(None)
    )
    return {doc["uid"]: doc["display_name"] for doc in docs if doc.get("display_name")}


async def is_banned(db: Database, uid: str) -> bool:
    """True when a moderator banned this user (read by reportCreate)."""
    doc = await db[COLLECTION].find_one({"uid": uid}, {"banned": 1})  # served by uid_unique
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
    before = await db[COLLECTION].find_one_and_update(
        {"uid": uid},
        {"$set": {"banned": banned, "banned_reason": reason, "banned_by": actor, "banned_at": now}},
        upsert=True,
        return_document=ReturnDocument.BEFORE,
        session=session,
    )
    return bool(before and before.get("banned"))
