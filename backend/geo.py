"""Points, distances and nearest-first queries, once for every domain; keyword arguments only.

Distances are measured on the sphere MongoDB's 2dsphere index uses, so ours and the server's
agree to the last few bits. Nearest-first lists use the `$geoNear` aggregation stage: on MongoDB
it walks the 2dsphere index outwards and returns documents by distance; the embedded database
(SecantusDB) returns them by distance as well, while its `find` + `$near` returns them in
insertion order (a list that stopped reading early left out the nearest reports).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# MongoDB (and SecantusDB) measure 2dsphere distances on a sphere of this radius.
EARTH_RADIUS_METERS = 6_378_100.0
# The field `$geoNear` writes each document's distance to; lists never store it.
DISTANCE_FIELD = "_distance_m"


def point(*, lat: float, lng: float) -> dict[str, Any]:
    """A GeoJSON Point (which stores longitude first)."""
    return {"type": "Point", "coordinates": [lng, lat]}


def haversine_meters(*, lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(h)))


def offset(
    *, lat: float, lng: float, north_m: float = 0.0, east_m: float = 0.0
) -> tuple[float, float]:
    """The (lat, lng) `north_m` metres north and `east_m` metres east of a point."""
    dlat = math.degrees(north_m / EARTH_RADIUS_METERS)
    dlng = math.degrees(east_m / (EARTH_RADIUS_METERS * math.cos(math.radians(lat))))
    return lat + dlat, lng + dlng


def box_polygon(*, west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A GeoJSON polygon for a bounding box (closed ring, counter-clockwise)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def within(field: str, *, lat: float, lng: float, radius_m: float) -> dict[str, Any]:
    """A filter on `field`: within `radius_m` of a point (`$geoWithin`, 2dsphere-served)."""
    sphere = [[lng, lat], radius_m / EARTH_RADIUS_METERS]
    return {field: {"$geoWithin": {"$centerSphere": sphere}}}


def geo_near(
    *,
    lat: float,
    lng: float,
    key: str,
    query: Mapping[str, Any] | None = None,
    max_meters: float | None = None,
    min_meters: float = 0.0,
) -> dict[str, Any]:
    """A `$geoNear` stage: documents matching `query`, nearest first, distance in DISTANCE_FIELD.

    `key` names the 2dsphere-indexed field (required once a collection has several geo
    indexes); MongoDB refuses `$geoNear` without such an index, so the stage is index-served.
    """
    spec: dict[str, Any] = {
        "near": point(lat=lat, lng=lng),
        "distanceField": DISTANCE_FIELD,
        "key": key,
        "spherical": True,
        "query": dict(query or {}),
    }
    if max_meters is not None:
        spec["maxDistance"] = max_meters
    if min_meters > 0:
        spec["minDistance"] = min_meters
    return {"$geoNear": spec}


# -- Grid cells ------------------------------------------------------------------------------------
# A document can store the keys of the grid cells its point falls in, one per level, under an
# ordinary ascending index, so "the points in these cells" is an equality (`$in`) on one indexed
# field: every server serves that from the index, which the embedded database does not do for
# `$geoNear` / `$near` (it scans the collection; bench/RESULTS.md). The grid is regular in degrees
# (rows of latitude, columns of longitude, no wrap at ±180°: Hanoi is far from it), each level's
# cells 4x the side of the one before: about 148 m, 594 m and 2.4 km of latitude (at Hanoi's
# latitude a cell is 0.93 as wide as high).
GRID_LEVELS = (1, 2, 3)
_CELLS_PER_DEGREE = {1: 750.0, 2: 187.5, 3: 46.875}
# A key is level * 10^12 + row * 10^6 + column (rows < 135,000 and columns < 270,000 at level 1).
_LEVEL_FACTOR = 10**12
_ROW_FACTOR = 10**6


@dataclass(frozen=True, slots=True)
class GridCell:
    """One cell of a level, with bounds on the distance from a query point to any point in it."""

    key: int
    near_m: float  # no point of the cell is nearer than this
    far_m: float  # nor farther than this


def grid_cell_side_m(level: int) -> float:
    """The height of a cell of `level` in metres (its width is that times cos(latitude))."""
    return math.radians(1.0 / _CELLS_PER_DEGREE[level]) * EARTH_RADIUS_METERS


def grid_cell(*, lat: float, lng: float, level: int) -> int:
    """The key of the cell of `level` holding a point."""
    per_degree = _CELLS_PER_DEGREE[level]
    row = math.floor((lat + 90.0) * per_degree)
    column = math.floor((lng + 180.0) * per_degree)
    return level * _LEVEL_FACTOR + row * _ROW_FACTOR + column


def grid_cells(*, lat: float, lng: float) -> list[int]:
    """The keys of the cells holding a point, one per level (what a document stores)."""
    return [grid_cell(lat=lat, lng=lng, level=level) for level in GRID_LEVELS]


def grid_cells_within(*, lat: float, lng: float, level: int, radius_m: float) -> list[GridCell]:
    """The cells of `level` that may hold a point within `radius_m` of (lat, lng), nearest first.

    `near_m` and `far_m` bound the haversine distance from (lat, lng) to every point of a cell
    from below and above (no approximation: a point `near_m` away is never missed).
    """
    per_degree = _CELLS_PER_DEGREE[level]
    reach_deg = math.degrees(radius_m / EARTH_RADIUS_METERS)
    first_row = math.floor((max(-90.0, lat - reach_deg) + 90.0) * per_degree)
    last_row = math.floor((min(90.0, lat + reach_deg) + 90.0) * per_degree)
    # A point within `radius_m` differs by at most this in longitude (haversine, both cosines
    # at least that of the latitude farthest from the equator it can have).
    span_deg = 180.0
    if abs(lat) + reach_deg < 90.0:
        cos_far = math.cos(math.radians(abs(lat) + reach_deg))
        ratio = math.sin(radius_m / EARTH_RADIUS_METERS / 2) / cos_far
        span_deg = 180.0 if ratio >= 1.0 else math.degrees(2 * math.asin(ratio))
    first_column = math.floor((lng - span_deg + 180.0) * per_degree)
    last_column = math.floor((lng + span_deg + 180.0) * per_degree)
    cos_lat = math.cos(math.radians(lat))
    cells = []
    for row in range(first_row, last_row + 1):
        south, north = row / per_degree - 90.0, (row + 1) / per_degree - 90.0
        near_lat = max(0.0, south - lat, lat - north)
        far_lat = max(abs(south - lat), abs(north - lat))
        cos_low = min(math.cos(math.radians(south)), math.cos(math.radians(north)))
        cos_high = (
            1.0
            if south <= 0.0 <= north
            else max(math.cos(math.radians(south)), math.cos(math.radians(north)))
        )
        for column in range(first_column, last_column + 1):
            west, east = column / per_degree - 180.0, (column + 1) / per_degree - 180.0
            near_lng = max(0.0, west - lng, lng - east)
            far_lng = max(abs(west - lng), abs(east - lng))
            near = _haversine_bound(near_lat, near_lng, cos_lat * cos_low)
            if near > radius_m:
                continue
            far = _haversine_bound(far_lat, far_lng, cos_lat * cos_high)
            key = level * _LEVEL_FACTOR + row * _ROW_FACTOR + column
            cells.append(GridCell(key=key, near_m=near, far_m=far))
    cells.sort(key=lambda cell: (cell.near_m, cell.key))
    return cells


def _haversine_bound(dlat_deg: float, dlng_deg: float, cos_product: float) -> float:
    """The haversine distance for these differences, with cos(lat1) * cos(lat2) given.

    The haversine grows with |dlat|, |dlng| and the cosines' product, so lower (upper) bounds
    of the three give a lower (upper) bound of the distance.
    """
    h = (
        math.sin(math.radians(dlat_deg) / 2) ** 2
        + cos_product * math.sin(math.radians(min(180.0, dlng_deg)) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(h)))
