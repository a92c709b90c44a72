"""The content snapshot answers like the database: the same places, order, distances, cursors and
pages for every filter, the same search hits and the same map clusters, on the same data."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from backend import geo
from backend.clock import HANOI
from backend.db import Database
from backend.pagination import Page, decode_cursor
from backend.seed import migrate
from backend.tourism import service as tourism_service
from backend.tourism import snapshot as tourism_snapshot
from backend.tourism.service import BBox, JourneyCriteria, LatLng, PoiCriteria
from backend.tourism.service import clusters as cluster_service
from backend.tourism.service import memory as memory_service
from backend.tourism.snapshot import PointGrid, TourismContent
from tests.tourism.conftest import HOAN_KIEM, _poi, tiny_journeys, tiny_pois, write_content

CATEGORIES = ("temple", "museum", "pagoda", "market")
WORDS = ("Hồ", "Đền", "Chùa", "Văn", "Ngọc", "Sơn", "Hoàn", "Kiếm", "Tây", "Long", "Biên", "Phủ")
CENTRE = LatLng(HOAN_KIEM["lat"], HOAN_KIEM["lng"])


def generated_pois(count: int, seed: int = 24) -> list[dict[str, Any]]:
    """Places spread over ~8 km around the lake, with names from a few Vietnamese words, some
    with hours, some without, a few sharing a location (ties in distance)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data)
    pois = []
    for i in range(count):
        lat, lng = geo.offset(
            lat=CENTRE.lat,
            lng=CENTRE.lng,
            north_m=rng.uniform(-8_000, 8_000),
            east_m=rng.uniform(-8_000, 8_000),
        )
        if i % 37 == 0 and pois:  # the same point as an earlier place
            lat, lng = pois[-1]["location"]["lat"], pois[-1]["location"]["lng"]
        vi = " ".join(rng.sample(WORDS, 2)) + f" {i}"
        extra: dict[str, Any] = {}
        if i % 5 == 0:
            extra["opening_hours"] = {"weekly": {}, "exceptions": []}
        elif i % 7 == 0:
            extra["opening_hours"] = {
                "weekly": {"mon": [["18:00", "23:00"]], "sat": [["06:00", "11:00"]]},
                "exceptions": [],
            }
        pois.append(
            _poi(
                f"gen-{i:04d}",
                CATEGORIES[i % len(CATEGORIES)],
                vi,
                f"Place {i}",
                round(lat, 6),
                round(lng, 6),
                **extra,
            )
        )
    return pois


@pytest.fixture
async def content(db: Database, tmp_path: Path) -> TourismContent:
    folder = write_content(
        tmp_path / "generated", tiny_pois() + generated_pois(400), tiny_journeys()
    )
    await migrate(db, reload_content=True, content_dir=folder)
    return await tourism_snapshot.load(db, max_entries=10_000)


def _values(cursor: str | None) -> list[object] | None:
    """A cursor's values (each encryption has a fresh nonce: compare what it holds)."""
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor, 1)
    except tourism_service.InvalidCursorError:
        return decode_cursor(cursor, 2)


def decoded(page: Page[Any]) -> tuple[Any, ...]:
    return (
        [item.id for item in page.items],
        [_values(c) for c in page.cursors],
        page.has_next_page,
        page.distances,
        _values(page.resume_at),
    )


async def all_pages(read: Any, first: int) -> list[tuple[Any, ...]]:
    """Every page, following endCursor, as comparable values."""
    pages, after = [], None
    for _ in range(100):
        page = await read(first=first, after=after)
        pages.append(decoded(page))
        if not page.has_next_page:
            return pages
        after = page.end_cursor
    raise AssertionError("more than 100 pages")


MONDAY_9 = datetime(2027, 3, 1, 9, 0, tzinfo=HANOI)
MONDAY_20 = datetime(2027, 3, 1, 20, 0)  # no offset: Hanoi time
BOX = BBox(west=105.80, south=21.00, east=105.87, north=21.05)

POI_CRITERIA = [
    PoiCriteria(),
    PoiCriteria(near=CENTRE),
    PoiCriteria(near=CENTRE, radius_meters=2_500),
    PoiCriteria(near=LatLng(21.06, 105.79), radius_meters=6_000, bbox=BOX),
    PoiCriteria(bbox=BOX),
    PoiCriteria(categories=["temple", "museum"]),
    PoiCriteria(near=CENTRE, categories=["market"], open_at=MONDAY_9),
    PoiCriteria(open_at=MONDAY_20),
    PoiCriteria(search="ho"),
    PoiCriteria(search="den ngoc"),
    PoiCriteria(near=CENTRE, search="chua"),
    PoiCriteria(search="hoàn kiếm", categories=["pagoda", "temple"]),
    PoiCriteria(search="zzz"),
]


@pytest.mark.parametrize("criteria", POI_CRITERIA, ids=lambda c: repr(c)[11:60])
async def test_place_lists_page_alike(
    content: TourismContent, db: Database, criteria: PoiCriteria
) -> None:
    async def from_database(first: int, after: str | None) -> Page[Any]:
        return await tourism_service.list_pois(db=db, criteria=criteria, first=first, after=after)

    async def from_memory(first: int, after: str | None) -> Page[Any]:
        return memory_service.list_pois(
            content=content, criteria=criteria, first=first, after=after
        )

    expected = await all_pages(from_database, 17)
    assert await all_pages(from_memory, 17) == expected
    assert sum(len(page[0]) for page in expected) > 0 or criteria.search == "zzz"


async def test_bad_input_is_refused_alike(content: TourismContent, db: Database) -> None:
    for criteria in (
        PoiCriteria(radius_meters=10),
        PoiCriteria(near=LatLng(91, 0)),
        PoiCriteria(bbox=BBox(west=2, south=0, east=1, north=1)),
        PoiCriteria(categories=[f"c{i}" for i in range(30)]),
    ):
        with pytest.raises(tourism_service.DomainError) as database_error:
            await tourism_service.list_pois(db=db, criteria=criteria, first=5, after=None)
        with pytest.raises(tourism_service.DomainError) as memory_error:
            memory_service.list_pois(content=content, criteria=criteria, first=5, after=None)
        assert memory_error.value.field == database_error.value.field
    with pytest.raises(tourism_service.InvalidCursorError):
        memory_service.list_pois(
            content=content, criteria=PoiCriteria(), first=5, after="not-a-cursor"
        )


@pytest.mark.parametrize(
    "criteria",
    [
        JourneyCriteria(),
        JourneyCriteria(near=CENTRE),
        JourneyCriteria(theme="history"),
        JourneyCriteria(max_duration_minutes=120, near=LatLng(21.04, 105.83)),
    ],
    ids=lambda c: repr(c)[15:60],
)
async def test_journey_lists_page_alike(
    content: TourismContent, db: Database, criteria: JourneyCriteria
) -> None:
    async def from_database(first: int, after: str | None) -> Page[Any]:
        return await tourism_service.list_journeys(
            db=db, criteria=criteria, first=first, after=after
        )

    async def from_memory(first: int, after: str | None) -> Page[Any]:
        return memory_service.list_journeys(
            content=content, criteria=criteria, first=first, after=after
        )

    assert await all_pages(from_memory, 1) == await all_pages(from_database, 1)


@pytest.mark.parametrize("query", ["ho", "hoan kiem", "Đền Ngọc", "chua tay", "walk", "x"])
@pytest.mark.parametrize("near", [None, CENTRE])
async def test_search_finds_alike(
    content: TourismContent, db: Database, query: str, near: LatLng | None
) -> None:
    def hits(found: list[tourism_service.SearchHit]) -> list[tuple[Any, ...]]:
        return [
            ((h.poi or h.journey).id, h.name_match, h.distance_meters)  # type: ignore[union-attr]
            for h in found
        ]

    expected = await tourism_service.search(db=db, query=query, first=40, near=near)
    got = memory_service.search(content=content, query=query, first=40, near=near)
    assert hits(got) == hits(expected)


@pytest.mark.parametrize(
    ("bbox", "zoom"),
    [
        (BBox(west=105.7, south=20.9, east=106.0, north=21.2), 11),
        (BBox(west=105.83, south=21.02, east=105.86, north=21.04), 15),
        (BBox(west=105.0, south=20.0, east=107.0, north=22.0), 3),
    ],
)
async def test_map_clusters_alike(
    content: TourismContent, db: Database, bbox: BBox, zoom: int
) -> None:
    expected = await cluster_service.poi_clusters(db=db, bbox=bbox, zoom=zoom)
    got = memory_service.poi_clusters(content=content, bbox=bbox, zoom=zoom)
    assert got == expected and expected.clusters


def test_grid_walks_nearest_first_like_a_full_sort() -> None:
    rng = random.Random(3)  # noqa: S311 (reproducible test data)
    points = [(rng.uniform(20.9, 21.2), rng.uniform(105.6, 106.0)) for _ in range(3_000)]
    points += [points[10]] * 3  # ties: by position
    grid = PointGrid(points, cell=0.01)
    for lat, lng, radius in [(21.03, 105.85, None), (21.0, 105.7, 3_000.0), (25.0, 110.0, None)]:
        walked = list(grid.nearest(lat=lat, lng=lng, max_meters=radius))
        brute = sorted(
            (geo.haversine_meters(lat1=lat, lng1=lng, lat2=p[0], lng2=p[1]), i)
            for i, p in enumerate(points)
        )
        assert walked == [item for item in brute if radius is None or item[0] <= radius]
    inside = grid.within(west=105.8, south=21.0, east=105.9, north=21.1)
    assert inside == [
        i for i, (lat, lng) in enumerate(points) if 21.0 <= lat <= 21.1 and 105.8 <= lng <= 105.9
    ]
