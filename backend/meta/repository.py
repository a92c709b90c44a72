"""The `meta` collection: one document per fact about the deployment (content version)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from pymongo import IndexModel
from pymongo.asynchronous.change_stream import AsyncChangeStream

from backend.db import Database

COLLECTION = "meta"
INDEXES: Mapping[str, Sequence[IndexModel]] = {}  # only _id lookups
CONTENT_ID = "content"
# Bumps made by this process: its own caches refresh at once (read-your-writes); other processes
# notice within their refresh interval.
_local_bumps = 0


_local_content_bumps = 0


def local_bumps() -> int:
    return _local_bumps


def local_content_bumps() -> int:
    """Content changes made by this process (its content snapshot reloads at once)."""
    return _local_content_bumps


async def get_content_version(db: Database) -> dict[str, Any] | None:
    """The content version document, or None when no content was ever loaded."""
    return await db[COLLECTION].find_one({"_id": CONTENT_ID})


async def set_content_version(db: Database, *, version: str, at: datetime) -> None:
    """Record the version of the content now in the database."""
    global _local_bumps, _local_content_bumps
    await db[COLLECTION].update_one(
        {"_id": CONTENT_ID},
        # The revision counts every change, so a reload of the same files is seen as one too.
        {"$set": {"version": version, "loaded_at": at}, "$inc": {"revision": 1}},
        upsert=True,
    )
    _local_bumps += 1
    _local_content_bumps += 1


async def bump_content_revision(db: Database, *, at: datetime) -> None:
    """Record that staff edited content (places, journeys, categories...): every web process's
    content snapshot reloads within seconds, and cached public answers are dropped."""
    global _local_bumps, _local_content_bumps
    await db[COLLECTION].update_one(
        {"_id": CONTENT_ID},
        {"$inc": {"revision": 1}, "$set": {"edited_at": at}, "$setOnInsert": {"version": "none"}},
        upsert=True,
    )
    _local_bumps += 1
    _local_content_bumps += 1


async def watch_content(db: Database, *, max_await_ms: int) -> AsyncChangeStream[Any]:
    """A change stream of the content stamp's document; `try_next` gives None after
    `max_await_ms` without a change. Raises where the deployment has no change streams."""
    pipeline = [{"$match": {"documentKey._id": CONTENT_ID}}]
    return await db[COLLECTION].watch(pipeline, max_await_time_ms=max_await_ms)


async def content_stamp(db: Database) -> str | None:
    """What identifies the content now in the database (version and revision); None if none."""
    doc = await db[COLLECTION].find_one({"_id": CONTENT_ID}, {"version": 1, "revision": 1})
    if doc is None:
        return None
    return f"{doc.get('version', 'none')}.{doc.get('revision', 0)}"


PUBLIC_ID = "public"


async def public_data_version(db: Database) -> str:
    """A version of everything anonymous reads can show: the content plus public writes."""
    docs = {
        doc["_id"]: doc
        async for doc in db[COLLECTION].find({"_id": {"$in": [CONTENT_ID, PUBLIC_ID]}})
    }
    content_doc = docs.get(CONTENT_ID, {})
    content = f"{content_doc.get('version', 'none')}.{content_doc.get('revision', 0)}"
    counter = docs.get(PUBLIC_ID, {}).get("counter", 0)
    return f"{content}.{counter}"


async def bump_public_version(db: Database) -> None:
    """Invalidate cached public responses everywhere (a review changed a rating, say)."""
    global _local_bumps
    await db[COLLECTION].update_one({"_id": PUBLIC_ID}, {"$inc": {"counter": 1}}, upsert=True)
    _local_bumps += 1
