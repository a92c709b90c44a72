"""reportsNearby returns the nearest reports first, whatever order they were stored in."""

from __future__ import annotations

import itertools
import math
import random
from typing import Any

import pytest
from bson import ObjectId

from backend import geo
from backend.domains import ensure_indexes
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc, ReportStatus
from tests.moderation.conftest import report_doc
from tests.reports.conftest import LAKE


@pytest.fixture
async def db(db_client: Any, settings: Any) -> Any:
    database = db_client[settings.mongodb_db]
    await ensure_indexes(database)
    yield database
    await db_client.drop_database(settings.mongodb_db)


def at(lat: float, lng: float, *, legacy: bool = False, **changes: Any) -> dict[str, Any]:
    """A report as ReportDoc.to_mongo stores it (with its grid cells), or as one stored before
    the cells existed (`legacy`)."""
    doc = report_doc(location=geo.point(lat=lat, lng=lng), **changes)
    return doc if legacy else ReportDoc.from_mongo(doc).to_mongo()


async def pages(
    db: Any,
    *,
    lat: float,
    lng: float,
    radius: float,
    first: int,
    count: int,
    category: str | None = None,
    statuses: list[ReportStatus] | None = None,
) -> list:
    """The first `count` pages of `first`, as (metres, id) keys in the order they came."""
    keys: list[tuple[float, str]] = []
    after = None
    for _ in range(count):
        page = await report_repository.nearby(
            db,
            lng=lng,
            lat=lat,
            radius_m=radius,
            category=category,
            statuses=statuses,
            after=after,
            limit=first,
        )
        keys += [(metres, str(report.id)) for report, metres in page]
        if len(page) < first:
            break
        after = (page[-1][1], page[-1][0].id)
    return keys


async def test_reports_stored_far_first_still_come_nearest_first(db: Any) -> None:
    # given reports stored from far to near, the nearest (0 m, at the lake) stored last
    far = [at(LAKE["lat"] + metres / 111_319.49, LAKE["lng"]) for metres in (4773, 673, 145, 126)]
    here = [at(LAKE["lat"], LAKE["lng"]) for _ in range(3)]
    await db.reports.insert_many([*far, *here])
    # when the 8 nearest within 5 km are asked for
    keys = await pages(db, lat=LAKE["lat"], lng=LAKE["lng"], radius=5000, first=8, count=1)
    # then the three at 0 m come first, then the others by distance
    assert [metres for metres, _ in keys[:3]] == [0.0, 0.0, 0.0]
    assert {ObjectId(i) for _, i in keys[:3]} == {doc["_id"] for doc in here}
    assert [round(metres) for metres, _ in keys[3:]] == [126, 145, 673, 4773]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_first_pages_agree_with_a_brute_force_sort(db: Any, seed: int) -> None:
    # given 160 reports at random points (some hidden, a few sharing one spot), shuffled
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    docs = [
        at(
            LAKE["lat"] + rng.uniform(-0.03, 0.03),
            LAKE["lng"] + rng.uniform(-0.03, 0.03),
            hidden=rng.random() < 0.1,
            legacy=rng.random() < 0.1,
        )
        for _ in range(150)
    ]
    spot = (LAKE["lat"] + rng.uniform(-0.01, 0.01), LAKE["lng"] + rng.uniform(-0.01, 0.01))
    docs += [at(*spot) for _ in range(10)]
    rng.shuffle(docs)
    await db.reports.insert_many(docs)
    for _ in range(3):
        lat, lng = LAKE["lat"] + rng.uniform(-0.02, 0.02), LAKE["lng"] + rng.uniform(-0.02, 0.02)
        radius = rng.choice([800.0, 2000.0, 5000.0])
        first = rng.choice([1, 4, 7])
        # when the first pages are read
        keys = await pages(db, lat=lat, lng=lng, radius=radius, first=first, count=4)
        # then they are the brute-force nearest, in (distance, id) order
        expected = []
        for doc in docs:
            doc_lng, doc_lat = doc["location"]["coordinates"]
            metres = geo.haversine_meters(lat1=lat, lng1=lng, lat2=doc_lat, lng2=doc_lng)
            if not doc["hidden"] and metres <= radius:
                expected.append((round(metres, 3), str(doc["_id"])))
        expected.sort()
        assert keys == expected[: 4 * first], (seed, lat, lng, radius, first)


def brute_force(
    docs: list[dict[str, Any]],
    *,
    lat: float,
    lng: float,
    radius: float,
    category: str | None = None,
    statuses: list[ReportStatus] | None = None,
) -> list[tuple[float, str]]:
    """Every public report within the radius (of the category, in the statuses) as (metres,
    id), in (distance, id) order."""
    expected = []
    for doc in docs:
        doc_lng, doc_lat = doc["location"]["coordinates"]
        metres = geo.haversine_meters(lat1=lat, lng1=lng, lat2=doc_lat, lng2=doc_lng)
        if doc["hidden"] or metres > radius:
            continue
        if category is not None and doc["category"] != category:
            continue
        if statuses is not None and doc["status"] not in statuses:
            continue
        expected.append((round(metres, 3), str(doc["_id"])))
    return sorted(expected)


@pytest.mark.parametrize("seed", [4, 5])
async def test_every_page_over_the_city_agrees_with_a_brute_force_sort(db: Any, seed: int) -> None:
    # given a dense centre (300 reports within 600 m of the lake), 150 reports spread 30 km
    # around and a sparse cluster far out, of two categories and several statuses
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)

    def around(lat: float, lng: float, metres: float) -> tuple[float, float]:
        distance, bearing = metres * rng.random() ** 0.5, rng.uniform(0, 6.2832)
        return geo.offset(
            lat=lat,
            lng=lng,
            north_m=distance * math.cos(bearing),
            east_m=distance * math.sin(bearing),
        )

    far_out = geo.offset(lat=LAKE["lat"], lng=LAKE["lng"], north_m=-21_000, east_m=-33_000)
    spots = [around(LAKE["lat"], LAKE["lng"], 600) for _ in range(300)]
    spots += [around(LAKE["lat"], LAKE["lng"], 30_000) for _ in range(150)]
    spots += [around(*far_out, 4_000) for _ in range(30)]
    docs = [
        at(
            *spot,
            category=rng.choice(["pothole", "flooding"]),
            status=rng.choice(["SUBMITTED", "IN_PROGRESS", "RESOLVED"]),
            hidden=rng.random() < 0.05,
            legacy=rng.random() < 0.05,
        )
        for spot in spots
    ]
    rng.shuffle(docs)
    await db.reports.insert_many(docs)
    cases = [(LAKE["lat"], LAKE["lng"]), far_out, around(LAKE["lat"], LAKE["lng"], 8_000)]
    for (lat, lng), radius in itertools.product(cases, [300.0, 1500.0, 5000.0]):
        first = rng.choice([3, 10, 25])
        category = rng.choice([None, "pothole"])
        statuses = rng.choice([None, [ReportStatus.SUBMITTED, ReportStatus.IN_PROGRESS]])
        # when every page is read
        keys = await pages(
            db, lat=lat, lng=lng, radius=radius, first=first, count=1000,
            category=category, statuses=statuses,
        )  # fmt: skip
        # then together they are the brute-force list, in (distance, id) order
        expected = brute_force(
            docs, lat=lat, lng=lng, radius=radius, category=category, statuses=statuses
        )
        assert keys == expected, (seed, lat, lng, radius, first, category)
