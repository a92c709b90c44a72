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


def message(*, kind: str, uids: Iterable[str], data: Mapping[str, Any], now: datetime) -> Document:
    """A pending outbox document for these users (duplicates removed, order kept)."""
    return {
        "_id": ObjectId(),
        "kind": kind,
        "recipients": {"uids": list(dict.fromkeys(uids))},
        "data": dict(data),
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


async def enqueue(
    db: Database, documents: Sequence[Document], *, session: AsyncClientSession
) -> None:
    """Insert outbox documents inside the caller's transaction (nothing for no recipients)."""
    wanted = [doc for doc in documents if doc["recipients"]["uids"]]
    if wanted:
        await db[COLLECTION].insert_many(wanted, session=session)
