"""The content snapshot's wards and communes, report categories and departments answer like the
database on the same data (pages, order, cursors, distances), and every writer of that content
moves the content stamp, so every web process reloads."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend.areas import repository as area_repository
from backend.areas import service as area_service
from backend.areas import snapshot as area_snapshot
from backend.areas.snapshot import AreaContent
from backend.db import Database
from backend.meta import repository as meta_repository
from backend.pagination import Page, decode_cursor
from backend.reports import repository as report_repository
from backend.reports import snapshot as catalogue_snapshot
from backend.settings import Settings
from tests.areas import test_import as import_support
from tests.conftest import SeedTemplates, with_settings

HOAN_KIEM = (21.0285, 105.8542)
BA_VI = (21.199, 105.423)

AREAS_QUERIES: list[dict[str, Any]] = [
    {},
    {"search": "phuong"},
    {"search": "hoan kiem"},
    {"search": "xã ba"},
    {"search": "00"},
    {"search": "zzz"},
    {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]},
    {"lat": BA_VI[0], "lng": BA_VI[1], "search": "xa"},
    {"lat": 21.3, "lng": 106.2},  # outside the city: every unit is still ranked
]


@pytest.fixture
async def db(
    db_client: Any, settings: Settings, seed_templates: SeedTemplates
) -> AsyncIterator[Database]:
    """The test's database with every content loader's content, as `migrate` leaves it."""
    database: Database = db_client[settings.mongodb_db]
    await seed_templates.copy(database)
    yield database
    await db_client.drop_database(settings.mongodb_db)


@pytest.fixture
async def areas(db: Database) -> AreaContent:
    return await area_snapshot.load(db)


def _values(cursor: str | None) -> list[object] | None:
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor, 1)
    except Exception:  # a (distance, code) cursor
        return decode_cursor(cursor, 2)


def decoded(page: Page[Any]) -> tuple[Any, ...]:
    return (
        [item for item in page.items],
        [_values(c) for c in page.cursors],
        page.has_next_page,
        page.distances,
    )


async def all_pages(db: Database, content: AreaContent | None, first: int, **query: Any) -> list:
    pages, after = [], None
    for _ in range(200):
        page = await area_service.list_areas(
            db=db,
            search=query.get("search"),
            lat=query.get("lat"),
            lng=query.get("lng"),
            first=first,
            after=after,
            content=content,
        )
        pages.append(decoded(page))
        if not page.has_next_page:
            return pages
        after = page.end_cursor
    raise AssertionError("more than 200 pages")


async def test_area_lists_page_alike(db: Database, areas: AreaContent) -> None:
    # One database for every shape (a seed copy each took most of the time): each query shape at
    # each page size, read to its end both ways.
    differing = []
    for query in AREAS_QUERIES:
        for first in (1, 7, 100):
            from_database = await all_pages(db, None, first, **query)
            from_memory = await all_pages(db, areas, first, **query)
            if from_memory != from_database:
                differing.append((query, first))
            shown = sum(len(page[0]) for page in from_database)
            if not query:
                assert shown == 126
    assert differing == []


async def test_a_database_cursor_continues_in_memory(db: Database, areas: AreaContent) -> None:
    # given the first page of a nearest-first list answered by the database
    near = {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]}
    first_page = await area_service.list_areas(db=db, search=None, first=5, after=None, **near)
    # when the next page comes from memory (the process loaded the snapshot meanwhile)
    args = {"search": None, "first": 5, "after": first_page.end_cursor, **near}
    from_memory = await area_service.list_areas(db=db, content=areas, **args)
    # then it is the page the database gives
    assert decoded(from_memory) == decoded(await area_service.list_areas(db=db, **args))


async def test_one_area_and_named_units_alike(db: Database, areas: AreaContent) -> None:
    for area_id in ("00070", "00082", "nope", "", "x" * 40):
        expected = await area_service.get_area(db=db, area_id=area_id)
        assert await area_service.get_area(db=db, area_id=area_id, content=areas) == expected
    for text in ("12 Tràng Tiền, phường Hoàn Kiếm", "Lang Ward, Hanoi", "Trần Phú", "nowhere"):
        expected = await area_service.named_in(db=db, text=text)
        assert await area_service.named_in(db=db, text=text, content=areas) == expected


async def test_areas_in_memory_are_small_and_without_polygons(db: Database) -> None:
    # given every unit with an imported boundary
    result = await import_support.run_import(db, await import_support.tiling(db))
    assert len(result.imported) == 126
    # when the snapshot loads the units
    areas = await area_snapshot.load(db)
    # then it holds the 126 units and knows they have polygons, without holding them
    polygons = await area_repository.polygons(db)
    assert areas.entries == 126 and all(unit.has_polygon for unit in areas.units)
    assert areas.size_bytes < 60_000  # 47 kB today (with the stored search terms)
    assert areas.units == tuple(await area_repository.page_after(db, after=None, limit=1_000))
    assert len(polygons) == 126


async def test_too_many_units_are_left_to_the_database(db: Database) -> None:
    with pytest.raises(area_snapshot.TooManyUnitsError):
        await area_snapshot.load(db, max_units=100)
    with pytest.raises(catalogue_snapshot.TooManyItemsError):
        await catalogue_snapshot.load(db, max_items=3)


async def test_categories_and_departments_alike(db: Database) -> None:
    catalogue = await catalogue_snapshot.load(db)
    assert list(catalogue.categories) == await report_repository.list_categories(db)
    names = await report_repository.department_names(db)
    assert catalogue.department_names == names and len(names) > 3
    for category in catalogue.categories:
        assert catalogue.category(category.id) == await report_repository.get_category(
            db, category.id
        )
        assert catalogue.department(category.department) == names[category.department]
    assert catalogue.category("nope") is None and catalogue.department("nope") is None


async def test_areas_import_moves_the_content_stamp(db: Database) -> None:
    # given the content stamp
    before = await meta_repository.content_stamp(db)
    # when the city's boundaries are imported
    await import_support.run_import(db, await import_support.tiling(db))
    # then the stamp moved (every process's snapshot reloads), and a second, unchanged import
    # leaves it alone
    after = await meta_repository.content_stamp(db)
    assert after != before
    await import_support.run_import(db, await import_support.tiling(db))
    assert await meta_repository.content_stamp(db) == after


# -- through the app -----------------------------------------------------------------------------

AREA = 'query { area(id: "00070") { id name approximate } }'
AREAS = 'query { areas(search: "hoan", first: 3) { edges { node { id name } } } }'
CATEGORIES = "query { reportCategories { id name department } }"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_settings(settings, content_snapshot=True, seed_on_start=True)


async def _gql(client: httpx.AsyncClient, query: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_the_app_answers_areas_and_categories_from_memory_until_the_stamp_moves(
    client: httpx.AsyncClient, db_client: Any, settings: Settings
) -> None:
    db = db_client[settings.mongodb_db]
    first = await _gql(client, AREA)
    categories = (await _gql(client, CATEGORIES))["reportCategories"]
    assert first["area"]["approximate"] is True and categories
    one = categories[0]
    # when the database changes behind the app's back, without a new stamp
    await db["areas"].update_one({"_id": "00070"}, {"$set": {"name.en": "Renamed Ward"}})
    await db["categories"].update_one({"_id": one["id"]}, {"$set": {"name.en": "Renamed"}})
    # then the answers are the snapshot's
    assert await _gql(client, AREA) == first
    assert "Renamed Ward" not in str(await _gql(client, AREAS))
    assert (await _gql(client, CATEGORIES))["reportCategories"][0] == one
    # when a content writer moves the stamp, the next request reads the new content
    await meta_repository.bump_content_revision(db, at=datetime.now(UTC))
    assert (await _gql(client, AREA))["area"]["name"] == "Renamed Ward"
    assert "Renamed Ward" in str(await _gql(client, AREAS))
    assert (await _gql(client, CATEGORIES))["reportCategories"][0]["name"] == "Renamed"
