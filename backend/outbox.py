"""The outbox: notifications written in the same transaction as the change that causes them.

The push worker (notifications/) claims pending documents with `find_one_and_update` and a lease;
this module only builds and inserts them, so every domain writes the same shape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, IndexModel
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database, Document

COLLECTION = "outbox"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # The worker's claim: the oldest due pending document first.
    COLLECTION: [
        IndexModel([("state", ASCENDING), ("next_attempt_at", ASCENDING)], name="state_due"),
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
