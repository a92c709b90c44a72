"""The `meta` collection: one document per fact about the deployment (content version)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import IndexModel

from backend.db import Database

COLLECTION = "meta"
INDEXES: Mapping[str, Sequence[IndexModel]] = {}  # only _id lookups
CONTENT_ID = "content"
# Bumps made by this process: its own caches refresh at once (read-your-writes); other processes
# notice within their refresh interval.
_local_bumps = 0


def local_bumps() -> int:
    return _local_bumps


async def get_content_version(db: Database) -> dict[str, Any] | None:
    """The content version document, or None when no content was ever loaded."""
    return await db[COLLECTION].find_one({"_id": CONTENT_ID})


async def set_content_version(db: Database, *, version: str, at: datetime) -> None:
    """Record the version of the content now in the database."""
    global _local_bumps
    await db[COLLECTION].update_one(
        {"_id": CONTENT_ID}, {"$set": {"version": version, "loaded_at": at}}, upsert=True
    )
    _local_bumps += 1


PUBLIC_ID = "public"


async def public_data_version(db: Database) -> str:
    """A version of everything anonymous reads can show: the content plus public writes."""
    docs = {
        doc["_id"]: doc
        async for doc in db[COLLECTION].find({"_id": {"$in": [CONTENT_ID, PUBLIC_ID]}})
    }
    content = docs.get(CONTENT_ID, {}).get("version", "none")
    counter = docs.get(PUBLIC_ID, {}).get("counter", 0)
    return f"{content}.{counter}"


async def bump_public_version(db: Database) -> None:
    """Invalidate cached public responses everywhere (a review changed a rating, say)."""
    global _local_bumps
    await db[COLLECTION].update_one({"_id": PUBLIC_ID}, {"$inc": {"counter": 1}}, upsert=True)
    _local_bumps += 1
