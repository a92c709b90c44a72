"""The ban flag on users (a collection of backend.auth.repository) and the reports a ban hides."""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.reports import repository as report_repository
from backend.reports.models import OPEN_STATES

REPORTS = report_repository.REPORTS
USERS = "users"


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
