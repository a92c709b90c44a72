"""The `users` collection: app-side profile of a Firebase user (locale, preferences)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import ASCENDING, IndexModel

from backend.db import Database

COLLECTION = "users"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [IndexModel([("uid", ASCENDING)], unique=True, name="uid_unique")],
}


async def display_names(db: Database, uids: Sequence[str]) -> dict[str, str]:
    """Display names of these users, for those who set one."""
    docs = (
        await db[COLLECTION]
        .find({"uid": {"$in": list(uids)}}, {"uid": 1, "display_name": 1})
        .to_list(None)
    )
    return {doc["uid"]: doc["display_name"] for doc in docs if doc.get("display_name")}
