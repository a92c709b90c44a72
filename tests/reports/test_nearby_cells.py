"""Nearby lists read grid cells through an index (explain), the cells' distance bounds hold, and
`migrate` gives reports stored before the cells existed theirs, once."""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
from typing import Any

import pytest

from backend import geo
from backend.domains import ensure_indexes
from backend.reports import repository as report_repository
from backend.reports.migration import backfill_location_cells
from backend.reports.models import ReportDoc
from backend.reports.repository.nearby import CELLS, NearbyFilter, NearbyPage, nearest
from backend.settings import ROOT, Settings
from tests.moderation.conftest import report_doc
from tests.reports.conftest import LAKE

BA_VI = (21.0581, 105.341)  # the centroid of the largest commune, 53 km west of the lake


@pytest.fixture
async def db(db_client: Any, settings: Any) -> Any:
    database = db_client[settings.mongodb_db]
    await ensure_indexes(database)
    yield database
    await db_client.drop_database(settings.mongodb_db)


def scattered(rng: random.Random, centre: tuple[float, float], metres: float, count: int) -> list:
    """`count` reports (as ReportDoc.to_mongo stores them) at random within `metres`."""
    docs = []
    for _ in range(count):
        distance, bearing = metres * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
        lat, lng = geo.offset(
            lat=centre[0],
            lng=centre[1],
            north_m=distance * math.cos(bearing),
            east_m=distance * math.sin(bearing),
        )
        doc = report_doc(location=geo.point(lat=lat, lng=lng))
        docs.append(ReportDoc.from_mongo(doc).to_mongo())
    return docs


async def explained(db: Any, page: NearbyPage) -> list[tuple[str, int]]:
    """(winning plan, docs examined) of each read the search made."""
    plans = []
    for query in page.reads:
        explain = await db.reports.find(query, report_repository.LIST_PROJECTION).explain()
        examined = int(explain["executionStats"]["totalDocsExamined"])
        plans.append((str(explain["queryPlanner"]["winningPlan"]), examined))
    return plans


def test_cells_bound_the_distance_to_every_point_in_them() -> None:
    # given random points around random centres (Hanoi, and farther from the equator)
    rng = random.Random(7)  # noqa: S311 (reproducible test data)
    for trial in range(60):
        lat = rng.uniform(-60, 60) if trial % 10 == 0 else LAKE["lat"] + rng.uniform(-0.3, 0.3)
        lng = LAKE["lng"] + rng.uniform(-0.3, 0.3)
        level, radius = rng.choice(geo.GRID_LEVELS), rng.choice([60.0, 700.0, 5000.0])
        # when the cells within a radius are listed
        cells = {
            cell.key: cell
            for cell in geo.grid_cells_within(lat=lat, lng=lng, level=level, radius_m=radius)
        }
        assert all(cell.near_m <= radius for cell in cells.values())
        for _ in range(100):
            metres, bearing = radius * 1.2 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            north, east = metres * math.cos(bearing), metres * math.sin(bearing)
            point = geo.offset(lat=lat, lng=lng, north_m=north, east_m=east)
            distance = geo.haversine_meters(lat1=lat, lng1=lng, lat2=point[0], lng2=point[1])
            key = geo.grid_cell(lat=point[0], lng=point[1], level=level)
            # then a point within the radius is in a listed cell, which bounds its distance
            if distance <= radius:
                assert key in cells, (lat, lng, level, radius, point)
            if key in cells:
                assert cells[key].near_m - 1e-6 <= distance <= cells[key].far_m + 1e-6


async def test_a_dense_centre_is_read_through_the_index_a_few_cells_only(db: Any) -> None:
    # given 400 reports within 500 m of the lake and 300 over the city around it
    rng = random.Random(1)  # noqa: S311 (reproducible test data)
    lake = (LAKE["lat"], LAKE["lng"])
    await db.reports.insert_many(scattered(rng, lake, 500, 400) + scattered(rng, lake, 30_000, 300))
    # when the first page of 20 within 1 km is read (as reportsNearby asks: one more)
    page = await nearest(
        db, lat=lake[0], lng=lake[1], radius_m=1000, only=NearbyFilter(), after=None, limit=21
    )
    assert len(page.found) == 21
    # then every read is an index scan on the cells, and few of the 700 reports are examined
    plans = await explained(db, page)
    assert 1 <= len(plans) <= 3
    assert all("IXSCAN" in plan and "location_cells" in plan for plan, _ in plans), plans
    assert not any("COLLSCAN" in plan for plan, _ in plans)
    assert sum(examined for _, examined in plans) <= 200, plans


async def test_a_sparse_commune_is_read_in_coarser_cells_through_the_index(db: Any) -> None:
    # given 8 reports in Ba Vì, and the city centre's 700
    rng = random.Random(2)  # noqa: S311 (reproducible test data)
    lake = (LAKE["lat"], LAKE["lng"])
    commune = scattered(rng, BA_VI, 2_000, 8)
    await db.reports.insert_many(
        commune + scattered(rng, lake, 500, 400) + scattered(rng, lake, 30_000, 300)
    )
    # when the first page of 20 within 5 km of its centre is read
    page = await nearest(
        db, lat=BA_VI[0], lng=BA_VI[1], radius_m=5000, only=NearbyFilter(), after=None, limit=21
    )
    # then its 8 reports come, nearest first
    assert {doc.id for doc, _ in page.found} == {doc["_id"] for doc in commune}
    assert [metres for _, metres in page.found] == sorted(metres for _, metres in page.found)
    # and a few index scans read them alone, most cells of the coarser levels
    plans = await explained(db, page)
    assert len(plans) <= 5
    assert all("IXSCAN" in plan and "COLLSCAN" not in plan for plan, _ in plans), plans
    assert 8 <= sum(examined for _, examined in plans) <= 16  # (a coarser cell reads again)
    keys = [key for query in page.reads for key in query[CELLS]["$in"] if key is not None]
    assert len(keys) <= 5 * 64
    assert {key // 10**12 for key in keys} > {1}


async def test_the_backfill_gives_old_reports_their_cells_once(db: Any) -> None:
    # given five reports stored before the cells existed, two after, one without a location
    rng = random.Random(3)  # noqa: S311 (reproducible test data)
    old = [report_doc(location=doc["location"]) for doc in scattered(rng, BA_VI, 3_000, 5)]
    new = scattered(rng, BA_VI, 3_000, 2)
    nowhere = report_doc()
    del nowhere["location"]
    await db.reports.insert_many([*old, *new, nowhere])
    # when the backfill runs, two reports a batch
    changed = await backfill_location_cells(db, batch=2)
    # then each old report has the cells of its location, the one without an empty list
    assert changed == 6
    stored = {doc["_id"]: doc for doc in await db.reports.find({}).to_list(None)}
    for doc in old + new:
        lng, lat = doc["location"]["coordinates"]
        assert stored[doc["_id"]][CELLS] == geo.grid_cells(lat=lat, lng=lng)
    assert stored[nowhere["_id"]][CELLS] == []
    # and a nearby list finds them in their cells
    page = await nearest(
        db, lat=BA_VI[0], lng=BA_VI[1], radius_m=5000, only=NearbyFilter(), after=None, limit=10
    )
    assert len(page.found) == 7
    # when it runs again, then nothing changes
    assert await backfill_location_cells(db, batch=2) == 0
    assert {doc["_id"]: doc for doc in await db.reports.find({}).to_list(None)} == stored


def migrate_command(settings: Settings, database: str) -> subprocess.CompletedProcess[str]:
    """`python -m backend.cli migrate` on the test's database."""
    env = {**os.environ, "MONGODB_URI": str(settings.mongodb_uri), "MONGODB_DB": database}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_migrate_runs_the_backfill(db: Any, settings: Settings) -> None:
    # given a report stored before the cells existed
    await db.reports.insert_one(report_doc())
    # when the release step runs `migrate`
    done = migrate_command(settings, db.name)
    # then it stores the report's cells and says so
    assert done.returncode == 0, done.stderr
    assert "reports migration: location cells stored for 1 reports" in done.stdout
    stored = await db.reports.find_one({})
    assert stored[CELLS] == geo.grid_cells(lat=LAKE["lat"], lng=LAKE["lng"])
