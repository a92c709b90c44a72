"""Collections content_flags (residents' flags on reports, photos and reviews) and
content_flag_targets (each flagged item's count of open flags, kept in the transaction of every
flag, resolution and deletion, so the queue's `flagged` filter and the counts read one document
per item, by id, however many flags there are).

An open flag has `resolution` null; a moderator's resolution closes every open flag on an item
at once (its id in `resolution`, `open` false, the outcome), so a resident may then flag it
again. content_flag_targets is read by `_id` only ("<TARGET>:<id>"): no index of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend.db import Database, batched
from backend.moderation.models import ContentFlagDoc, FlagOutcome, FlagReason, FlagTarget

FLAGS = "content_flags"
FLAG_TARGETS = "content_flag_targets"
# The unique index before flags could be resolved (one flag per user and item, ever): dropped by
# `drop_obsolete_flag_index` (migrate), else a resolved flag would block the next one.
OBSOLETE_FLAG_INDEX = "target_item_flagger"
# A flag is handled within days; after a year it is history nobody needs (README). The TTL
# deletes a flag open that long without touching its item's count, so an item whose newest open
# flag is older than this counts none (`open_flag_counts`).
FLAG_TTL = timedelta(days=365)

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # Residents' flags: one open flag per user and item (`resolution` is null until a
    # moderator resolves the item's flags, then the resolution's id); an item's open flags; a
    # target's list newest first; a user's own flags (deletion, export); flags from before
    # resolutions (no `open` field: its null key), counted once by migrate.
    FLAGS: [
        IndexModel(
            [
                ("target", ASCENDING),
                ("target_id", ASCENDING),
                ("resolution", ASCENDING),
                ("flagger", ASCENDING),
            ],
            unique=True,
            name="target_item_resolution_flagger",
        ),
        IndexModel([("open", ASCENDING)], name="open"),
        IndexModel([("target", ASCENDING), ("_id", ASCENDING)], name="target_id"),
        IndexModel([("flagger", ASCENDING), ("_id", ASCENDING)], name="flagger_id"),
        # FLAG_TTL after it was raised, a flag goes, open or not.
        IndexModel(
            [("at", ASCENDING)], expireAfterSeconds=int(FLAG_TTL.total_seconds()), name="at_ttl"
        ),
    ],
}


def _target_key(target: FlagTarget | str, target_id: str) -> str:
    return f"{FlagTarget(target).value}:{target_id}"


async def _count_open(
    db: Database,
    counts: Mapping[tuple[str, str], int],
    at: datetime,
    session: AsyncClientSession,
    newest: Mapping[tuple[str, str], datetime] | None = None,
) -> None:
    """Move items' open-flag counts by these amounts ((target, id) -> delta), and keep the
    time of each item's newest open flag (`newest`: those being counted)."""
    for key, delta in counts.items():
        target, target_id = key
        update: dict[str, Any] = {
            "$inc": {"open_count": delta},
            "$set": {"updated_at": at},
            "$setOnInsert": {"target": target, "target_id": target_id},
        }
        if newest and key in newest:
            update["$max"] = {"newest_open_at": newest[key]}
        await db[FLAG_TARGETS].update_one(
            {"_id": _target_key(target, target_id)}, update, upsert=True, session=session
        )


async def add_flag(db: Database, flag: ContentFlagDoc, *, session: AsyncClientSession) -> bool:
    """Record a resident's flag and count it open on its item; False when they already have
    an open flag on this item (unchanged)."""
    try:
        await db[FLAGS].insert_one(
            {
                "_id": flag.id,
                "target": flag.target.value,
                "target_id": flag.target_id,
                "flagger": flag.flagger,
                "reason": flag.reason.value,
                "note": flag.note,
                "at": flag.at,
                "resolution": None,
                "open": True,
            },
            session=session,
        )
    except DuplicateKeyError:
        return False
    key = (flag.target.value, flag.target_id)
    await _count_open(db, {key: 1}, flag.at, session, newest={key: flag.at})
    return True


async def flag_of(
    db: Database, target: FlagTarget, target_id: str, flagger: str
) -> ContentFlagDoc | None:
    """A resident's open flag on an item (served by target_item_resolution_flagger)."""
    doc = await db[FLAGS].find_one(
        {"target": target.value, "target_id": target_id, "resolution": None, "flagger": flagger}
    )
    return ContentFlagDoc.from_mongo(doc) if doc else None


async def resolve_flags(
    db: Database,
    target: FlagTarget,
    target_id: str,
    *,
    resolution: ObjectId,
    outcome: FlagOutcome,
    at: datetime,
    session: AsyncClientSession,
) -> int:
    """Close every open flag on an item with a moderator's outcome (their count goes to 0);
    how many (served by target_item_resolution_flagger)."""
    result = await db[FLAGS].update_many(
        {"target": target.value, "target_id": target_id, "resolution": None},
        {
            "$set": {
                "resolution": resolution,
                "open": False,
                "outcome": outcome.value,
                "resolved_at": at,
            }
        },
        session=session,
    )
    closed = int(result.modified_count)
    if closed:
        await db[FLAG_TARGETS].update_one(
            {"_id": _target_key(target, target_id)},
            {
                "$set": {"open_count": 0, "updated_at": at, "outcome": outcome.value},
                "$setOnInsert": {"target": target.value, "target_id": target_id},
            },
            upsert=True,
            session=session,
        )
    return closed


async def open_flag_counts(
    db: Database, target: FlagTarget, target_ids: Sequence[str], *, now: datetime
) -> dict[str, int]:
    """How many open flags each of these items has (one document per item, by _id); items
    without any are left out, and so are those whose open flags have all expired (FLAG_TTL)."""
    if not target_ids:
        return {}
    keys = [_target_key(target, target_id) for target_id in target_ids]
    # By _id alone (the planner serves no mixed filter); the rest is checked here.
    projection = {"target_id": 1, "open_count": 1, "newest_open_at": 1}
    counts = {}
    async for doc in db[FLAG_TARGETS].find({"_id": {"$in": keys}}, projection):
        newest = doc.get("newest_open_at")
        expired = newest is not None and newest <= now - FLAG_TTL
        if doc["open_count"] > 0 and not expired:
            counts[doc["target_id"]] = int(doc["open_count"])
    return counts


async def legacy_flag_batches(db: Database, *, batch: int) -> AsyncIterator[list[ContentFlagDoc]]:
    """Flags from before resolutions (no `open`: served by the open index's null key)."""
    cursor = db[FLAGS].find({"open": None}, batch_size=batch)
    async for chunk in batched(cursor, batch, ContentFlagDoc.from_mongo):
        yield chunk


async def count_legacy_flags(
    db: Database, flags: Sequence[ContentFlagDoc], *, at: datetime, session: AsyncClientSession
) -> int:
    """Mark flags from before resolutions open and count them on their items, at once (each
    only while still unmarked, so a second run counts nothing twice); how many."""
    ids = [flag.id for flag in flags]
    # Read again in the transaction, by _id alone (the planner serves no mixed filter): a
    # resolution since the batch was read has marked its flags already.
    projection = {"target": 1, "target_id": 1, "open": 1, "at": 1}
    unmarked = [
        doc
        async for doc in db[FLAGS].find({"_id": {"$in": ids}}, projection, session=session)
        if "open" not in doc
    ]
    if not unmarked:
        return 0
    await db[FLAGS].update_many(
        {"_id": {"$in": [doc["_id"] for doc in unmarked]}},
        {"$set": {"open": True, "resolution": None}},
        session=session,
    )
    counts: dict[tuple[str, str], int] = {}
    newest: dict[tuple[str, str], datetime] = {}
    for doc in unmarked:
        key = (doc["target"], doc["target_id"])
        counts[key] = counts.get(key, 0) + 1
        newest[key] = max(newest.get(key, doc["at"]), doc["at"])
    await _count_open(db, counts, at, session, newest=newest)
    return len(unmarked)


async def drop_obsolete_flag_index(db: Database) -> bool:
    """Drop the unique index from before resolutions, when a database still has it."""
    names = [index["name"] async for index in await db[FLAGS].list_indexes()]
    if OBSOLETE_FLAG_INDEX not in names:
        return False
    await db[FLAGS].drop_index(OBSOLETE_FLAG_INDEX)
    return True


async def flagger_batches(
    db: Database, flagger: str, *, batch: int
) -> AsyncIterator[list[ContentFlagDoc]]:
    """Every flag a resident raised, oldest first, in lists of `batch`, from one cursor (their
    data export; served by flagger_id)."""
    cursor = (
        db[FLAGS]
        .find({"flagger": flagger}, batch_size=batch)
        .sort([("flagger", ASCENDING), ("_id", ASCENDING)])
    )
    async for chunk in batched(cursor, batch, ContentFlagDoc.from_mongo):
        yield chunk


async def delete_flags_of(
    db: Database, flagger: str, *, at: datetime, session: AsyncClientSession
) -> int:
    """Forget a deleted user's flags, their open ones uncounted from their items (served by
    flagger_id); how many."""
    counts: dict[tuple[str, str], int] = {}
    projection = {"target": 1, "target_id": 1, "open": 1}
    async for doc in db[FLAGS].find({"flagger": flagger}, projection, session=session):
        if doc.get("open") is True:
            key = (doc["target"], doc["target_id"])
            counts[key] = counts.get(key, 0) - 1
    deleted = int(
        (await db[FLAGS].delete_many({"flagger": flagger}, session=session)).deleted_count
    )
    await _count_open(db, counts, at, session)
    return deleted


async def flagged_for_personal_data(db: Database, report_ids: Sequence[str]) -> set[str]:
    """Which of these reports residents flagged as showing personal data, open or resolved
    (served by target_item_resolution_flagger; the reason is checked here, as the planner
    serves no predicate off the index): a deleted reporter's text there goes entirely."""
    query = {"target": FlagTarget.REPORT.value, "target_id": {"$in": list(report_ids)}}
    docs = db[FLAGS].find(query, {"target_id": 1, "reason": 1})
    personal = FlagReason.PERSONAL_DATA.value
    return {doc["target_id"] async for doc in docs if doc["reason"] == personal}


async def flags(
    db: Database, *, target: FlagTarget, before: ObjectId | None, limit: int
) -> list[ContentFlagDoc]:
    """Flags on one kind of item, newest first, before an `_id` cursor (served by target_id)."""
    query: dict[str, object] = {"target": target.value}
    if before is not None:
        query["_id"] = {"$lt": before}
    docs = await db[FLAGS].find(query).sort("_id", DESCENDING).limit(limit).to_list(None)
    return [ContentFlagDoc.from_mongo(doc) for doc in docs]
