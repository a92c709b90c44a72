"""Great-circle helpers, on the same sphere MongoDB's 2dsphere index uses."""

from __future__ import annotations

import math

# MongoDB (and SecantusDB) measure 2dsphere distances on a sphere of this radius.
EARTH_RADIUS_METERS = 6_378_100.0


def haversine_meters(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance in metres between two points along the sphere."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(a)))


def offset(
    lat: float, lng: float, *, north_m: float = 0.0, east_m: float = 0.0
) -> tuple[float, float]:
    """The point `north_m` metres north and `east_m` metres east of (lat, lng)."""
    dlat = math.degrees(north_m / EARTH_RADIUS_METERS)
    dlng = math.degrees(east_m / (EARTH_RADIUS_METERS * math.cos(math.radians(lat))))
    return lat + dlat, lng + dlng


def point(lat: float, lng: float) -> dict[str, object]:
    """A GeoJSON Point (longitude first)."""
    return {"type": "Point", "coordinates": [lng, lat]}


def box_polygon(west: float, south: float, east: float, north: float) -> dict[str, object]:
    """A GeoJSON polygon for a bounding box (closed ring, counter-clockwise)."""
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}
