"""The outbox: notifications written in the same transaction as the change that causes them.

The only module that names the outbox collection: every domain builds and inserts its messages
here (one shape), and the push worker (notifications/) claims them with `find_one_and_update`
and a lease, records progress and ends them through the functions that follow. The areas
migration rewrites the recipient areas of messages not yet delivered (at the end).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
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
        # The retention purge: delivered and given-up messages (backend/retention.py).
        IndexModel([("state", ASCENDING), ("sent_at", ASCENDING)], name="state_sent_at"),
        IndexModel([("state", ASCENDING), ("dead_at", ASCENDING)], name="state_dead_at"),
        # A deleted user's messages (`forget_user`).
        IndexModel([("recipients.uids", ASCENDING)], name="recipient_uids"),
        IndexModel([("data.reporter", ASCENDING)], name="data_reporter", sparse=True),
        IndexModel([("recipients.email", ASCENDING)], name="recipient_email", sparse=True),
        IndexModel([("progress.after", ASCENDING)], name="progress_after", sparse=True),
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


def email(*, kind: str, to: str, data: Mapping[str, Any], now: datetime) -> Document:
    """A pending outbox document for the email channel: one message to one address.

    The worker renders it (backend/email) and sends it through SMTP with the same claims,
    leases and retries as a push.
    """
    doc = message(kind=kind, data=data, now=now)
    doc["recipients"] = {"email": to}
    doc["channel"] = "email"
    return doc


def _addressed(doc: Document) -> bool:
    recipients = doc["recipients"]
    return bool(
        recipients.get("all")
        or recipients.get("areas")
        or recipients.get("uids")
        or recipients.get("email")
    )


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


# --- jobs and account deletion (backend.auth.service.deletion) ---------------------------------
# A job is an outbox document whose kind a handler (backend.domains.OUTBOX_JOBS) runs instead of
# a push: the same claims, leases, checkpoints and retries.


async def insert_once(
    db: Database, documents: Sequence[Document], *, session: AsyncClientSession
) -> list[Document]:
    """Insert documents with derived ids unless present (in the caller's transaction); returns
    each as stored, so a repeated request finds the first one's."""
    stored = []
    for doc in documents:
        found = await db[COLLECTION].find_one_and_update(
            {"_id": doc["_id"]},
            {"$setOnInsert": doc},
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        assert found is not None  # upserted, so never None
        stored.append(found)
    return stored


async def get(db: Database, outbox_id: Any) -> OutboxDoc | None:
    """One message or job by id."""
    doc = await db[COLLECTION].find_one({"_id": outbox_id})
    return OutboxDoc.from_doc(doc) if doc else None


async def forget_user(
    db: Database,
    uid: str,
    *,
    pseudonym: str,
    email: str | None,
    redact: Callable[[str], str],
) -> list[Any]:
    """Take a deleted user out of messages: off every recipient list, the pseudonym (and their
    report's quoted text through `redact`) where a report's message names its reporter, no
    e-mail to their address kept, no page cursor on them (served by recipient_uids,
    data_reporter, recipient_email and progress_after). Returns the ids of the messages whose
    quoted text changed (their inbox items quote it too)."""
    if email:
        await db[COLLECTION].delete_many({"recipients.email": email})
    quoting = []
    about_them = {"$or": [{"recipients.uids": uid}, {"data.reporter": uid}]}
    async for doc in db[COLLECTION].find(about_them, {"data": 1}):
        update: dict[str, Any] = {"$pull": {"recipients.uids": uid}}
        data = doc.get("data") or {}
        changes: dict[str, Any] = {}
        if data.get("reporter") == uid:
            changes["data.reporter"] = pseudonym
        title = data.get("title")
        if isinstance(title, str) and redact(title) != title:
            changes["data.title"] = redact(title)  # their report's text, quoted
            quoting.append(doc["_id"])
        if changes:
            update["$set"] = changes
        await db[COLLECTION].update_one({"_id": doc["_id"]}, update)
    # A delivered message's page cursor may be their uid; one still being delivered keeps it
    # until done (changing it would send a page twice or skip one).
    finished = [OutboxState.SENT.value, OutboxState.DEAD.value]
    await db[COLLECTION].update_many(
        {"progress.after": uid, "state": {"$in": finished}}, {"$unset": {"progress.after": ""}}
    )
    return quoting


async def redact_texts(db: Database, ids: Sequence[Any], redact: Callable[[str], str]) -> int:
    """Pass the texts in these messages' data (strings, and per-language strings) through
    `redact`: staff digests quoting a deleted reporter's words (by `_id`); how many changed."""
    changed = 0
    async for doc in db[COLLECTION].find({"_id": {"$in": list(ids)}}, {"data": 1}):
        update: dict[str, str] = {}
        for key, value in (doc.get("data") or {}).items():
            texts = value if isinstance(value, dict) else {None: value}
            for locale, text in texts.items():
                if isinstance(text, str) and redact(text) != text:
                    path = f"data.{key}" if locale is None else f"data.{key}.{locale}"
                    update[path] = redact(text)
        if update:
            await db[COLLECTION].update_one({"_id": doc["_id"]}, {"$set": update})
            changed += 1
    return changed


async def purge_finished(db: Database, *, state: str, before: datetime, limit: int) -> int:
    """Delete up to `limit` SENT (by `sent_at`) or DEAD (by `dead_at`) messages finished
    before `before` (served by state_sent_at / state_dead_at); how many."""
    field = {OutboxState.SENT.value: "sent_at", OutboxState.DEAD.value: "dead_at"}[state]
    ids = [
        doc["_id"]
        for doc in await db[COLLECTION]
        .find({"state": state, field: {"$lt": before}}, {"_id": 1})
        .sort(field, ASCENDING)
        .limit(limit)
        .to_list(None)
    ]
    if not ids:
        return 0
    result = await db[COLLECTION].delete_many({"_id": {"$in": ids}, "state": state})
    return int(result.deleted_count)
