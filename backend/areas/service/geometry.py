"""Plane geometry for checking official boundaries before they are stored: a unit's area, the
area two units share, and whether a unit's edges cross. Plain Python, because GEOS (shapely) is
no dependency of the app, and an import runs these once over some hundred thousand vertices.

Positions are projected onto Lambert's cylindrical equal-area projection, standard parallel
through Hanoi, origin at its centre: areas come out in square metres, exact on the sphere
MongoDB measures on, and coordinates stay under 10^5 m, where a double resolves 10^-11 m.
Edges are straight in this plane and great circles in MongoDB; over a 10 km edge the two part
by under a metre, far below the overlap tolerance.

Everything is one plane sweep. Between two consecutive vertex heights (a slab) no edge starts or
ends, so unless edges cross inside it, the length of a horizontal cut through a region, or
through the part two regions share, changes linearly with the height, and the slab's area is its
height times the cut at mid-height. Crossings found inside a slab split it further. Cuts count
edges even-odd, so shells, holes and shared boundaries need no special cases: where two units
share an edge, both cut it at the same x, and what they have in common there has no length.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

from backend.geo import EARTH_RADIUS_METERS

# Hanoi's centre: the projection's origin and standard parallel.
ORIGIN_LAT = 21.0
ORIGIN_LNG = 105.85
_COS_ORIGIN = math.cos(math.radians(ORIGIN_LAT))
_SIN_ORIGIN = math.sin(math.radians(ORIGIN_LAT))
# Two x within a micrometre are the same x: far above rounding (10^-10 m here), far below any
# digitised detail (official coordinates carry 10^-7 degrees, about a centimetre).
EPS_M = 1e-6

Point = tuple[float, float]
# (x_low, y_low, x_high, y_high): an edge from its lower end up; horizontal edges are left out,
# since a horizontal cut never crosses one.
Edge = tuple[float, float, float, float]


def project(*, lng: float, lat: float) -> Point:
    """(x, y) in metres east and north of Hanoi's centre, on the equal-area plane."""
    x = EARTH_RADIUS_METERS * math.radians(lng - ORIGIN_LNG) * _COS_ORIGIN
    y = EARTH_RADIUS_METERS * (math.sin(math.radians(lat)) - _SIN_ORIGIN) / _COS_ORIGIN
    return x, y


def unproject(point: Point) -> tuple[float, float]:
    """(lat, lng) of a plane point, for messages."""
    x, y = point
    sin_lat = max(-1.0, min(1.0, y * _COS_ORIGIN / EARTH_RADIUS_METERS + _SIN_ORIGIN))
    lng = ORIGIN_LNG + math.degrees(x / (EARTH_RADIUS_METERS * _COS_ORIGIN))
    return math.degrees(math.asin(sin_lat)), lng


def ring_area(ring: Sequence[Point]) -> float:
    """The signed area of a closed ring (shoelace): positive counter-clockwise."""
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in pairwise(ring)) / 2.0


@dataclass(frozen=True)
class Region:
    """A unit's rings in the plane (shells and holes alike): edges bottom-up, bounding box."""

    edges: tuple[Edge, ...]  # sorted by lower y
    box: tuple[float, float, float, float]  # west, south, east, north

    @classmethod
    def of(cls, rings: Sequence[Sequence[Point]]) -> Region:
        edges: list[Edge] = []
        for ring in rings:
            for (x0, y0), (x1, y1) in pairwise(ring):
                if y0 < y1:
                    edges.append((x0, y0, x1, y1))
                elif y1 < y0:
                    edges.append((x1, y1, x0, y0))
        edges.sort(key=lambda edge: edge[1])
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        return cls(tuple(edges), (min(xs), min(ys), max(xs), max(ys)))

    def meets_box(self, other: Region) -> bool:
        """Whether the bounding boxes share more than a line (a cheap test before the sweep)."""
        west, south, east, north = self.box
        o_west, o_south, o_east, o_north = other.box
        return west < o_east and o_west < east and south < o_north and o_south < north


def inspect(region: Region) -> tuple[float, Point | None]:
    """The region's area in m², and a point where two of its edges cross or run along each
    other (None when none do)."""
    heights = sorted({edge[1] for edge in region.edges} | {edge[3] for edge in region.edges})
    area = 0.0
    for bottom, top, active in _slabs(region.edges, heights):
        # In x order at the bottom, edges that do not cross keep their order up to the top.
        order = sorted(active, key=lambda edge: (_x_at(edge, bottom), _x_at(edge, top)))
        for left, right in pairwise(order):
            below = _x_at(right, bottom) - _x_at(left, bottom)
            above = _x_at(right, top) - _x_at(left, top)
            if above < -EPS_M:
                height = bottom + (top - bottom) * below / (below - above)
                return area, (_x_at(left, height), height)
            if below <= EPS_M and above <= EPS_M:
                return area, (_x_at(left, bottom), bottom)
        area += (top - bottom) * _length(_cut(active, (bottom + top) / 2))
    return area, None


def overlap_area(first: Region, second: Region) -> float:
    """The area in m² inside both regions (0 for neighbours that only share edges)."""
    if not first.meets_box(second):
        return 0.0
    south = max(first.box[1], second.box[1])
    north = min(first.box[3], second.box[3])
    ends = chain.from_iterable((edge[1], edge[3]) for edge in chain(first.edges, second.edges))
    heights = sorted({south, north} | {y for y in ends if south < y < north})
    total = 0.0
    for (bottom, top, in_first), (_, _, in_second) in zip(
        _slabs(first.edges, heights), _slabs(second.edges, heights), strict=True
    ):
        splits = [bottom, *sorted(_crossings(in_first, in_second, bottom, top)), top]
        for low, high in pairwise(splits):
            middle = (low + high) / 2
            total += (high - low) * _common(_cut(in_first, middle), _cut(in_second, middle))
    return total


def _x_at(edge: Edge, y: float) -> float:
    x_low, y_low, x_high, y_high = edge
    # Exact at the ends, so edges meeting at a vertex tie there.
    if y <= y_low:
        return x_low
    if y >= y_high:
        return x_high
    return x_low + (y - y_low) * (x_high - x_low) / (y_high - y_low)


def _slabs(
    edges: Sequence[Edge], heights: Sequence[float]
) -> Iterator[tuple[float, float, list[Edge]]]:
    """(bottom, top, the edges spanning it) for each pair of consecutive heights; `heights`
    holds every edge end between its first and last, so an edge spans a slab or misses it."""
    active: list[Edge] = []
    waiting = 0
    for bottom, top in pairwise(heights):
        while waiting < len(edges) and edges[waiting][1] <= bottom:
            active.append(edges[waiting])
            waiting += 1
        active = [edge for edge in active if edge[3] > bottom]
        yield bottom, top, active


def _crossings(first: list[Edge], second: list[Edge], bottom: float, top: float) -> list[float]:
    """The heights inside the slab where an edge of `first` crosses one of `second`.

    Sorted by x at the bottom, the edges are put in x order at the top by insertion: each swap
    is one pair that changes sides, so the work is the edges plus the crossings.
    """
    row = sorted(
        [(_x_at(edge, bottom), _x_at(edge, top), 0) for edge in first]
        + [(_x_at(edge, bottom), _x_at(edge, top), 1) for edge in second]
    )
    heights: list[float] = []
    for index in range(1, len(row)):
        at = index
        while at > 0 and row[at - 1][1] > row[at][1] + EPS_M:
            left, right = row[at - 1], row[at]
            if left[2] != right[2]:
                below, above = right[0] - left[0], right[1] - left[1]
                heights.append(bottom + (top - bottom) * below / (below - above))
            row[at - 1], row[at] = right, left
            at -= 1
    return heights


def _cut(edges: Sequence[Edge], y: float) -> list[float]:
    """Where a horizontal line at `y` (at no vertex) crosses the edges, west to east: inside
    from the first to the second, the third to the fourth, and so on."""
    return sorted(_x_at(edge, y) for edge in edges)


def _length(cut: Sequence[float]) -> float:
    return sum(east - west for west, east in zip(cut[0::2], cut[1::2], strict=False))


def _common(first: Sequence[float], second: Sequence[float]) -> float:
    """The length two cuts have in common."""
    spans = list(zip(first[0::2], first[1::2], strict=False))
    others = list(zip(second[0::2], second[1::2], strict=False))
    total, i, j = 0.0, 0, 0
    while i < len(spans) and j < len(others):
        west = max(spans[i][0], others[j][0])
        east = min(spans[i][1], others[j][1])
        if east > west:
            total += east - west
        if spans[i][1] < others[j][1]:
            i += 1
        else:
            j += 1
    return total
