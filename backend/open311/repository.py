"""Open311's own collection: `open311_keys`, the partners' API keys (stored as hashes).

Reports, categories and timelines are the reports domain's: `GET requests` reads them through
backend.reports.repository (`find_requests`, `category_documents`, `latest_public_notes`...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bson import ObjectId
from pymongo import ASCENDING, IndexModel, ReturnDocument

from backend.db import Database, Document
from backend.open311.models import ApiKeyDoc

KEYS = "open311_keys"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    KEYS: [IndexModel([("key_hash", ASCENDING)], unique=True, name="key_hash_unique")],
}

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
