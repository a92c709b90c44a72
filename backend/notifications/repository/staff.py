"""Collections staff_notices (what a staff member has yet to be told) and schedule_slots (who
may push to a person, or run a scheduled scan, next: the leases that batch pushes and keep
several workers from doing the same work at once)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend.db import Database, Document
from backend.notifications.models import StaffNoticeDoc

NOTICES = "staff_notices"
SLOTS = "schedule_slots"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    NOTICES: [
        # The digest job: pending notices, person by person, oldest first.
        IndexModel(
            [("state", ASCENDING), ("uid", ASCENDING), ("_id", ASCENDING)], name="state_uid_id"
        ),
        # A deleted reporter's text, quoted in notices about their reports.
        IndexModel([("report_id", ASCENDING)], name="report_id"),
    ],
    # The claim's filter (this slot, if free by now) as one index prefix.
    SLOTS: [IndexModel([("_id", ASCENDING), ("next_at", ASCENDING)], name="id_next_at")],
}


async def add_notices(
    db: Database, notices: Sequence[StaffNoticeDoc], *, session: AsyncClientSession
) -> None:
    """Record notices in the transaction of the change that causes them."""
    if notices:
        await db[NOTICES].insert_many([notice.to_mongo() for notice in notices], session=session)


async def pending_uids(db: Database, *, after: str | None, limit: int) -> list[str]:
    """People with pending notices, in uid order after `after` (a page of the digest job)."""
    query: Document = {"state": "pending"}
    if after is not None:
        query["uid"] = {"$gt": after}
    uids: list[str] = []
    cursor = db[NOTICES].find(query, {"uid": 1}).sort([("state", 1), ("uid", 1), ("_id", 1)])
    async for doc in cursor:
        if not uids or uids[-1] != doc["uid"]:
            if len(uids) == limit:
                break
            uids.append(doc["uid"])
    return uids


async def pending_of(db: Database, uid: str, *, limit: int) -> list[StaffNoticeDoc]:
    """One person's pending notices, oldest first."""
    docs = (
        await db[NOTICES]
        .find({"state": "pending", "uid": uid})
        .sort([("state", 1), ("uid", 1), ("_id", 1)])
        .limit(limit)
        .to_list(None)
    )
    return [StaffNoticeDoc.from_mongo(doc) for doc in docs]


async def mark_sent(
    db: Database, ids: Sequence[ObjectId], *, digest: ObjectId, session: AsyncClientSession
) -> int:
    """Mark notices as told in one digest; how many were still pending."""
    result = await db[NOTICES].update_many(
        {"_id": {"$in": list(ids)}, "state": "pending"},
        {"$set": {"state": "sent", "digest": digest}},
        session=session,
    )
    return result.modified_count


async def forget_staff_member(db: Database, uid: str) -> int:
    """Forget a deleted account's notices, told or not (served by state_uid_id), and its push
    slot; how many notices."""
    query: Document = {"state": {"$in": ["pending", "sent"]}, "uid": uid}
    deleted = int((await db[NOTICES].delete_many(query)).deleted_count)
    await db[SLOTS].delete_one({"_id": f"push:{uid}"})
    return deleted


@dataclass(frozen=True, kw_only=True)
class RedactedTitle:
    """A notice's title that quoted a deleted reporter's words, and the digest that told it."""

    old: str
    new: str
    digest: ObjectId | None


async def redact_notice_titles(
    db: Database, report_ids: Sequence[ObjectId], redact: Callable[[ObjectId, str], str]
) -> list[RedactedTitle]:
    """Pass the titles of notices about these reports (a deleted reporter's text, quoted to
    staff) through `redact(report_id, title)` (served by report_id); the changed ones."""
    changed: list[RedactedTitle] = []
    cursor = db[NOTICES].find(
        {"report_id": {"$in": list(report_ids)}}, {"report_id": 1, "title": 1, "digest": 1}
    )
    async for doc in cursor:
        title = doc.get("title")
        if not isinstance(title, str):
            continue
        new = redact(doc["report_id"], title)
        if new != title:
            await db[NOTICES].update_one({"_id": doc["_id"]}, {"$set": {"title": new}})
            changed.append(RedactedTitle(old=title, new=new, digest=doc.get("digest")))
    return changed


async def claim_slot(db: Database, key: str, *, now: datetime, every: timedelta) -> bool:
    """Take the slot `key` if it is free at `now` and hold it until `now + every`: of several
    workers asking at once, one gets it (a conditional update, or the insert of the first)."""
    try:
        found = await db[SLOTS].find_one_and_update(
            {"_id": key, "next_at": {"$lte": now}},
            {"$set": {"next_at": now + every, "taken_at": now}},
            upsert=True,
        )
    except DuplicateKeyError:
        return False  # the slot exists and is still held
    del found
    return True
