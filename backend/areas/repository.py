"""The `areas` collection: polygons on a 2dsphere index, point-in-polygon, and the content loader.

A point is located with `$geoIntersects` (index-served). The city's polygons are approximate, so a
point in a gap between them, or just outside the outline, gets the nearest area within
`NEAREST_AREA_METERS`; candidates come from the index (areas meeting a box around the point) and
only their edges are measured here. Farther than that is outside the city.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
from pymongo import ASCENDING, GEOSPHERE, IndexModel

from backend.areas.models import AreaDoc
from backend.db import Database

COLLECTION = "areas"
INDEXES: Mapping[str, Sequence[IndexModel]] = {
    COLLECTION: [
        IndexModel([("geometry", GEOSPHERE)], name="geometry_2dsphere"),
        IndexModel([("kind", ASCENDING)], name="kind"),
    ],
}
NEAREST_AREA_METERS = 2_000.0
EARTH_RADIUS_M = 6_378_100.0  # MongoDB's spherical radius, so our distances match its own
CONTENT_FILE = Path("areas") / "hanoi.geojson"


def point(lng: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lng, lat]}


def _box(lng: float, lat: float, meters: float) -> dict[str, Any]:
    dlat = math.degrees(meters / EARTH_RADIUS_M)
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    ring = [
        [lng - dlng, lat - dlat],
        [lng + dlng, lat - dlat],
        [lng + dlng, lat + dlat],
        [lng - dlng, lat + dlat],
        [lng - dlng, lat - dlat],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _rings(geometry: Mapping[str, Any]) -> Iterator[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def distance_to_boundary(geometry: Mapping[str, Any], lng: float, lat: float) -> float:
    """Metres from a point to the nearest edge (local equirectangular projection: km scale)."""
    scale_y = math.radians(1) * EARTH_RADIUS_M
    scale_x = scale_y * math.cos(math.radians(lat))
    best = math.inf
    for ring in _rings(geometry):
        pts = [((x - lng) * scale_x, (y - lat) * scale_y) for x, y, *_ in ring]
        for (ax, ay), (bx, by) in itertools.pairwise(pts):
            dx, dy = bx - ax, by - ay
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


async def locate(db: Database, *, lng: float, lat: float) -> AreaDoc | None:
    """The area containing the point, else the nearest within 2 km, else None (outside)."""
    collection = db[COLLECTION]
    containing = await collection.find(
        {"geometry": {"$geoIntersects": {"$geometry": point(lng, lat)}}}
    ).to_list(10)
    if containing:
        # A point on a shared boundary is in both: pick one deterministically.
        return AreaDoc.from_mongo(min(containing, key=lambda doc: doc["_id"]))
    candidates = await collection.find(
        {"geometry": {"$geoIntersects": {"$geometry": _box(lng, lat, NEAREST_AREA_METERS)}}}
    ).to_list(50)
    measured = [
        (distance_to_boundary(doc["geometry"], lng, lat), doc["_id"], doc) for doc in candidates
    ]
    measured = [entry for entry in measured if entry[0] <= NEAREST_AREA_METERS]
    if not measured:
        return None
    return AreaDoc.from_mongo(min(measured, key=lambda entry: (entry[0], entry[1]))[2])


async def get_many(db: Database, ids: Sequence[str]) -> list[AreaDoc]:
    """Areas by id (slug), in no particular order."""
    docs = await db[COLLECTION].find({"_id": {"$in": list(ids)}}).to_list(None)
    return [AreaDoc.from_mongo(doc) for doc in docs]


async def load_content(db: Database, content_dir: Path) -> int:
    """Replace the seeded areas with the GeoJSON file's features (one document per feature)."""
    path = content_dir / CONTENT_FILE
    if not path.exists():
        return 0
    features = orjson.loads(path.read_bytes())["features"]
    slugs = []
    for feature in features:
        props = feature["properties"]
        slugs.append(props["slug"])
        await db[COLLECTION].replace_one(
            {"_id": props["slug"]},
            {
                "name": props["name"],
                "kind": props.get("kind", "area"),
                "source": props.get("source"),
                "geometry": feature["geometry"],
                "seeded": True,
            },
            upsert=True,
        )
    await db[COLLECTION].delete_many({"seeded": True, "_id": {"$nin": slugs}})
    return len(slugs)
