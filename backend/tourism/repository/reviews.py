"""The reviews collection: a visitor's review of a place, one per author and place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend.db import Database, Document

REVIEWS = "reviews"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    REVIEWS: [
        IndexModel([("poi", ASCENDING), ("author", ASCENDING)], name="poi_author", unique=True),
        IndexModel(
            [("poi", ASCENDING), ("hidden", ASCENDING), ("_id", DESCENDING)], name="poi_visible"
        ),
        # A user's reviews: their data export and account deletion.
        IndexModel([("author", ASCENDING), ("_id", ASCENDING)], name="author"),
        # The moderator who hid a review: rewritten to a pseudonym when their account is
        # deleted (`pseudonymise_hidden_by`).
        IndexModel([("hidden_by", ASCENDING)], name="hidden_by", sparse=True),
    ],
}


def object_id(value: str) -> ObjectId | None:
    """An ObjectId from an opaque id, or None when it cannot be one."""
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        return None


class ReviewHiddenError(Exception):
    """The author's review was hidden by a moderator; it cannot be edited back into view."""


async def upsert_review(
    db: Database, *, poi_id: str, author: str, rating: int, text: str, now: datetime
) -> tuple[Document | None, Document]:
    """Create or edit the author's visible review; returns (before, after)."""
    new_id = ObjectId()
    try:
        before = await db[REVIEWS].find_one_and_update(
            {"poi": poi_id, "author": author, "hidden": False},
            {
                "$set": {"rating": rating, "text": text, "updated_at": now},
                "$setOnInsert": {"_id": new_id, "created_at": now},
            },
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
    except DuplicateKeyError:
        # The filter missed only because the author's review is hidden.
        raise ReviewHiddenError from None
    base = before or {"_id": new_id, "poi": poi_id, "author": author, "created_at": now}
    after = {**base, "hidden": False, "rating": rating, "text": text, "updated_at": now}
    return before, after


async def get_review(db: Database, review_id: str) -> Document | None:
    oid = object_id(review_id)
    return None if oid is None else await db[REVIEWS].find_one({"_id": oid})


async def list_reviews(
    db: Database, poi_id: str, *, before_id: str | None, limit: int
) -> list[Document]:
    """Visible reviews of a POI, newest first."""
    query: Document = {"poi": poi_id, "hidden": False}
    if before_id is not None:
        oid = object_id(before_id)
        if oid is None:
            return []
        query["_id"] = {"$lt": oid}
    return await db[REVIEWS].find(query).sort("_id", DESCENDING).limit(limit).to_list()


async def hide_review(
    db: Database, review_id: str, *, actor: str, reason: str, now: datetime
) -> Document | None:
    """Hide a visible review; returns it as it was before, or None if missing or already hidden."""
    oid = object_id(review_id)
    if oid is None:
        return None
    return await db[REVIEWS].find_one_and_update(
        {"_id": oid, "hidden": False},
        {"$set": {"hidden": True, "hidden_reason": reason, "hidden_by": actor, "hidden_at": now}},
        return_document=ReturnDocument.BEFORE,
    )


async def pseudonymise_hidden_by(
    db: Database, uid: str, *, pseudonym: str, limit: int, session: AsyncClientSession
) -> int:
    """A deleted staff member's uid on up to `limit` reviews they hid becomes their pseudonym,
    in the caller's transaction; how many (0: none left, so a repeated or resumed step changes
    nothing). Found by hidden_by, written by id alone (the planner serves no mixed filter; the
    transaction's snapshot keeps them naming `uid` until the write)."""
    found = db[REVIEWS].find({"hidden_by": uid}, {"_id": 1}, session=session).limit(limit)
    ids = [doc["_id"] async for doc in found]
    if ids:
        await db[REVIEWS].update_many(
            {"_id": {"$in": ids}}, {"$set": {"hidden_by": pseudonym}}, session=session
        )
    return len(ids)
