"""Open311's collection (`open311_keys`) and its read-only queries on the reports domain.

Reports are written only through the reports service; here they are read for the public listing.
SecantusDB's planner drops a blocking SORT only for a single-key sort on an index's leading field,
so listings sort on `created_at` (or on `category` with one category, which scans its index
backwards: newest first) and name their index with a hint.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from backend import geo
from backend.db import Database, Document
from backend.open311.models import ApiKeyDoc
from backend.reports import repository as report_repository

KEYS = "open311_keys"
CREATED_INDEX = "open311_created"
CATEGORY_CREATED_INDEX = "open311_category_created"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    KEYS: [IndexModel([("key_hash", ASCENDING)], unique=True, name="key_hash_unique")],
    # Merged with the reports repository's own indexes on the same collection.
    report_repository.REPORTS: [
        IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name=CREATED_INDEX),
        IndexModel(
            [("category", ASCENDING), ("created_at", ASCENDING), ("_id", ASCENDING)],
            name=CATEGORY_CREATED_INDEX,
        ),
    ],
}

# Hidden reports (moderation) are never public.
VISIBLE: Document = {"hidden": {"$ne": True}}


# --- keys -------------------------------------------------------------------------------------


async def insert_key(
    db: Database, *, name: str, key_hash: str, prefix: str, now: datetime
) -> ApiKeyDoc:
    """Store a new key's hash."""
    doc = {
        "_id": ObjectId(),
        "name": name,
        "key_hash": key_hash,
        "prefix": prefix,
        "created_at": now,
        "revoked_at": None,
    }
    await db[KEYS].insert_one(doc)
    return ApiKeyDoc.from_mongo(doc)


async def find_key(db: Database, key_hash: str) -> ApiKeyDoc | None:
    """The key with this hash, revoked or not."""
    doc = await db[KEYS].find_one({"key_hash": key_hash})
    return ApiKeyDoc.from_mongo(doc) if doc else None


async def list_keys(db: Database) -> list[ApiKeyDoc]:
    """Every key, oldest first (a handful of partners: read at once)."""
    docs = await db[KEYS].find({}).sort("_id", ASCENDING).to_list(None)
    return [ApiKeyDoc.from_mongo(doc) for doc in docs]


async def revoke_key(db: Database, *, prefix: str, now: datetime) -> ApiKeyDoc | None:
    """Revoke the unrevoked key with this prefix (or id); None when there is none."""
    condition: Document = {"revoked_at": None, "prefix": prefix}
    if ObjectId.is_valid(prefix):
        condition = {"revoked_at": None, "_id": ObjectId(prefix)}
    doc = await db[KEYS].find_one_and_update(
        condition, {"$set": {"revoked_at": now}}, return_document=ReturnDocument.AFTER
    )
    return ApiKeyDoc.from_mongo(doc) if doc else None


# --- categories (read-only: the reports domain loads them) ------------------------------------


async def category_documents(db: Database) -> list[Document]:
    """Categories as stored, with the content fields Open311 shows (description, keywords,
    attributes) that the reports domain's model does not carry."""
    return await db[report_repository.CATEGORIES].find({}).sort("position", ASCENDING).to_list(None)


async def department_names(db: Database) -> dict[str, dict[str, str]]:
    """Department slug -> name by language."""
    docs = await db[report_repository.DEPARTMENTS].find({}, {"name": 1}).to_list(None)
    return {doc["_id"]: dict(doc.get("name") or {}) for doc in docs}


# --- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RequestQuery:
    """A typed `GET requests` query; `ids` wins over everything else, as the spec says."""

    ids: list[ObjectId] | None = None
    start: datetime
    end: datetime
    categories: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    near: tuple[float, float, float] | None = None  # lng, lat, metres
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    skip: int = 0
    limit: int = 1_000

    def mongo_filter(self) -> Document:
        """The filter sent to the database (also what the index test explains)."""
        query: Document = dict(VISIBLE)
        if self.ids is not None:
            query["_id"] = {"$in": self.ids}
            return query
        query["created_at"] = {"$gte": self.start, "$lte": self.end}
        if len(self.categories) == 1:
            query["category"] = self.categories[0]
        elif self.categories:
            query["category"] = {"$in": self.categories}
        if self.statuses:
            query["status"] = {"$in": self.statuses}
        if self.near is not None:
            lng, lat, metres = self.near
            here = geo.point(lat=lat, lng=lng)
            query["location"] = {"$near": {"$geometry": here, "$maxDistance": metres}}
        elif self.bbox is not None:
            west, south, east, north = self.bbox
            ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
            box = {"type": "Polygon", "coordinates": [ring]}
            query["location"] = {"$geoWithin": {"$geometry": box}}
        return query

    def plan(self) -> tuple[list[tuple[str, int]] | None, str | None]:
        """Sort and index hint: newest first from an index, without a blocking sort.

        Ids come from the _id index (named: the planner would scan with `hidden $ne`); `$near`
        orders by distance (its 2dsphere index); a box uses the 2dsphere index and sorts what
        falls in it.
        """
        if self.ids is not None:
            return None, "_id_"
        if self.near is not None:
            return None, None
        if self.bbox is not None:
            return [("created_at", DESCENDING)], None
        if len(self.categories) == 1:
            return [("category", DESCENDING)], CATEGORY_CREATED_INDEX
        return [("created_at", DESCENDING)], CREATED_INDEX


async def find_requests(db: Database, query: RequestQuery) -> list[Document]:
    """One page of visible reports for `GET requests`."""
    sort, hint = query.plan()
    cursor = db[report_repository.REPORTS].find(query.mongo_filter())
    if sort is not None:
        cursor = cursor.sort(sort)
    if hint is not None:
        cursor = cursor.hint(hint)
    return await cursor.skip(query.skip).limit(query.limit).to_list(None)


async def get_visible_report(db: Database, report_id: ObjectId) -> Document | None:
    """One visible report as stored."""
    return await db[report_repository.REPORTS].find_one({"_id": report_id, **VISIBLE}, hint="_id_")


async def set_open311_fields(db: Database, report_id: ObjectId, fields: Document) -> None:
    """Record what only Open311 submissions carry (private submitter, attributes, media)."""
    await report_repository.update_report(db, {"_id": report_id}, {"$set": fields})


async def latest_public_notes(db: Database, report_ids: Sequence[ObjectId]) -> dict[Any, str]:
    """The newest public timeline note of each report (served by report_events' report_at)."""
    if not report_ids:
        return {}
    cursor = (
        db[report_repository.EVENTS]
        .find({"report": {"$in": list(report_ids)}, "public": True}, {"report": 1, "note": 1})
        .sort([("report", ASCENDING), ("at", ASCENDING)])
        .hint("report_at")
    )
    notes: dict[Any, str] = {}
    async for event in cursor:
        note = event.get("note")
        if isinstance(note, str) and note.strip():
            notes[event["report"]] = note
    return notes
