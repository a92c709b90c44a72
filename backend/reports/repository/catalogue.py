"""Categories and departments: content loaded from content/reports/*.json, read by every domain.

A few dozen documents each, read by `_id` or all at once, so they need no index of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import orjson
from pymongo import ASCENDING, IndexModel

from backend.db import Database, Document
from backend.reports.models import CategoryDoc

CATEGORIES = "categories"
DEPARTMENTS = "departments"

INDEXES: Mapping[str, Sequence[IndexModel]] = {CATEGORIES: [], DEPARTMENTS: []}


async def list_categories(db: Database) -> list[CategoryDoc]:
    """Every category, in content order."""
    docs = await db[CATEGORIES].find({}).sort("position", ASCENDING).to_list(None)
    return [CategoryDoc.from_mongo(doc) for doc in docs]


async def get_category(db: Database, category_id: str) -> CategoryDoc | None:
    """One category by slug."""
    doc = await db[CATEGORIES].find_one({"_id": category_id})
    return CategoryDoc.from_mongo(doc) if doc else None


async def category_documents(db: Database) -> list[Document]:
    """Categories as stored, in content order, with the content fields Open311 and open data
    show (description, keywords, attributes) that `CategoryDoc` does not carry."""
    return await db[CATEGORIES].find({}).sort("position", ASCENDING).to_list(None)


async def department_exists(db: Database, slug: str) -> bool:
    return await db[DEPARTMENTS].find_one({"_id": slug}, {"_id": 1}) is not None


async def department_names(
    db: Database, slugs: Sequence[str] | None = None
) -> dict[str, dict[str, str]]:
    """Department slug -> name by language (every department, or these)."""
    query: Document = {} if slugs is None else {"_id": {"$in": list(slugs)}}
    docs = await db[DEPARTMENTS].find(query, {"name": 1}).to_list(None)
    return {doc["_id"]: dict(doc.get("name") or {}) for doc in docs}


async def load_content(db: Database, content_dir: Path) -> int:
    """Replace seeded categories and departments with content/reports/*.json."""
    written = 0
    for collection, filename, key in (
        (DEPARTMENTS, "departments.json", "departments"),
        (CATEGORIES, "categories.json", "categories"),
    ):
        path = content_dir / "reports" / filename
        if not path.exists():
            continue
        items = orjson.loads(path.read_bytes())[key]
        for position, item in enumerate(items):
            body = {k: v for k, v in item.items() if k != "slug"}
            body.update(position=position, seeded=True)
            await db[collection].replace_one({"_id": item["slug"]}, body, upsert=True)
        slugs = [item["slug"] for item in items]
        await db[collection].delete_many({"seeded": True, "_id": {"$nin": slugs}})
        written += len(items)
    return written
