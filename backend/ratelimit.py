"""Fixed-window rate limits counted in MongoDB, so every web process shares the same buckets.

A bucket is `{_id: "<action>:<subject>:<window>:<label>", count, expire_at}`, incremented by one
`find_one_and_update` upsert (atomic on the server); a TTL index removes buckets after their
window. A refused attempt is taken back out of every bucket, so it does not use up a longer window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pymongo import ASCENDING, IndexModel, ReturnDocument

from backend.db import Database

COLLECTION = "rate_limits"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [IndexModel([("expire_at", ASCENDING)], expireAfterSeconds=0, name="ttl")],
}
# TTL deletion runs about once a minute; keep buckets a little past their window anyway.
_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class Window:
    """At most `limit` hits per fixed window of `seconds` (aligned on UTC), labelled by `fmt`."""

    name: str
    seconds: int
    limit: int
    fmt: str

    def start(self, now: datetime) -> datetime:
        epoch = int(now.timestamp())
        return datetime.fromtimestamp(epoch - epoch % self.seconds, UTC)


HOUR = 3600
DAY = 86_400


def hourly(limit: int) -> Window:
    return Window("hour", HOUR, limit, "%Y%m%d%H")


def daily(limit: int) -> Window:
    return Window("day", DAY, limit, "%Y%m%d")


@dataclass(frozen=True)
class RateLimited:
    """Over a limit: which window, and when the caller may try again."""

    window: Window
    retry_after_seconds: int
    retry_at: datetime


def bucket_id(action: str, subject: str, window: Window, now: datetime) -> str:
    return f"{action}:{subject}:{window.name}:{window.start(now).strftime(window.fmt)}"


async def hit(
    db: Database,
    *,
    action: str,
    subject: str,
    windows: Sequence[Window],
    now: datetime,
    cost: int = 1,
) -> RateLimited | None:
    """Count one attempt (weighing `cost`, e.g. bytes) in every window; None when allowed, else
    the window that refused."""
    collection = db[COLLECTION]
    counted: list[str] = []
    refused: RateLimited | None = None
    for window in windows:
        key = bucket_id(action, subject, window, now)
        end = window.start(now) + timedelta(seconds=window.seconds)
        bucket = await collection.find_one_and_update(
            {"_id": key},
            {"$inc": {"count": cost}, "$setOnInsert": {"expire_at": end + _GRACE}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        counted.append(key)
        if bucket is not None and int(bucket["count"]) > window.limit:
            retry = max(1, int((end - now).total_seconds()))
            refused = RateLimited(window=window, retry_after_seconds=retry, retry_at=end)
            break
    if refused is not None:
        await collection.update_many({"_id": {"$in": counted}}, {"$inc": {"count": -cost}})
    return refused


async def take_back(
    db: Database,
    *,
    action: str,
    subject: str,
    windows: Sequence[Window],
    now: datetime,
    cost: int = 1,
) -> None:
    """Undo an allowed `hit` (when a second limit refused the same attempt)."""
    ids = [bucket_id(action, subject, window, now) for window in windows]
    await db[COLLECTION].update_many({"_id": {"$in": ids}}, {"$inc": {"count": -cost}})


async def forget_subject(db: Database, subject: str) -> int:
    """Delete a subject's buckets in every action (a deleted user's) before their TTL.

    The subject sits after the action in the bucket id; the regex walks the _id index, not the
    documents, and the collection only ever holds the current windows' buckets."""
    pattern = f"^[^:]+:{re.escape(subject)}:"
    return int((await db[COLLECTION].delete_many({"_id": {"$regex": pattern}})).deleted_count)
