"""report_followers and report_me_too: who follows a report, who said "me too".

The counters on the report itself (`follower_count`, `me_too_count`) move through
`changes.add_counts` once a membership really changed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, batched

FOLLOWERS = "report_followers"
ME_TOO = "report_me_too"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    FOLLOWERS: [
        IndexModel([("report", ASCENDING), ("uid", ASCENDING)], unique=True, name="report_uid"),
        IndexModel([("uid", ASCENDING), ("report", ASCENDING)], name="uid_report"),
    ],
    ME_TOO: [
        IndexModel([("report", ASCENDING), ("uid", ASCENDING)], unique=True, name="report_uid"),
        # A user's "me too"s: their data export and account deletion.
        IndexModel([("uid", ASCENDING), ("report", ASCENDING)], name="uid_report"),
    ],
}


async def add_member(
    db: Database,
    collection: str,
    report_id: ObjectId,
    uid: str,
    now: datetime,
    *,
    session: AsyncClientSession,
) -> bool:
    """Add a follower / "me too"; False when the user already was one.

    Read first, in the transaction: a duplicate-key error would abort the caller's transaction,
    and a concurrent insert of the same pair surfaces as a write conflict the driver retries.
    """
    member = {"report": report_id, "uid": uid}
    if await db[collection].find_one(member, {"_id": 1}, session=session) is not None:
        return False
    await db[collection].insert_one({**member, "at": now}, session=session)
    return True


async def remove_member(
    db: Database, collection: str, report_id: ObjectId, uid: str, *, session: AsyncClientSession
) -> bool:
    """Remove a follower; False when the user was not one."""
    result = await db[collection].delete_one({"report": report_id, "uid": uid}, session=session)
    return result.deleted_count > 0


async def is_member(db: Database, collection: str, report_id: ObjectId, uid: str) -> bool:
    return await db[collection].find_one({"report": report_id, "uid": uid}, {"_id": 1}) is not None


async def member_reports(
    db: Database, collection: str, report_ids: Sequence[ObjectId], uid: str
) -> set[ObjectId]:
    """Which of these reports the user follows / has a "me too" on."""
    docs = (
        await db[collection]
        .find({"report": {"$in": list(report_ids)}, "uid": uid}, {"report": 1})
        .to_list(None)
    )
    return {doc["report"] for doc in docs}


async def follower_uids(
    db: Database, report_id: ObjectId, *, session: AsyncClientSession | None = None
) -> list[str]:
    """Everyone who follows a report (the recipients of its updates)."""
    docs = (
        await db[FOLLOWERS].find({"report": report_id}, {"uid": 1}, session=session).to_list(None)
    )
    return [doc["uid"] for doc in docs]


async def move_members(
    db: Database,
    collection: str,
    *,
    source: ObjectId,
    target: ObjectId,
    extra: Sequence[str],
    exclude: Sequence[str],
    now: datetime,
    session: AsyncClientSession,
) -> int:
    """Copy the source's members (and `extra` uids) to the target once each; how many were new."""
    source_docs = (
        await db[collection].find({"report": source}, {"uid": 1}, session=session).to_list(None)
    )
    target_docs = (
        await db[collection].find({"report": target}, {"uid": 1}, session=session).to_list(None)
    )
    already = {doc["uid"] for doc in target_docs} | set(exclude)
    wanted = [u for u in dict.fromkeys([*(d["uid"] for d in source_docs), *extra])]
    new = [uid for uid in wanted if uid not in already]
    if new:
        await db[collection].insert_many(
            [{"report": target, "uid": uid, "at": now} for uid in new], session=session
        )
    return len(new)


async def memberships(
    db: Database, collection: str, uid: str, *, batch: int
) -> AsyncIterator[list[tuple[ObjectId, datetime | None]]]:
    """The reports a user follows / said "me too" to, with when, in lists of `batch` (their
    data export; served by uid_report)."""
    fields = {"report": 1, "at": 1}
    cursor = db[collection].find({"uid": uid}, fields, batch_size=batch).sort("report", ASCENDING)
    async for chunk in batched(cursor, batch, lambda doc: (doc["report"], doc.get("at"))):
        yield chunk


async def delete_memberships(db: Database, uid: str) -> int:
    """Forget a deleted user's follows and "me too"s (served by uid_report). The reports'
    counters keep counting them: they are numbers, not people."""
    deleted = 0
    for collection in (FOLLOWERS, ME_TOO):
        deleted += (await db[collection].delete_many({"uid": uid})).deleted_count
    return deleted
