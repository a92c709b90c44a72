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
