"""A user's data across the tourism collections: their data export and account deletion
(backend.auth.service)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from pymongo import ASCENDING

from backend.db import Database, Document, batched
from backend.tourism.repository.places import inc_rating
from backend.tourism.repository.progress import PROGRESS
from backend.tourism.repository.reviews import REVIEWS


async def user_batches(
    db: Database, collection: str, field: str, uid: str, *, batch: int
) -> AsyncIterator[list[Document]]:
    """A user's REVIEWS (field author) or PROGRESS (field uid), oldest first, in lists of
    `batch` (served by author / uid_recent)."""
    if (collection, field) not in ((REVIEWS, "author"), (PROGRESS, "uid")):
        raise ValueError(f"no index serves {collection} by {field}")
    cursor = db[collection].find({field: uid}, batch_size=batch).sort("_id", ASCENDING)
    async for chunk in batched(cursor, batch, dict):
        yield chunk


async def delete_user_data(db: Database, uid: str) -> int:
    """Delete a deleted user's reviews (a visible one leaves its place's rating, as a hidden
    one did) and journey progress; how many documents went."""
    deleted = 0
    while (review := await db[REVIEWS].find_one_and_delete({"author": uid})) is not None:
        deleted += 1
        if not review.get("hidden"):
            await inc_rating(db, review["poi"], delta_sum=-int(review["rating"]), delta_count=-1)
    return deleted + int((await db[PROGRESS].delete_many({"uid": uid})).deleted_count)
