"""Reports nearest first, read cell by cell through the `location_cells` index (documents.py).

Used by reportsNearby and by duplicate suggestions while a resident files a report.

Every report stores the keys of the grid cells its location falls in, one per level (about
148 m, 594 m and 2.4 km; `backend.geo` grid cells, written by `ReportDoc.to_mongo`). A search
reads outwards from the point: each read is one `find` on that field alone (`$in` of cell keys),
which every server answers from the index, where the embedded database answers `$geoNear` and
`$near` with a collection scan (bench/RESULTS.md). Distances are ours (haversine, as `$geoNear`
measures them), and hidden / category / status are checked here on what comes back, because
SecantusDB's planner uses an index only when every predicate is on a prefix of its keys.

A read covers a distance: it takes every cell not read yet whose nearest point is within that
reach, so afterwards no unread report is nearer. The first reach is one 148 m cell side; each
next one goes as far as the density read so far says a page needs (with a margin, the area read
growing 2 to 16 times), and a read that would take more than `MAX_CELLS_PER_READ` new cells
takes them from the next level up (4x the side). So the dense centre is usually one or two reads
of a few dozen small cells, and an empty 5 km disc in an outer commune four reads of at most
64 cells each. Reading stops once the page is full and its last distance is nearer than the
reach, or at `radius_m` (no cell beyond it is ever read). Reports stored before the cells existed
match the null key, which the first read asks for as well: found, at a cost that
`backend.reports.migration` brings to nothing.

Order and paging are those of `$geoNear` (`nearby_pipeline` below, MongoDB's own way, kept as
the reference): by (distance rounded to the millimetre, id), after a (distance, id) cursor, ties
at one spot all returned in id order.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bson import ObjectId
from pymongo import UpdateOne

from backend import geo
from backend.db import Database, batched
from backend.reports.models import OPEN_STATES, ReportDoc, ReportStatus
from backend.reports.repository.documents import (
    LIST_PROJECTION,
    LOCATION_CELLS,
    REPORTS,
    VISIBLE,
)

CELLS = LOCATION_CELLS
# A read of more new cells than this moves to the next, coarser level instead.
MAX_CELLS_PER_READ = 64
# Each read after the first covers this many times the area read so far (at least, at most),
AREA_GROWTH = (2.0, 16.0)
# aiming at this many times the area the density read so far says a page needs.
AREA_MARGIN = 1.3
# A cell that ends this much before a page's cursor holds nothing for the page: not read.
DISTANCE_SLACK_M = 0.5
# Our cell bounds and our distances are both exact to well below this (metres).
_EPS_M = 0.001


@dataclass(frozen=True, kw_only=True)
class NearbyFilter:
    """What a nearby list keeps of the reports around the point (checked on each document)."""

    category: str | None = None
    statuses: frozenset[str] | None = None
    exclude: ObjectId | None = None

    def keeps(self, doc: Mapping[str, Any]) -> bool:
        return (
            doc.get("hidden") is not True
            and (self.category is None or doc.get("category") == self.category)
            and (self.statuses is None or doc.get("status") in self.statuses)
            and doc["_id"] != self.exclude
        )


@dataclass(frozen=True)
class NearbyPage:
    """A search's page as (report, metres), and the filter of each `find` it sent (explain)."""

    found: list[tuple[ReportDoc, float]]
    reads: list[dict[str, Any]] = field(default_factory=list)


def cells_filter(keys: Sequence[int | None]) -> dict[str, Any]:
    """The reports in these cells (None: the reports stored without cells)."""
    return {CELLS: {"$in": list(keys)}}


async def nearest(
    db: Database,
    *,
    lng: float,
    lat: float,
    radius_m: float,
    only: NearbyFilter,
    after: tuple[float, ObjectId] | None,
    limit: int,
) -> NearbyPage:
    """Reports within `radius_m` kept by `only`, ordered by (distance, _id), after a cursor."""
    if limit < 1:
        return NearbyPage([])
    found: dict[ObjectId, tuple[tuple[float, str], dict[str, Any]]] = {}
    cursor = (after[0], str(after[1])) if after is not None else None
    start = max(0.0, after[0] - DISTANCE_SLACK_M) if after is not None else 0.0
    read: set[int] = set()
    reads: list[dict[str, Any]] = []
    level = 0
    target = min(radius_m, start + geo.grid_cell_side_m(geo.GRID_LEVELS[0]))
    while True:
        cells = [
            cell
            for cell in geo.grid_cells_within(
                lat=lat, lng=lng, level=geo.GRID_LEVELS[level], radius_m=target
            )
            if cell.key not in read
        ]
        if len(cells) > MAX_CELLS_PER_READ and level + 1 < len(geo.GRID_LEVELS):
            level += 1
            continue
        read.update(cell.key for cell in cells)
        keys: list[int | None] = [cell.key for cell in cells if cell.far_m >= start]
        if not reads:
            keys.append(None)
        if keys:
            reads.append(cells_filter(keys))
            async for doc in db[REPORTS].find(reads[-1], LIST_PROJECTION):
                point = _point(doc)
                if point is None:  # (none written by reportCreate; such a report has no place)
                    continue
                distance = geo.haversine_meters(lat1=lat, lng1=lng, lat2=point[0], lng2=point[1])
                key = (round(distance, 3), str(doc["_id"]))
                if distance <= radius_m and only.keeps(doc) and (cursor is None or key > cursor):
                    found[doc["_id"]] = (key, doc)
        reach = target
        ranked = sorted(key for key, _ in found.values())
        if reach >= radius_m or (len(ranked) >= limit and ranked[limit - 1][0] < reach - _EPS_M):
            break
        # Every report nearer than `reach` has been read: how many were kept says how far to go.
        within = sum(1 for key in ranked if key[0] <= reach)
        target = min(radius_m, _next_reach(start, reach, within=within, limit=limit))
    page = sorted(found.values(), key=lambda entry: entry[0])[:limit]
    return NearbyPage([(ReportDoc.from_mongo(doc), key[0]) for key, doc in page], reads)


def _point(doc: Mapping[str, Any]) -> tuple[float, float] | None:
    """A report's (lat, lng), or None when it has no GeoJSON point."""
    location = doc.get("location")
    coordinates = location.get("coordinates") if isinstance(location, Mapping) else None
    if not isinstance(coordinates, Sequence) or len(coordinates) < 2:
        return None
    return float(coordinates[1]), float(coordinates[0])


def _next_reach(start: float, reach: float, *, within: int, limit: int) -> float:
    """How far the next read goes: as far as the density read so far says `limit` reports are
    (with a margin), the ring from `start` to the reach growing 2 to 16 times in area."""
    ring = reach**2 - start**2
    growth = AREA_GROWTH[1] if within == 0 else AREA_MARGIN * limit / within
    growth = min(AREA_GROWTH[1], max(AREA_GROWTH[0], growth))
    return math.sqrt(start**2 + ring * growth)


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
    """Public reports nearest first as (report, metres), ordered by (distance, _id), after a
    cursor."""
    only = NearbyFilter(
        category=category,
        statuses=frozenset(status.value for status in statuses) if statuses is not None else None,
    )
    page = await nearest(
        db, lng=lng, lat=lat, radius_m=radius_m, only=only, after=after, limit=limit
    )
    return page.found


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
    """Open public reports of a category within a radius, nearest first."""
    only = NearbyFilter(
        category=category,
        statuses=frozenset(status.value for status in OPEN_STATES),
        exclude=exclude,
    )
    page = await nearest(
        db, lng=lng, lat=lat, radius_m=radius_m, only=only, after=None, limit=limit
    )
    return [doc for doc, _ in page.found]


# --- the same list as one `$geoNear` stage: MongoDB's way, the reference for tests and benches --


def nearby_filter(
    *,
    category: str | None = None,
    statuses: Sequence[ReportStatus] | None = None,
    exclude: ObjectId | None = None,
) -> dict[str, Any]:
    """The `$geoNear` query of a nearby list (public, of a category...)."""
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
    """Reports within `radius_m`, nearest first, as one `$geoNear` stage (2dsphere-served on
    MongoDB; SecantusDB scans the collection for it)."""
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


# --- the backfill of `location_cells` (backend.reports.migration) ---------------------------------


async def reports_without_cells(
    db: Database, *, batch: int
) -> AsyncIterator[list[tuple[ObjectId, tuple[float, float] | None]]]:
    """Reports stored without `location_cells`, as (id, (lat, lng) or None), in batches of
    `batch` from one cursor (served by the index: a missing field is its null key)."""
    cursor = db[REPORTS].find({CELLS: None}, {"location": 1}, batch_size=batch)
    async for chunk in batched(cursor, batch, _id_and_point):
        yield chunk


def _id_and_point(doc: Mapping[str, Any]) -> tuple[ObjectId, tuple[float, float] | None]:
    return doc["_id"], _point(doc)


async def set_location_cells(db: Database, cells: Sequence[tuple[ObjectId, list[int]]]) -> int:
    """Store each report's cells where it still has none, one bulk write; returns how many."""
    if not cells:
        return 0
    requests = [
        UpdateOne({"_id": report_id, CELLS: None}, {"$set": {CELLS: keys}})
        for report_id, keys in cells
    ]
    result = await db[REPORTS].bulk_write(requests, ordered=False)
    return int(result.modified_count)
