"""Map clusters of places: points in a box grouped on a grid whose cell shrinks as the map zooms
in. The database path (`poi_clusters`) and the snapshot's (`memory.poi_clusters`) read their
points differently and share the zoom check, the grid and the grouping."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backend.db import Database
from backend.errors import DomainError
from backend.tourism import repository as tourism_repository
from backend.tourism.models import TourismErrorCode

if TYPE_CHECKING:
    from backend.tourism.service import BBox

# At most this many points are read per request, whatever the box.
MAX_CLUSTER_POINTS = 2_000
CELLS_PER_TILE = 4
MAX_ZOOM = 22


@dataclass(frozen=True)
class Cluster:
    lat: float
    lng: float
    count: int
    poi_id: str | None


@dataclass(frozen=True)
class Clusters:
    clusters: list[Cluster]
    truncated: bool
    cell_degrees: float


def cluster_cell(zoom: int) -> float:
    """The grid's cell in degrees at this zoom (INVALID outside 0..MAX_ZOOM)."""
    if not 0 <= zoom <= MAX_ZOOM:
        raise DomainError(
            TourismErrorCode.INVALID,
            en=f"zoom must be between 0 and {MAX_ZOOM}",
            vi=f"zoom phải từ 0 đến {MAX_ZOOM}",
            field="zoom",
        )
    return 360.0 / (2**zoom) / CELLS_PER_TILE


async def poi_clusters(*, db: Database, bbox: BBox, zoom: int) -> Clusters:
    """POIs in a box, clustered (a bounded read of the database)."""
    bbox.check("bbox")
    cell = cluster_cell(zoom)
    points = await tourism_repository.points_within(
        db,
        west=bbox.west,
        south=bbox.south,
        east=bbox.east,
        north=bbox.north,
        limit=MAX_CLUSTER_POINTS + 1,
    )
    located = []
    for doc in points:
        lng, lat = doc["location"]["coordinates"]
        located.append((lat, lng, str(doc["_id"])))
    return cluster_points(located, cell=cell)


def cluster_points(points: Sequence[tuple[float, float, str]], *, cell: float) -> Clusters:
    """(lat, lng, id) points, at most MAX_CLUSTER_POINTS + 1 of them, grouped on the grid."""
    truncated = len(points) > MAX_CLUSTER_POINTS
    cells: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    # By id, so a centre's sum is added in one order whichever path read the points.
    for lat, lng, poi_id in sorted(points[:MAX_CLUSTER_POINTS], key=lambda p: p[2]):
        # A grid anchored at (0, 0), not at the box, so clusters do not jump as the map pans.
        cells.setdefault((math.floor(lat / cell), math.floor(lng / cell)), []).append(
            (lat, lng, poi_id)
        )
    clusters = [
        Cluster(
            lat=sum(p[0] for p in members) / len(members),
            lng=sum(p[1] for p in members) / len(members),
            count=len(members),
            poi_id=members[0][2] if len(members) == 1 else None,
        )
        for members in cells.values()
    ]
    clusters.sort(key=lambda c: (-c.count, c.lat, c.lng))
    return Clusters(clusters=clusters, truncated=truncated, cell_degrees=cell)
