"""The areas migration's reads and rewrites of a list of area ids (backend.areas.migration).

Preferences and alerts list area ids; their modules pass their own collection and field here, so
this module names no collection. The superseded list is kept in `legacy_area_ids`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from pymongo import UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from backend.db import Document, batched


async def listing(
    collection: AsyncCollection[Document],
    field: str,
    area_ids: Sequence[str],
    *,
    batch: int,
    also: Mapping[str, Any] | None = None,
) -> AsyncIterator[list[tuple[Any, list[str]]]]:
    """Documents whose `field` lists any of these areas, as (id, the list), in batches."""
    if not area_ids:
        return
    query = {field: {"$in": list(area_ids)}, **(also or {})}
    parts = field.split(".")

    def entry(doc: Document) -> tuple[Any, list[str]]:
        value: Any = doc
        for part in parts:
            value = value[part]
        return doc["_id"], list(value)

    cursor = collection.find(query, {field: 1}, batch_size=batch)
    async for chunk in batched(cursor, batch, entry):
        yield chunk


async def replace(
    collection: AsyncCollection[Document],
    field: str,
    changes: Sequence[tuple[Any, list[str], list[str]]],
) -> int:
    """(id, area ids as read, new area ids) each, in one bulk write; a list changed since it
    was read is left alone. Returns how many documents changed."""
    if not changes:
        return 0
    result = await collection.bulk_write(
        [
            UpdateOne(
                {"_id": doc_id, field: former},
                {"$set": {field: new, "legacy_area_ids": former}},
            )
            for doc_id, former, new in changes
        ],
        ordered=False,
    )
    return int(result.modified_count)
