"""The `users` collection: app-side profile of a Firebase user (locale, preferences)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import ASCENDING, IndexModel

COLLECTION = "users"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [IndexModel([("uid", ASCENDING)], unique=True, name="uid_unique")],
}
