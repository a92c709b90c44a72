"""reportsNearby returns the nearest reports first, whatever order they were stored in."""

from __future__ import annotations

import random
from typing import Any

import pytest
from bson import ObjectId

from backend import geo
from backend.domains import ensure_indexes
from backend.reports import repository as report_repository
from tests.moderation.conftest import report_doc
from tests.reports.conftest import LAKE


@pytest.fixture
async def db(db_client: Any, settings: Any) -> Any:
    database = db_client[settings.mongodb_db]
    await ensure_indexes(database)
    yield database
    await db_client.drop_database(settings.mongodb_db)


def at(lat: float, lng: float, **changes: Any) -> dict[str, Any]:
    return report_doc(location=geo.point(lat=lat, lng=lng), **changes)


async def pages(db: Any, *, lat: float, lng: float, radius: float, first: int, count: int) -> list:
    """The first `count` pages of `first`, as (metres, id) keys in the order they came."""
    keys: list[tuple[float, str]] = []
    after = None
    for _ in range(count):
        page = await report_repository.nearby(
            db,
            lng=lng,
            lat=lat,
            radius_m=radius,
            category=None,
            statuses=None,
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
