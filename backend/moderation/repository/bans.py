"""The reports a ban hides (the ban flag itself is on users: backend.auth.repository)."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.reports import repository as report_repository
from backend.reports.models import OPEN_STATES

REPORTS = report_repository.REPORTS


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
