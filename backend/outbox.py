"""The outbox: notifications written in the same transaction as the change that causes them.

The only module that names the outbox collection: every domain builds and inserts its messages
here (one shape), and the push worker (notifications/) claims them with `find_one_and_update`
and a lease, records progress and ends them through the functions that follow. The areas
migration rewrites the recipient areas of messages not yet delivered (at the end).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document, batched
from backend.notifications.models import OutboxDoc, OutboxState

COLLECTION = "outbox"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # The worker's claim: the oldest due pending document first.
    COLLECTION: [
        IndexModel([("state", ASCENDING), ("next_attempt_at", ASCENDING)], name="state_due"),
        IndexModel([("state", ASCENDING), ("lease_until", ASCENDING)], name="state_lease"),
        IndexModel([("state", ASCENDING), ("_id", ASCENDING)], name="state_id"),
    ],
}


def message(
    *,
    kind: str,
    data: Mapping[str, Any],
    now: datetime,
    uids: Iterable[str] = (),
    areas: Iterable[str] = (),
    everyone: bool = False,
    urgent: bool = False,
) -> Document:
    """A pending outbox document for users, the followers of areas, or every device.

    Duplicates are removed, order kept. `urgent` messages go through quiet hours.
    """
    recipients: dict[str, Any]
    if everyone:
        recipients = {"all": True}
    elif areas:
        recipients = {"areas": list(dict.fromkeys(areas))}
    else:
        recipients = {"uids": list(dict.fromkeys(uids))}
    doc: Document = {
        "_id": ObjectId(),
        "kind": kind,
        "recipients": recipients,
        "data": dict(data),
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    if urgent:
        doc["urgent"] = True
    return doc


def _addressed(doc: Document) -> bool:
    recipients = doc["recipients"]
    return bool(recipients.get("all") or recipients.get("areas") or recipients.get("uids"))


async def enqueue(
    db: Database, documents: Sequence[Document], *, session: AsyncClientSession
) -> None:
    """Insert outbox documents inside the caller's transaction (nothing for no recipients)."""
    wanted = [doc for doc in documents if _addressed(doc)]
    if wanted:
        await db[COLLECTION].insert_many(wanted, session=session)


# --- the push worker's claims ----------------------------------------------------------------


async def claim(db: Database, *, worker: str, now: datetime, lease: timedelta) -> OutboxDoc | None:
    """Take one due message: an abandoned lease first, then the oldest due pending one."""
    update = {
        "$set": {
            "state": OutboxState.SENDING.value,
            "lease_until": now + lease,
            "claimed_by": worker,
            "claimed_at": now,
        }
    }
    for query, sort in (
        ({"state": OutboxState.SENDING.value, "lease_until": {"$lt": now}}, "lease_until"),
        ({"state": OutboxState.PENDING.value, "next_attempt_at": {"$lte": now}}, "next_attempt_at"),
    ):
        doc = await db[COLLECTION].find_one_and_update(
            query, update, sort=[(sort, 1)], return_document=ReturnDocument.AFTER
        )
        if doc is not None:
            return OutboxDoc.from_doc(doc)
    return None


async def checkpoint(
    db: Database,
    *,
    outbox_id: Any,
    worker: str,
    progress: dict[str, Any],
    lease_until: datetime,
) -> bool:
    """Record how far delivery got and extend the lease; False when the lease was lost."""
    result = await db[COLLECTION].update_one(
        {"_id": outbox_id, "state": OutboxState.SENDING.value, "claimed_by": worker},
        {"$set": {"progress": progress, "lease_until": lease_until}},
    )
    return result.modified_count == 1


async def finish(
    db: Database,
    *,
    outbox_id: Any,
    worker: str,
    set_fields: dict[str, Any],
    inc_attempts: bool,
) -> bool:
    """Leave the SENDING state (sent, retry later, or dead), only while holding the lease."""
    update: dict[str, Any] = {"$set": set_fields, "$unset": {"lease_until": "", "claimed_by": ""}}
    if inc_attempts:
        update["$inc"] = {"attempts": 1}
    result = await db[COLLECTION].update_one(
        {"_id": outbox_id, "state": OutboxState.SENDING.value, "claimed_by": worker}, update
    )
    return result.modified_count == 1


async def insert_deferred(db: Database, doc: Document) -> None:
    """Insert a deferred copy once (its _id is derived from the original and the page)."""
    await db[COLLECTION].update_one({"_id": doc["_id"]}, {"$setOnInsert": doc}, upsert=True)


async def dead_page(db: Database, *, after: Any | None, limit: int) -> list[OutboxDoc]:
    query: dict[str, Any] = {"state": OutboxState.DEAD.value}
    if after is not None:
        query["_id"] = {"$gt": after}
    cursor = db[COLLECTION].find(query).sort("_id", 1).limit(limit)
    return [OutboxDoc.from_doc(doc) async for doc in cursor]


async def retry_dead(db: Database, *, outbox_id: Any, now: datetime) -> bool:
    """Put a DEAD message back in the queue with a fresh attempt budget."""
    result = await db[COLLECTION].update_one(
        {"_id": outbox_id, "state": OutboxState.DEAD.value},
        {
            "$set": {"state": OutboxState.PENDING.value, "next_attempt_at": now, "attempts": 0},
            "$unset": {"dead_at": ""},
        },
    )
    return result.modified_count == 1


# --- the areas migration: former district ids (backend.areas.migration) ------------------------
# Messages to the followers of areas list area ids in `recipients.areas`; the superseded list is
# kept in `legacy_area_ids`, as on the alerts and preferences they come from.

_UNDELIVERED = [OutboxState.PENDING.value, OutboxState.SENDING.value, OutboxState.DEAD.value]


async def undelivered_to_areas(
    db: Database, area_ids: Sequence[str], *, batch: int
) -> AsyncIterator[list[tuple[Any, list[str]]]]:
    """Messages still to be sent (or retried) to the followers of any of these areas, as
    (id, areas), in batches; sent ones are history (and the state index keeps this off the
    whole outbox)."""
    if not area_ids:
        return
    query = {"recipients.areas": {"$in": list(area_ids)}, "state": {"$in": _UNDELIVERED}}
    cursor = db[COLLECTION].find(query, {"recipients.areas": 1}, batch_size=batch)
    async for chunk in batched(
        cursor, batch, lambda doc: (doc["_id"], list(doc["recipients"]["areas"]))
    ):
        yield chunk


async def set_recipient_areas(
    db: Database, changes: Sequence[tuple[Any, list[str], list[str]]]
) -> int:
    """Replace messages' recipient areas: (id, as read, new) each, in one bulk write; a list
    changed since it was read is left alone. Returns how many messages changed."""
    if not changes:
        return 0
    result = await db[COLLECTION].bulk_write(
        [
            UpdateOne(
                {"_id": doc_id, "recipients.areas": former},
                {"$set": {"recipients.areas": new, "legacy_area_ids": former}},
            )
            for doc_id, former, new in changes
        ],
        ordered=False,
    )
    return int(result.modified_count)
