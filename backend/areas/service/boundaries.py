"""Importing the city's official boundaries: the whole file is checked, then stored at once.

A boundary decides which unit a report is filed in (`locate`), so a file is refused, with every
reason at once, unless it holds each of the city's units exactly once, each a valid Polygon or
MultiPolygon (closed rings of at least four positions, longitudes and latitudes in range, rings
that neither cross nor touch themselves, holes inside their shells), and no two units overlap by
more than digitising slivers. A refused file writes nothing; an accepted one is written in one
transaction, and running it again writes nothing (the units are reported unchanged).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.areas import repository as area_repository
from backend.areas.service.geometry import Point, Region, inspect, overlap_area, project, unproject
from backend.areas.service.geometry import ring_area as planar_ring_area
from backend.db import Database, run_transaction
from backend.meta import repository as meta_repository

# Two units may overlap by this share of the smaller one's area, plus OVERLAP_SLIVER_M2.
# Units digitised separately (not cut from one topology) leave slivers along shared boundaries
# of about the boundary's length times half the digitising error: for the smallest ward (1.7 km²,
# ~1.3 km a side) and 1:10,000 mapping (~5 m), about 0.2% of its area. Twice that still refuses
# what breaks `locate`: a neighbour's polygon under the wrong code (100%), a former district's
# outline (most of the unit), one unit shifted by a datum error (hundreds of metres: tens of %).
OVERLAP_SHARE = 0.005
# Below a phone's GPS accuracy (5 m, about 80 m²) an overlap cannot misfile a report that was
# filed right without it; this also keeps tiny corners at tripoints from counting as shares.
OVERLAP_SLIVER_M2 = 100.0
# Overlaps smaller than this are rounding where units share edges, not digitised slivers.
ROUNDING_M2 = 1.0
MIN_RING_M2 = 0.01  # a smaller ring is a line or a point, not an area
# Rings whose two areas (even-odd sweep and shells minus holes) differ by more are nested wrong.
NESTING_TOLERANCE = 1e-6
LISTED_AT_MOST = 20  # codes named in one message; the rest are counted


@dataclass(frozen=True)
class Overlap:
    """Two units' shared area, and its share of the smaller unit."""

    first: str
    second: str
    area_m2: float
    smaller_m2: float  # the smaller unit's area

    @property
    def share(self) -> float:
        return self.area_m2 / self.smaller_m2

    def allowed(self) -> bool:
        return self.area_m2 <= OVERLAP_SLIVER_M2 + OVERLAP_SHARE * self.smaller_m2


@dataclass(frozen=True)
class ImportResult:
    """What an import did: nothing at all when `refused` lists reasons."""

    imported: list[str] = field(default_factory=list)  # boundaries stored or replaced
    unchanged: list[str] = field(default_factory=list)  # already stored exactly so
    refused: list[str] = field(default_factory=list)  # why the file was refused
    overlaps: list[Overlap] = field(default_factory=list)  # within the tolerance

    def summary(self) -> str:
        if self.refused:
            return f"refused: {_count(len(self.refused), 'problem')}, nothing imported"
        text = f"imported {len(self.imported)} boundaries, {len(self.unchanged)} unchanged"
        if self.overlaps:
            worst = max(self.overlaps, key=lambda overlap: overlap.share)
            text += (
                f"; {_count(len(self.overlaps), 'overlap')} within tolerance (largest "
                f"{worst.first}/{worst.second}: {worst.area_m2:,.0f} m², "
                f"{worst.share:.3%} of the smaller)"
            )
        return text


@dataclass(frozen=True)
class _Boundary:
    geometry: dict[str, Any]  # as stored: 2D positions, no repeated consecutive positions
    region: Region
    area_m2: float


async def import_polygons(
    *, db: Database, features: Sequence[Any], code_property: str = "code"
) -> ImportResult:
    """Check a city's official boundaries (GeoJSON features keyed by unit code) and store them
    all, or none; a unit with a boundary is then decided by point-in-polygon."""
    names = await area_repository.names(db)
    expected = set(await area_repository.unit_codes(db))
    refused: list[str] = []
    if not expected:
        refused.append("no units are stored: run `python -m backend.cli migrate` first")
    found: dict[str, list[int]] = {}
    boundaries: dict[str, _Boundary] = {}
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, Mapping) else None
        code = unit_code(properties.get(code_property)) if isinstance(properties, Mapping) else None
        if code is None:
            refused.append(f"features[{index}]: no unit code in property {code_property!r}")
            continue
        found.setdefault(code, []).append(index)
        if code in expected:
            checked = check_geometry(feature.get("geometry"))
            if isinstance(checked, str):
                refused.append(f"features[{index}] ({code}): {checked}")
            else:
                boundaries.setdefault(code, checked)
    refused += _coverage(expected, found)
    overlaps = _overlaps(boundaries)
    for overlap in overlaps:
        if not overlap.allowed():
            refused.append(
                f"{_unit(overlap.first, names)} and {_unit(overlap.second, names)} overlap by "
                f"{overlap.area_m2:,.0f} m² ({overlap.share:.2%} of the smaller), more than "
                f"{OVERLAP_SHARE:.1%} of it + {OVERLAP_SLIVER_M2:.0f} m²"
            )
    accepted = [overlap for overlap in overlaps if overlap.allowed()]
    if refused:
        return ImportResult(refused=refused, overlaps=accepted)

    stored = await area_repository.polygons(db)
    changed = {
        code: boundary.geometry
        for code, boundary in sorted(boundaries.items())
        if stored.get(code) != boundary.geometry
    }

    async def write(session: AsyncClientSession) -> None:
        for code, geometry in changed.items():
            await area_repository.set_polygon(db, code, geometry, session=session)

    if changed:
        await run_transaction(db, write)
        # `approximate` changed: every process's content snapshot (backend/snapshot.py) reloads.
        await meta_repository.bump_content_revision(db, at=datetime.now(UTC))
    unchanged = sorted(boundaries.keys() - changed.keys())
    return ImportResult(imported=list(changed), unchanged=unchanged, overlaps=accepted)


def unit_code(value: object) -> str | None:
    """A unit code as the file writes it: "00070", or 70 where spreadsheets dropped the zeros."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip()
    return (text.zfill(5) if text.isdigit() else text) or None


def check_geometry(geometry: object) -> _Boundary | str:
    """The boundary as stored and measured, or why it is no valid (Multi)Polygon."""
    kind = geometry.get("type") if isinstance(geometry, Mapping) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, Mapping) else None
    if kind not in ("Polygon", "MultiPolygon"):
        return f"geometry is {kind or 'missing'}, not a Polygon or MultiPolygon"
    parts = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(parts, list) or not parts:
        return "geometry has no polygon"
    stored: list[list[list[list[float]]]] = []
    planar: list[list[list[Point]]] = []
    for number, part in enumerate(parts, 1):
        if not isinstance(part, list) or not part:
            return f"polygon {number} has no rings"
        stored.append([])
        planar.append([])
        for ring_number, ring in enumerate(part, 1):
            where = f"ring {ring_number}" + (f" of polygon {number}" if len(parts) > 1 else "")
            positions = _ring(ring)
            if isinstance(positions, str):
                return f"{where} {positions}"
            plane = [project(lng=lng, lat=lat) for lng, lat in positions]
            if abs(planar_ring_area(plane)) < MIN_RING_M2:
                return f"{where} encloses no area"
            stored[-1].append(positions)
            planar[-1].append(plane)
    region = Region.of([ring for part in planar for ring in part])
    area, crossing = inspect(region)
    if crossing is not None:
        return f"edges cross or run along each other near {_place(crossing)}"
    nested = sum(
        abs(planar_ring_area(part[0])) - sum(abs(planar_ring_area(hole)) for hole in part[1:])
        for part in planar
    )
    if abs(area - nested) > NESTING_TOLERANCE * nested:
        return "rings are nested wrongly (a hole outside its shell, or polygons inside each other)"
    coordinates = stored[0] if kind == "Polygon" else stored
    return _Boundary({"type": kind, "coordinates": coordinates}, region, area)


def _ring(ring: object) -> list[list[float]] | str:
    """A ring's [longitude, latitude] positions without consecutive repeats, or what is wrong."""
    if not isinstance(ring, list) or not ring:
        return "has no positions"
    positions: list[list[float]] = []
    for index, position in enumerate(ring):
        if not _is_position(position):
            return f"position {index} is no [longitude, latitude] pair in range: {position!r:.60}"
        lng, lat = float(position[0]), float(position[1])
        if not positions or positions[-1] != [lng, lat]:
            positions.append([lng, lat])
    if positions[0] != positions[-1] or len(positions) == 1:
        return "is not closed (its last position must repeat its first)"
    if len(positions) < 4:
        return f"has {len(positions) - 1} distinct positions, fewer than a triangle's 3"
    corners = [tuple(position) for position in positions[:-1]]
    if len(set(corners)) < len(corners):
        lng, lat = next(corner for corner in corners if corners.count(corner) > 1)
        return f"touches itself at {lat:.6f}, {lng:.6f}"
    return positions


def _is_position(position: object) -> bool:
    if not isinstance(position, list | tuple) or len(position) < 2:
        return False
    values = position[:2]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return False
    lng, lat = float(values[0]), float(values[1])
    finite = math.isfinite(lng) and math.isfinite(lat)
    return finite and -180.0 <= lng <= 180.0 and -90.0 <= lat <= 90.0


def _coverage(expected: set[str], found: Mapping[str, list[int]]) -> list[str]:
    """Every unit exactly once, and nothing else."""
    problems = []
    unknown = sorted(code for code in found if code not in expected)
    if unknown:
        listed = [f"{code} (features[{found[code][0]}])" for code in unknown]
        problems.append(f"no such unit: {_listed(listed)}")
    for code, indexes in sorted(found.items()):
        if code in expected and len(indexes) > 1:
            at = ", ".join(f"features[{index}]" for index in indexes)
            problems.append(f"{code} appears {len(indexes)} times: {at}")
    missing = sorted(expected - found.keys())
    if missing:
        problems.append(f"missing {len(missing)} of {len(expected)} units: {_listed(missing)}")
    return problems


def _overlaps(boundaries: Mapping[str, _Boundary]) -> list[Overlap]:
    """Every pair of units sharing more than rounding, by code."""
    codes = sorted(boundaries)
    overlaps = []
    for index, first in enumerate(codes):
        for second in codes[index + 1 :]:
            one, other = boundaries[first], boundaries[second]
            if not one.region.meets_box(other.region):
                continue
            area = overlap_area(one.region, other.region)
            if area >= ROUNDING_M2:
                overlaps.append(Overlap(first, second, area, min(one.area_m2, other.area_m2)))
    return overlaps


def _unit(code: str, names: Mapping[str, Mapping[str, str]]) -> str:
    name = names.get(code, {}).get("vi")
    return f"{code} ({name})" if name else code


def _listed(items: Sequence[str]) -> str:
    shown = ", ".join(items[:LISTED_AT_MOST])
    more = len(items) - LISTED_AT_MOST
    return f"{shown} and {more} more" if more > 0 else shown


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _place(point: Point) -> str:
    lat, lng = unproject(point)
    return f"{lat:.6f}, {lng:.6f}"
