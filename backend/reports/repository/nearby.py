"""Reports nearest first: `$geoNear` on the location_category_status index (documents.py).

Used by reportsNearby and by duplicate suggestions while a resident files a report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bson import ObjectId

from backend import geo
from backend.db import Database
from backend.reports.models import OPEN_STATES, ReportDoc, ReportStatus
from backend.reports.repository.documents import LIST_PROJECTION, REPORTS, VISIBLE

# Our distances and the server's may differ in the last bits: re-read this much before a cursor.
DISTANCE_SLACK_M = 0.5


def nearby_filter(
    *,
    category: str | None = None,
    statuses: Sequence[ReportStatus] | None = None,
    exclude: ObjectId | None = None,
) -> dict[str, Any]:
    """What a nearby list keeps of the reports `$geoNear` finds (public, of a category...)."""
    query: dict[str, Any] = dict(VISIBLE)
    if category is not None:
        query["category"] = category
    if statuses is not None:
        query["status"] = {"$in": [status.value for status in statuses]}
    if exclude is not None:
        query["_id"] = {"$ne": exclude}
    return query


def nearby_pipeline(
    *,
    lng: float,
    lat: float,
    radius_m: float,
    min_distance_m: float = 0.0,
    query: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Reports within `radius_m`, nearest first (location_category_status serves `$geoNear`)."""
    return [
        geo.geo_near(
            lat=lat,
            lng=lng,
            key="location",
            query=query,
            max_meters=radius_m,
            min_meters=min_distance_m,
        ),
        {"$project": LIST_PROJECTION},
    ]


async def nearby(
    db: Database,
    *,
    lng: float,
    lat: float,
    radius_m: float,
    category: str | None,
    statuses: Sequence[ReportStatus] | None,
    after: tuple[float, ObjectId] | None,
    limit: int,
) -> list[tuple[ReportDoc, float]]:
    """Reports nearest first as (report, metres), ordered by (distance, _id), after a cursor.

    `$geoNear` returns documents by distance, so reading stops once the stream has passed the
    limit-th distance. Paging by distance: the next page asks for `minDistance` a little below the
    cursor's distance (so float noise between our distance and the server's loses nothing), then
    drops what sorts at or before the cursor's (distance, id). Ties at one spot are all read and
    ordered by id, so no report is skipped or repeated, however many share a distance.
    """
    min_distance = max(0.0, after[0] - DISTANCE_SLACK_M) if after else 0.0
    pipeline = nearby_pipeline(
        lng=lng,
        lat=lat,
        radius_m=radius_m,
        min_distance_m=min_distance,
        query=nearby_filter(category=category, statuses=statuses),
    )
    found: list[tuple[tuple[float, str], dict[str, Any]]] = []
    cursor = await db[REPORTS].aggregate(pipeline, batchSize=limit + 8)
    try:
        async for doc in cursor:
            lng2, lat2 = doc["location"]["coordinates"][:2]
            distance = geo.haversine_meters(lat1=lat, lng1=lng, lat2=lat2, lng2=lng2)
            key = (round(distance, 3), str(doc["_id"]))
            if after is not None and key <= (after[0], str(after[1])):
                continue
            if len(found) >= limit:
                # Enough read once the stream has passed the limit-th distance by the slack.
                kth = sorted(entry[0] for entry in found)[limit - 1][0]
                if key[0] > kth + DISTANCE_SLACK_M:
                    break
            found.append((key, doc))
    finally:
        await cursor.close()
    found.sort(key=lambda entry: entry[0])
    return [(ReportDoc.from_mongo(doc), key[0]) for key, doc in found[:limit]]


async def open_duplicates(
    db: Database,
    *,
    lng: float,
    lat: float,
    category: str,
    radius_m: float,
    exclude: ObjectId | None,
    limit: int,
) -> list[ReportDoc]:
    """Open reports of a category within a radius, nearest first."""
    query = nearby_filter(category=category, statuses=sorted(OPEN_STATES), exclude=exclude)
    pipeline = nearby_pipeline(lng=lng, lat=lat, radius_m=radius_m, query=query)
    docs = await (await db[REPORTS].aggregate([*pipeline, {"$limit": limit}])).to_list(None)
    return [ReportDoc.from_mongo(doc) for doc in docs]
