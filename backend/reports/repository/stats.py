"""reportStats: one aggregation over reports, a $match then one $facet per figure."""

from __future__ import annotations

from typing import Any

from backend.db import Database, Document
from backend.moderation.models import Stats, StatsFilter
from backend.reports.models import ReportStatus
from backend.reports.repository.documents import REPORTS


def _percentile(values: str, count: str, p: float) -> dict[str, Any]:
    """The element at floor(p * (n - 1)) of a sorted array (nearest-rank, lower), or null."""
    index = {"$floor": {"$multiply": [p, {"$subtract": [count, 1]}]}}
    return {"$cond": [{"$gt": [count, 0]}, {"$arrayElemAt": [values, index]}, None]}


def _durations(start: str, end: str, due: str) -> list[Document]:
    """Durations (ms) from `start` to `end`, sorted, with their percentiles and SLA share."""
    return [
        {"$match": {end: {"$type": "date"}}},
        {
            "$project": {
                "ms": {"$subtract": ["$" + end, "$" + start]},
                "within": {"$cond": [{"$lte": ["$" + end, "$" + due]}, 1, 0]},
            }
        },
        {"$sort": {"ms": 1}},
        {
            "$group": {
                "_id": None,
                "ms": {"$push": "$ms"},
                "n": {"$sum": 1},
                "w": {"$sum": "$within"},
            }
        },
        {
            "$project": {
                "n": 1,
                "w": 1,
                "median": _percentile("$ms", "$n", 0.5),
                "p90": _percentile("$ms", "$n", 0.9),
            }
        },
    ]


def stats_pipeline(criteria: StatsFilter) -> list[Document]:
    """The aggregation behind reportStats: one $match, then one $facet per figure."""
    match: dict[str, Any] = {}
    if criteria.start is not None or criteria.end is not None:
        created: dict[str, Any] = {}
        if criteria.start is not None:
            created["$gte"] = criteria.start
        if criteria.end is not None:
            created["$lt"] = criteria.end
        match["created_at"] = created
    for field, value in (
        ("area", criteria.area),
        ("department", criteria.department),
        ("category", criteria.category),
    ):
        if value is not None:
            match[field] = value
    if criteria.areas is not None and criteria.area is None:
        match["area"] = {"$in": sorted(criteria.areas)}
    count_by = lambda field: [{"$group": {"_id": "$" + field, "n": {"$sum": 1}}}]  # noqa: E731
    ever_resolved = {
        "$or": [{"$eq": ["$status", ReportStatus.RESOLVED.value]}, {"$gt": ["$reopen_count", 0]}]
    }
    return [
        {"$match": match},
        {
            "$facet": {
                "status": count_by("status"),
                "category": count_by("category"),
                "area": count_by("area"),
                "ack": _durations("created_at", "acknowledged_at", "ack_due_at"),
                "resolve": _durations("created_at", "resolved_at", "resolve_due_at"),
                "reopen": [
                    {
                        "$group": {
                            "_id": None,
                            "resolved": {"$sum": {"$cond": [ever_resolved, 1, 0]}},
                            "reopened": {"$sum": {"$cond": [{"$gt": ["$reopen_count", 0]}, 1, 0]}},
                        }
                    }
                ],
                "rating": [
                    {"$match": {"rating.stars": {"$gte": 1}}},
                    {"$group": {"_id": None, "avg": {"$avg": "$rating.stars"}}},
                ],
            }
        },
    ]


async def stats(db: Database, criteria: StatsFilter) -> Stats:
    """reportStats computed by the database; this only reads the one result document."""
    cursor = await db[REPORTS].aggregate(stats_pipeline(criteria))
    result = (await cursor.to_list(None))[0]

    def counts(name: str) -> dict[str, int]:
        return {str(row["_id"]): int(row["n"]) for row in result[name] if row["_id"] is not None}

    def seconds(rows: list[Document], key: str) -> float | None:
        value = rows[0].get(key) if rows else None
        return value / 1000 if value is not None else None

    def share(rows: list[Document]) -> float | None:
        return rows[0]["w"] / rows[0]["n"] if rows and rows[0]["n"] else None

    by_status = counts("status")
    reopen = result["reopen"][0] if result["reopen"] else {"resolved": 0, "reopened": 0}
    rating = result["rating"][0]["avg"] if result["rating"] else None
    return Stats(
        total=sum(by_status.values()),
        by_status=by_status,
        by_category=counts("category"),
        by_area=counts("area"),
        ack_median_s=seconds(result["ack"], "median"),
        ack_p90_s=seconds(result["ack"], "p90"),
        resolve_median_s=seconds(result["resolve"], "median"),
        resolve_p90_s=seconds(result["resolve"], "p90"),
        ack_within_sla=share(result["ack"]),
        resolve_within_sla=share(result["resolve"]),
        reopen_rate=reopen["reopened"] / reopen["resolved"] if reopen["resolved"] else None,
        average_rating=rating,
    )
