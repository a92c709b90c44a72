"""Collection notifications: each user's inbox, one item per (outbox message, user)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne

from backend.db import Database, Document, batched
from backend.notifications.models import InboxItemDoc

INBOX = "notifications"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    INBOX: [
        IndexModel([("uid", ASCENDING), ("_id", DESCENDING)], name="uid_newest"),
        IndexModel([("uid", ASCENDING), ("read", ASCENDING)], name="uid_unread"),
        IndexModel(
            [("outbox_id", ASCENDING), ("uid", ASCENDING)], unique=True, name="one_per_message"
        ),
        # The retention purge: items older than a year (backend/retention.py).
        IndexModel([("created_at", ASCENDING)], name="created_at"),
    ],
}


def _inbox_item(doc: Document) -> InboxItemDoc:
    return InboxItemDoc(
        id=doc["_id"],
        uid=doc["uid"],
        kind=doc["kind"],
        title=doc["title"],
        body=doc["body"],
        deep_link=doc.get("deep_link"),
        read=bool(doc.get("read")),
        created_at=doc["created_at"],
    )


async def add_inbox_items(db: Database, items: Sequence[Document]) -> None:
    """Write inbox items once per (message, user): a retried delivery adds nothing."""
    if not items:
        return
    await db[INBOX].bulk_write(
        [
            UpdateOne(
                {"outbox_id": item["outbox_id"], "uid": item["uid"]},
                {"$setOnInsert": item},
                upsert=True,
            )
            for item in items
        ],
        ordered=False,
    )


async def inbox_page(
    db: Database, *, uid: str, before: ObjectId | None, limit: int
) -> list[InboxItemDoc]:
    """The newest inbox items first, keyset-paged by _id."""
    query: dict[str, Any] = {"uid": uid}
    if before is not None:
        query["_id"] = {"$lt": before}
    cursor = db[INBOX].find(query).sort("_id", -1).limit(limit)
    return [_inbox_item(doc) async for doc in cursor]


async def inbox_items(db: Database, *, uid: str, ids: Sequence[ObjectId]) -> list[InboxItemDoc]:
    """These of the user's items (others' ids are left out), newest first."""
    query = {"uid": uid, "_id": {"$in": list(ids)}}
    cursor = db[INBOX].find(query).sort("_id", -1).limit(len(ids))
    return [_inbox_item(doc) async for doc in cursor]


async def unread_count(db: Database, uid: str) -> int:
    """How many of a user's inbox items are unread."""
    return int(await db[INBOX].count_documents({"uid": uid, "read": False}))


async def mark_read(db: Database, *, uid: str, ids: Sequence[ObjectId] | None) -> int:
    """Mark some (or, with None, all) of the user's items read; returns how many changed."""
    query: dict[str, Any] = {"uid": uid, "read": False}
    if ids is not None:
        query["_id"] = {"$in": list(ids)}
    result = await db[INBOX].update_many(query, {"$set": {"read": True}})
    return int(result.modified_count)


async def inbox_item_ids(db: Database, *, outbox_id: Any, uids: Sequence[str]) -> dict[str, str]:
    """The ids of the inbox items one message gave these users (uid -> id), for its pushes."""
    if not uids:
        return {}
    cursor = db[INBOX].find({"outbox_id": outbox_id, "uid": {"$in": list(uids)}}, {"uid": 1})
    return {doc["uid"]: str(doc["_id"]) async for doc in cursor}


async def unread_counts(db: Database, uids: Sequence[str]) -> dict[str, int]:
    """How many unread inbox items each of a page of users has (0 for none), for the badge."""
    if not uids:
        return {}
    pipeline: list[dict[str, Any]] = [
        {"$match": {"uid": {"$in": list(uids)}, "read": False}},
        {"$group": {"_id": "$uid", "unread": {"$sum": 1}}},
    ]
    counts = {uid: 0 for uid in uids}
    # Bounded: the uid_unread index serves the $match; one group per user of the page.
    async for doc in await db[INBOX].aggregate(pipeline):
        counts[doc["_id"]] = int(doc["unread"])
    return counts


async def delete_inbox(db: Database, uid: str) -> int:
    """Forget a deleted user's inbox (served by uid_newest)."""
    return int((await db[INBOX].delete_many({"uid": uid})).deleted_count)


async def inbox_batches(db: Database, uid: str, *, batch: int) -> AsyncIterator[list[InboxItemDoc]]:
    """Every inbox item of a user, newest first, in lists of `batch` (their data export)."""
    cursor = db[INBOX].find({"uid": uid}, batch_size=batch).sort("_id", -1)
    async for chunk in batched(cursor, batch, _inbox_item):
        yield chunk


async def purge_inbox(db: Database, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` inbox items created before `before`, oldest first (served by
    created_at); how many."""
    ids = [
        doc["_id"]
        for doc in await db[INBOX]
        .find({"created_at": {"$lt": before}}, {"_id": 1})
        .sort("created_at", ASCENDING)
        .limit(limit)
        .to_list(None)
    ]
    if not ids:
        return 0
    return int((await db[INBOX].delete_many({"_id": {"$in": ids}})).deleted_count)


async def redact_items(
    db: Database, outbox_ids: Sequence[Any], redact: Callable[[str], str]
) -> int:
    """Pass the texts of these messages' inbox items (every recipient's) through `redact`: a
    deleted reporter's words quoted to their report's followers (served by one_per_message)."""
    changed = 0
    cursor = db[INBOX].find({"outbox_id": {"$in": list(outbox_ids)}}, {"title": 1, "body": 1})
    async for item in cursor:
        texts = {
            f"{field}.{locale}": text
            for field in ("title", "body")
            for locale, text in (item.get(field) or {}).items()
            if isinstance(text, str) and redact(text) != text
        }
        if texts:
            update = {key: redact(text) for key, text in texts.items()}
            await db[INBOX].update_one({"_id": item["_id"]}, {"$set": update})
            changed += 1
    return changed
