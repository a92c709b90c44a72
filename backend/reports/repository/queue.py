"""The moderation queue's reads on reports, and the queue's twenty indexes on that collection.

SecantusDB's planner uses an index only when every predicate sits on a contiguous prefix of its
keys (equalities, then at most one range); any other predicate, `$or`, or an `$in` followed by a
range makes it scan the collection. So the queue sends only index-prefix predicates (status,
department or area, then the sort key and `_id`), a cursor becomes two queries instead of an
`$or` (ties on the sort key by `_id`, then the rest by the key), and the other filters are
checked by the service on what comes back, with a bounded number of documents read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel

from backend.db import Database
from backend.moderation.models import SORT_FIELDS, QueueSort
from backend.reports.models import ReportDoc, ReportStatus
from backend.reports.repository.documents import LIST_PROJECTION, REPORTS

# The queue's drivers: a status equality, optionally after a department or an area equality.
QUEUE_PREFIXES: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("category", "status"),
    ("department", "status"),
    ("area", "status"),
    ("assignee", "status"),
)


def _queue_indexes() -> list[IndexModel]:
    models = []
    for prefix in QUEUE_PREFIXES:
        for sort in SORT_FIELDS:
            key = SORT_FIELDS[sort]
            keys = [(name, ASCENDING) for name in prefix] + [(key, ASCENDING), ("_id", ASCENDING)]
            models.append(IndexModel(keys, name="queue_" + "_".join([*prefix, key])))
        # URGENCY: the priority is one more equality, then the deadline.
        keys = [(name, ASCENDING) for name in (*prefix, "priority", "sla_due_at", "_id")]
        models.append(IndexModel(keys, name="queue_" + "_".join([*prefix, "priority_sla"])))
    return models


INDEXES: Mapping[str, Sequence[IndexModel]] = {
    # Twenty indexes for 5 drivers x 4 sorts (both directions walk the same index).
    REPORTS: _queue_indexes(),
}


@dataclass(frozen=True, kw_only=True)
class QueueQuery:
    """One index-served find: `filter` sorted by `sort` (for explain in tests too)."""

    filter: dict[str, Any]
    sort: list[tuple[str, int]]


def sort_key(sort: QueueSort) -> str:
    """The stored field a sort reads (URGENCY: the deadline, read within one priority that the
    service puts in the prefix)."""
    return SORT_FIELDS.get(sort, "sla_due_at")


def sort_value(doc: ReportDoc, sort: QueueSort) -> Any:
    return getattr(doc, sort_key(sort))


def queue_queries(
    *,
    prefix: Mapping[str, str],
    statuses: Sequence[ReportStatus],
    sort: QueueSort,
    descending: bool,
    after: tuple[Any, ObjectId] | None,
) -> list[QueueQuery]:
    """The finds of one queue batch: per status, and per side of the cursor (no `$or`)."""
    key = sort_key(sort)
    direction = DESCENDING if descending else ASCENDING
    past = "$lt" if descending else "$gt"
    queries = []
    for status in statuses:
        base: dict[str, Any] = {**prefix, "status": status.value}
        if after is None:
            queries.append(QueueQuery(filter=base, sort=[(key, direction), ("_id", direction)]))
            continue
        value, last_id = after
        queries.append(
            QueueQuery(
                filter={**base, key: value, "_id": {past: last_id}}, sort=[("_id", direction)]
            )
        )
        queries.append(
            QueueQuery(
                filter={**base, key: {past: value}}, sort=[(key, direction), ("_id", direction)]
            )
        )
    return queries


async def queue_batch(
    db: Database,
    *,
    prefix: Mapping[str, str],
    statuses: Sequence[ReportStatus],
    sort: QueueSort,
    descending: bool,
    after: tuple[Any, ObjectId] | None,
    limit: int,
) -> list[ReportDoc]:
    """The next `limit` reports in queue order after a (sort value, id) cursor."""
    found: dict[ObjectId, ReportDoc] = {}
    for query in queue_queries(
        prefix=prefix, statuses=statuses, sort=sort, descending=descending, after=after
    ):
        docs = await (
            db[REPORTS]
            .find(query.filter, LIST_PROJECTION)
            .sort(query.sort)
            .limit(limit)
            .to_list(None)
        )
        for doc in docs:
            found[doc["_id"]] = ReportDoc.from_mongo(doc)
    ordered = sorted(
        found.values(), key=lambda doc: (sort_value(doc, sort), doc.id), reverse=descending
    )
    return ordered[:limit]


async def text_candidates(db: Database, word: str, limit: int) -> list[ReportDoc]:
    """Reports with a search term starting with `word`: one range on the multikey index."""
    bounds = {"$gte": word, "$lt": word[:-1] + chr(ord(word[-1]) + 1)}
    docs = await db[REPORTS].find({"search_terms": bounds}).limit(limit).to_list(None)
    return [ReportDoc.from_mongo(doc) for doc in docs]
