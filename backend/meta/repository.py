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


async def get_content_version(db: Database) -> dict[str, Any] | None:
    """The content version document, or None when no content was ever loaded."""
    return await db[COLLECTION].find_one({"_id": CONTENT_ID})


async def set_content_version(db: Database, *, version: str, at: datetime) -> None:
    """Record the version of the content now in the database."""
    await db[COLLECTION].update_one(
        {"_id": CONTENT_ID}, {"$set": {"version": version, "loaded_at": at}}, upsert=True
    )
