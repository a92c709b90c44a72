"""`areas import FILE.geojson`: a whole city's boundaries, checked, stored at once or refused.

The files are generated: every unit a cell of a 12-column grid of 0.02° squares (about 2.1 km
by 2.2 km), neighbours sharing their edges, each cell's east edge with an extra vertex halfway up
that its eastern neighbour's west edge lacks (as where two surveys meet).
"""

from __future__ import annotations

import copy
import json
import math
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend import geo
from backend.areas import repository as area_repository
from backend.areas import service as area_service
from backend.areas.service import boundaries
from backend.areas.service.geometry import Region, inspect, overlap_area, project
from backend.settings import ROOT, Settings
from tests.conftest import SeedTemplates

WEST, SOUTH, STEP, COLUMNS = 105.60, 20.80, 0.02, 12
CUA_NAM, HOAN_KIEM = "00082", "00070"


@pytest.fixture
async def db(
    db_client: Any, settings: Settings, seed_templates: SeedTemplates
) -> AsyncIterator[Any]:
    """The test's database with the 126 units loaded (copied from the worker's template)."""
    database = db_client[settings.mongodb_db]
    await seed_templates.copy(database, loaders=(area_repository.load_content,))
    yield database
    await db_client.drop_database(settings.mongodb_db)


def cell(index: int, *, grow_east: float = 0.0) -> dict[str, Any]:
    """The grid cell of the unit at `index`, its east edge moved `grow_east` degrees out."""
    row, column = divmod(index, COLUMNS)
    west, south = round(WEST + column * STEP, 6), round(SOUTH + row * STEP, 6)
    east, north = (
        round(WEST + (column + 1) * STEP, 6) + grow_east,
        round(SOUTH + (row + 1) * STEP, 6),
    )
    middle = round(south + STEP / 2, 6)
    ring = [[west, south], [east, south], [east, middle], [east, north], [west, north]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def feature(code: object, geometry: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"ma": code}, "geometry": geometry}


async def tiling(db: Any) -> list[dict[str, Any]]:
    """One feature per stored unit, in code order, tiling the grid."""
    codes = await area_repository.unit_codes(db)
    return [feature(code, cell(index)) for index, code in enumerate(codes)]


def index_of(features: list[dict[str, Any]], code: str) -> int:
    return next(i for i, f in enumerate(features) if f["properties"]["ma"] == code)


async def run_import(db: Any, features: list[dict[str, Any]]) -> area_service.ImportResult:
    return await area_service.import_polygons(db=db, features=features, code_property="ma")


async def test_a_tiling_of_every_unit_imports_and_decides_locate(db: Any) -> None:
    # given every unit once, Cửa Nam's code written as a spreadsheet writes it (82, no zeros)
    features = await tiling(db)
    features[index_of(features, CUA_NAM)]["properties"]["ma"] = 82
    # when the file is imported
    result = await run_import(db, features)
    # then every unit's boundary is stored: neighbours sharing edges overlap in nothing
    assert result.refused == [] and result.overlaps == []
    assert result.imported == await area_repository.unit_codes(db) and len(result.imported) == 126
    assert result.summary() == "imported 126 boundaries, 0 unchanged"
    stored = await area_repository.polygons(db)
    assert stored[CUA_NAM] == cell(index_of(features, 82))
    # and a point inside a cell is in that cell's unit, exactly
    west, south = cell(index_of(features, 82))["coordinates"][0][0]
    located = await area_repository.locate(db, lat=south + 0.003, lng=west + 0.017)
    assert located is not None and located.id == CUA_NAM and located.approximate is False


async def test_importing_the_same_file_again_changes_nothing(db: Any) -> None:
    # given a city's boundaries imported once
    features = await tiling(db)
    await run_import(db, features)
    before = await area_repository.polygons(db)
    # when the same file is imported again, then nothing is written
    again = await run_import(db, features)
    assert (again.imported, len(again.unchanged), again.refused) == ([], 126, [])
    assert await area_repository.polygons(db) == before
    # and a file with one boundary redrawn writes that one alone
    features[0]["geometry"]["coordinates"][0][2] = [WEST + STEP - 0.001, SOUTH + STEP / 2]
    redrawn = await run_import(db, features)
    assert redrawn.imported == [features[0]["properties"]["ma"]] and len(redrawn.unchanged) == 125


async def test_two_units_overlapping_beyond_the_tolerance_are_refused_and_nothing_is_written(
    db: Any,
) -> None:
    # given the city's boundaries imported
    features = await tiling(db)
    await run_import(db, features)
    before = await area_repository.polygons(db)
    # when a file redraws unit 0 and grows Cửa Nam 1% into its eastern neighbour (~46,000 m²,
    # twice the 0.5% + 100 m² allowed)
    features[0]["geometry"] = cell(0, grow_east=-0.001)
    at = index_of(features, CUA_NAM)
    features[at]["geometry"] = cell(at, grow_east=STEP / 100)
    neighbour = features[at + 1]["properties"]["ma"]
    result = await run_import(db, features)
    # then the file is refused, naming both units and the overlap
    assert result.imported == [] and len(result.refused) == 1
    reason = result.refused[0]
    assert reason.startswith(f"{CUA_NAM} (Phường Cửa Nam) and {neighbour} (")
    assert "overlap by 4" in reason and "(1.00% of the smaller)" in reason
    assert result.summary() == "refused: 1 problem, nothing imported"
    # and no boundary changed, not even the valid redrawing of unit 0
    assert await area_repository.polygons(db) == before


async def test_a_sliver_within_the_tolerance_is_accepted_and_reported(db: Any) -> None:
    # given Cửa Nam drawn 5 m into its eastern neighbour (a digitising sliver, ~0.24%)
    features = await tiling(db)
    at = index_of(features, CUA_NAM)
    features[at]["geometry"] = cell(at, grow_east=0.00005)
    neighbour = features[at + 1]["properties"]["ma"]
    # when the file is imported, then it is, and the overlap is reported with its size
    result = await run_import(db, features)
    assert result.refused == [] and len(result.imported) == 126
    [overlap] = result.overlaps
    assert (overlap.first, overlap.second) == tuple(sorted([CUA_NAM, neighbour]))
    strip_m = geo.haversine_meters(lat1=SOUTH, lng1=WEST, lat2=SOUTH, lng2=WEST + 0.00005)
    height_m = geo.haversine_meters(lat1=SOUTH, lng1=WEST, lat2=SOUTH + STEP, lng2=WEST)
    assert overlap.area_m2 == pytest.approx(strip_m * height_m, rel=0.01)
    assert 0.002 < overlap.share < boundaries.OVERLAP_SHARE
    assert "1 overlap within tolerance (largest " in result.summary()


def _drop(features: list[dict[str, Any]]) -> None:
    del features[index_of(features, CUA_NAM)]


def _duplicate(features: list[dict[str, Any]]) -> None:
    features.append(copy.deepcopy(features[index_of(features, CUA_NAM)]))


def _unknown(features: list[dict[str, Any]]) -> None:
    features.append(feature("99999", cell(130)))


def _ring(features: list[dict[str, Any]], ring: list[list[float]], holes: int = 0) -> None:
    shell = cell(index_of(features, CUA_NAM))["coordinates"][0]
    rings = [shell, ring] if holes else [ring]
    features[index_of(features, CUA_NAM)]["geometry"] = {"type": "Polygon", "coordinates": rings}


A, B, C, D = [105.6, 20.8], [105.61, 20.8], [105.61, 20.81], [105.6, 20.81]
# A cut into the square from its north edge that comes back up along itself, short of the edge.
SPIKE = [A, B, C, [105.605, 20.81], [105.605, 20.805], [105.605, 20.809], D, A]
INVALID = {
    "missing": (_drop, "missing 1 of 126 units: 00082"),
    "duplicate": (_duplicate, "00082 appears 2 times: features[4], features[126]"),
    "unknown": (_unknown, "no such unit: 99999 (features[126])"),
    "open ring": (lambda f: _ring(f, [A, B, C, D]), "ring 1 is not closed"),
    "two positions": (lambda f: _ring(f, [A, B, A]), "ring 1 has 2 distinct positions"),
    "repeats only": (lambda f: _ring(f, [A, A, B, B, A, A]), "ring 1 has 2 distinct positions"),
    "bow tie": (
        lambda f: _ring(f, [A, C, B, [105.6, 20.815], A]),
        "edges cross or run along each other near",
    ),
    "spike": (lambda f: _ring(f, SPIKE), "edges cross or run along each other near"),
    "touching": (lambda f: _ring(f, [A, B, C, A, D, A]), "ring 1 touches itself at 20.800000,"),
    "flat": (lambda f: _ring(f, [A, B, [105.62, 20.8], A]), "ring 1 encloses no area"),
    "lat first": (
        lambda f: _ring(f, [[y, x] for x, y in [A, B, C, D, A]]),
        "ring 1 position 0 is no [longitude, latitude] pair in range: [20.8, 105.6]",
    ),
    "not a number": (
        lambda f: _ring(f, [A, B, [math.nan, 20.8], A]),
        "ring 1 position 2 is no [longitude, latitude] pair",
    ),
    "hole outside": (
        lambda f: _ring(f, [[105.0, 20.0], [105.0, 20.01], [105.01, 20.01], [105.0, 20.0]], 1),
        "rings are nested wrongly",
    ),
    "point": (
        lambda f: f[index_of(f, CUA_NAM)].update(geometry=geo.point(lat=21.0, lng=105.8)),
        "features[4] (00082): geometry is Point, not a Polygon or MultiPolygon",
    ),
    "no code": (
        lambda f: f[0].update(properties={"code": f[0]["properties"]["ma"]}),
        "features[0]: no unit code in property 'ma'",
    ),
}


@pytest.mark.parametrize(("change", "reason"), INVALID.values(), ids=INVALID.keys())
async def test_a_file_with_a_unit_wrong_is_refused_and_writes_nothing(
    db: Any, change: Any, reason: str
) -> None:
    # given a tiling of every unit with one thing wrong
    features = await tiling(db)
    assert index_of(features, CUA_NAM) == 4
    change(features)
    # when it is imported, then it is refused with the reason, and nothing is stored
    result = await run_import(db, features)
    assert result.imported == []
    assert any(reason in problem for problem in result.refused), result.refused
    assert await area_repository.polygons(db) == {}


def _cli(settings: Settings, path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URI": str(settings.mongodb_uri),
        "MONGODB_DB": settings.mongodb_db,
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "backend.cli",
            "areas",
            "import",
            str(path),
            "--code-property",
            "ma",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_the_command_prints_a_summary_and_fails_on_a_refused_file(
    db: Any, settings: Settings, tmp_path: Path
) -> None:
    # given a generated file of every unit, and one with Cửa Nam left out
    features = await tiling(db)
    good, bad = tmp_path / "hanoi.geojson", tmp_path / "partial.geojson"
    good.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    _drop(features)
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    # when an operator imports the good one twice, then it is stored once and then unchanged
    first, second = _cli(settings, good), _cli(settings, good)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"{good}: imported 126 boundaries, 0 unchanged"
    assert second.stdout.strip() == f"{good}: imported 0 boundaries, 126 unchanged"
    # and the partial file fails, saying why
    refused = _cli(settings, bad)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"{bad}: refused: 1 problem, nothing imported",
        "  missing 1 of 126 units: 00082",
    ]
    assert len(await area_repository.polygons(db)) == 126


def _square(west: float, south: float, side: float) -> list[tuple[float, float]]:
    east, north = west + side, south + side
    return [(west, south), (east, south), (east, north), (west, north), (west, south)]


def test_overlap_areas_are_exact_for_concave_shapes_holes_and_crossing_edges() -> None:
    square = Region.of([_square(0, 0, 100)])
    # a diamond of radius 60 on the square's centre: its four tips (100 m² each) stick out
    diamond = Region.of([[(50, -10), (110, 50), (50, 110), (-10, 50), (50, -10)]])
    assert overlap_area(square, diamond) == pytest.approx(7200 - 400, abs=1e-6)
    # an L (the square without its north-east quarter) against that quarter grown 10 m south
    # and west: the L-shaped 10 m strip
    ell = Region.of([[(0, 0), (100, 0), (100, 50), (50, 50), (50, 100), (0, 100), (0, 0)]])
    assert overlap_area(ell, Region.of([_square(40, 40, 60)])) == pytest.approx(60**2 - 50**2)
    # a square with a hole against a square across the hole's edge: 50 x 90 less the hole's 30 x 60
    holed = Region.of([_square(0, 0, 100), _square(20, 20, 60)])
    assert overlap_area(holed, Region.of([_square(50, -10, 100)])) == pytest.approx(4500 - 1800)
    assert inspect(holed) == (pytest.approx(10000 - 3600), None)
    # neighbours sharing an edge, one with an extra vertex on it: nothing in common
    split = Region.of([[(100, 0), (200, 0), (200, 100), (100, 100), (100, 30), (100, 0)]])
    assert overlap_area(square, split) == 0.0
    assert overlap_area(square, square) == pytest.approx(10000)


def test_areas_are_square_metres_on_the_sphere_and_crossings_are_found() -> None:
    # given a 0.01° cell at Hanoi, then its plane area is its area on the sphere
    corners = [(105.8, 21.0), (105.81, 21.0), (105.81, 21.01), (105.8, 21.01), (105.8, 21.0)]
    area, crossing = inspect(Region.of([[project(lng=x, lat=y) for x, y in corners]]))
    sine = math.sin(math.radians(21.01)) - math.sin(math.radians(21.0))
    assert area == pytest.approx(geo.EARTH_RADIUS_METERS**2 * math.radians(0.01) * sine)
    assert crossing is None
    # and a bow tie's edges cross at its middle
    _, crossing = inspect(Region.of([[(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)]]))
    assert crossing == pytest.approx((50, 50))
