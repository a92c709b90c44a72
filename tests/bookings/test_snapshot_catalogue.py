"""Tours and hotels as descriptions in the content snapshot: the catalogue lists answer like the
database on the same data (every filter and page size: pages, order, cursors, distances), and
through the app a description changes when the content stamp moves while seats stay live."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.bookings import repository as booking_repository
from backend.bookings import service as booking_service
from backend.bookings import snapshot as booking_snapshot
from backend.bookings.models import hanoi_date
from backend.bookings.snapshot import BookingContent
from backend.db import Database
from backend.meta import repository as meta_repository
from backend.pagination import Page, decode_cursor
from backend.settings import Settings
from tests.bookings.conftest import Gql, stay
from tests.conftest import with_settings

HOAN_KIEM = (21.0285, 105.8542)
GENERATED = 24  # tours and as many hotels, beside the catalogue's 9 tours and 6 hotels
SIZES = (1, 4, 100)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The app of these tests answers public content from its snapshot."""
    return with_settings(settings, content_snapshot=True)


def _near(lat: float, lng: float, radius_m: float) -> booking_service.Near:
    return booking_service.Near(lat, lng, radius_m)


def _today() -> date:
    return hanoi_date(datetime.now(UTC))


def tour_queries() -> list[dict[str, Any]]:
    tomorrow = _today() + timedelta(days=1)
    return [
        {},
        {"language": "fr"},
        {"language": "en"},
        {"language": "xx"},
        {"near": _near(*HOAN_KIEM, 20_000)},
        {"near": _near(*HOAN_KIEM, 1_500)},
        {"near": _near(*HOAN_KIEM, 50_000), "language": "fr"},
        {"near": _near(21.9, 106.9, 50_000)},  # far from the city: nothing within reach
        {"day": tomorrow},
        {"day": tomorrow, "language": "ko"},
        {"day": tomorrow, "near": _near(*HOAN_KIEM, 5_000)},
        {"day": _today() + timedelta(days=4000)},  # no departures
    ]


def hotel_queries() -> list[dict[str, Any]]:
    check_in, check_out = stay()
    return [
        {},
        {"near": _near(*HOAN_KIEM, 20_000)},
        {"near": _near(*HOAN_KIEM, 1_200)},
        {"guests": 2},
        {"guests": 9},
        {"check_in": check_in, "check_out": check_out},
        {"check_in": check_in, "check_out": check_out, "guests": 4},
        {"check_in": check_in, "check_out": check_out, "near": _near(*HOAN_KIEM, 3_000)},
        {"near": _near(*HOAN_KIEM, 10_000), "guests": 3},
    ]


async def _generate(db: Database) -> None:
    """Copies of the catalogue's tours and hotels around the centre (other slugs, positions and
    languages), so that pages and distances have many entries to order."""
    tours = await booking_repository.tour_documents(db, limit=100)
    hotels = await booking_repository.hotel_documents(db, limit=100)
    languages = (["vi", "en"], ["fr"], ["ko", "en"], ["ja"])
    for i in range(GENERATED):
        lat, lng = HOAN_KIEM[0] + (i % 7 - 3) * 0.004, HOAN_KIEM[1] + (i % 5 - 2) * 0.006
        tour = dict(tours[i % len(tours)], _id=f"gen-tour-{i:02d}", languages=languages[i % 4])
        tour["meeting_point"] = dict(
            tour["meeting_point"], location={"type": "Point", "coordinates": [lng, lat]}
        )
        await booking_repository.upsert_tour(db, tour["_id"], tour)
        hotel = dict(hotels[i % len(hotels)], _id=f"gen-hotel-{i:02d}")
        hotel["location"] = {"type": "Point", "coordinates": [lng + 0.001, lat - 0.002]}
        await booking_repository.upsert_hotel(db, hotel["_id"], hotel)


@pytest.fixture
async def catalogue(db: Database) -> BookingContent:
    await _generate(db)
    return await booking_snapshot.load(db)


def _values(cursor: str | None) -> list[object] | None:
    """A cursor's values (each encryption has a fresh nonce: compare what it holds)."""
    if cursor is None:
        return None
    try:
        return decode_cursor(cursor, 1)
    except Exception:  # a (distance, slug) cursor
        return decode_cursor(cursor, 2)


def decoded(page: Page[Any]) -> tuple[Any, ...]:
    return (
        list(page.items),
        [_values(cursor) for cursor in page.cursors],
        page.has_next_page,
        page.distances,
    )


async def _tour_page(
    db: Database, content: BookingContent | None, first: int, after: str | None, **query: Any
) -> Page[Any]:
    return await booking_service.list_tours(
        db=db,
        near=query.get("near"),
        language=query.get("language"),
        day=query.get("day"),
        first=first,
        after=after,
        content=content,
    )


async def _hotel_page(
    db: Database, content: BookingContent | None, first: int, after: str | None, **query: Any
) -> Page[Any]:
    return await booking_service.list_hotels(
        db=db,
        near=query.get("near"),
        check_in=query.get("check_in"),
        check_out=query.get("check_out"),
        guests=query.get("guests"),
        first=first,
        after=after,
        now=datetime.now(UTC),
        content=content,
    )


async def all_pages(
    list_page: Callable[..., Any],
    db: Database,
    content: BookingContent | None,
    first: int,
    **q: Any,
) -> list[tuple[Any, ...]]:
    pages, after = [], None
    for _ in range(200):
        page = await list_page(db, content, first, after, **q)
        pages.append(decoded(page))
        if not page.has_next_page:
            return pages
        after = page.end_cursor
    raise AssertionError("more than 200 pages")


async def test_tour_lists_page_alike(db: Database, catalogue: BookingContent) -> None:
    differing, shown = [], {}
    for i, query in enumerate(tour_queries()):
        for first in SIZES:
            from_database = await all_pages(_tour_page, db, None, first, **query)
            from_memory = await all_pages(_tour_page, db, catalogue, first, **query)
            if from_memory != from_database:
                differing.append((query, first))
            shown[i] = sum(len(page[0]) for page in from_database)
    assert differing == []
    # the shapes are not all empty or all full: each filter bites
    assert shown[0] == 9 + GENERATED == len(catalogue.tours)
    assert 0 < shown[1] < shown[0] and shown[3] == 0 and shown[7] == 0
    assert 0 < shown[5] < shown[4] and 0 < shown[8] < shown[0] and shown[11] == 0


async def test_hotel_lists_page_alike(db: Database, catalogue: BookingContent) -> None:
    differing, shown = [], {}
    for i, query in enumerate(hotel_queries()):
        for first in SIZES:
            from_database = await all_pages(_hotel_page, db, None, first, **query)
            from_memory = await all_pages(_hotel_page, db, catalogue, first, **query)
            if from_memory != from_database:
                differing.append((query, first))
            shown[i] = sum(len(page[0]) for page in from_database)
    assert differing == []
    assert shown[0] == 6 + GENERATED and 0 < shown[2] < shown[1] and shown[5] > 0


async def test_a_database_cursor_continues_in_memory(
    db: Database, catalogue: BookingContent
) -> None:
    # given the first page of a nearest-first list answered by the database
    near = _near(*HOAN_KIEM, 20_000)
    first_page = await _tour_page(db, None, 5, None, near=near)
    # when the next page comes from memory (the process loaded the snapshot meanwhile)
    from_memory = await _tour_page(db, catalogue, 5, first_page.end_cursor, near=near)
    # then it is the page the database gives
    from_database = await _tour_page(db, None, 5, first_page.end_cursor, near=near)
    assert decoded(from_memory) == decoded(from_database) and from_memory.items


async def test_one_tour_and_one_hotel_alike(db: Database, catalogue: BookingContent) -> None:
    for slug in ("old-quarter-walking", "gen-tour-03", "ho-guom-heritage", "nope", "", "x" * 300):
        tour = await booking_service.get_tour(db=db, tour_id=slug)
        assert await booking_service.get_tour(db=db, tour_id=slug, content=catalogue) == tour
        hotel = await booking_service.get_hotel(db=db, hotel_id=slug)
        assert await booking_service.get_hotel(db=db, hotel_id=slug, content=catalogue) == hotel
    assert catalogue.tour("old-quarter-walking") is not None
    assert catalogue.hotel("ho-guom-heritage") is not None
    assert catalogue.size_bytes > 10_000


async def test_too_many_offers_are_left_to_the_database(db: Database) -> None:
    await db.restaurants.delete_many({})  # the bound is per kind: tours and hotels here
    with pytest.raises(booking_snapshot.TooManyOffersError):
        await booking_snapshot.load(db, max_items=8)  # 9 tours
    assert (await booking_snapshot.load(db, max_items=9)).entries == 15


# -- through the app -----------------------------------------------------------------------------

TOUR = """
query Tour($id: ID!) {
  tour(id: $id) { id title departures { id seatsLeft } }
  tours(first: 20) { edges { node { id title } } }
}
"""
HOTEL = """
query Hotel($id: ID!) {
  hotel(id: $id) { id name roomTypes { id } }
  hotels(filter: {near: {lat: 21.0285, lng: 105.8542}}, first: 20) { edges { node { name } } }
}
"""


async def _data(gql: Gql, query: str, slug: str) -> dict[str, Any]:
    body = await gql(query, {"id": slug}, uid="tourist-snapshot")
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_descriptions_follow_the_stamp_while_seats_stay_live(
    db: Database, gql: Gql, hold_tour: Callable[..., Any]
) -> None:
    # given the app's snapshot holding the catalogue (this process moved the stamp: it reloads)
    await meta_repository.bump_content_revision(db, at=datetime.now(UTC))
    before = await _data(gql, TOUR, "old-quarter-walking")
    hotel_before = await _data(gql, HOTEL, "ho-guom-heritage")
    departure = before["tour"]["departures"][0]
    # when descriptions change behind the app's back (no new stamp) and seats are held
    await db["tours"].update_one(
        {"_id": "old-quarter-walking"}, {"$set": {"title.vi": "Đổi tên", "title.en": "Renamed"}}
    )
    await db["hotels"].update_one(
        {"_id": "ho-guom-heritage"}, {"$set": {"name.vi": "Đổi tên", "name.en": "Renamed"}}
    )
    assert (await hold_tour(departure["id"], seats=2))["hold"]["quantity"] == 2
    # then the descriptions are the snapshot's, and the seats left are the database's
    during = await _data(gql, TOUR, "old-quarter-walking")
    assert during["tour"]["title"] == before["tour"]["title"] != "Renamed"
    assert during["tours"] == before["tours"]
    assert await _data(gql, HOTEL, "ho-guom-heritage") == hotel_before
    seats = {d["id"]: d["seatsLeft"] for d in during["tour"]["departures"]}
    assert seats[departure["id"]] == departure["seatsLeft"] - 2
    # when a content writer moves the stamp, the next request reads the new descriptions
    await meta_repository.bump_content_revision(db, at=datetime.now(UTC))
    after = await _data(gql, TOUR, "old-quarter-walking")
    assert after["tour"]["title"] in ("Đổi tên", "Renamed")
    assert after["tour"]["title"] in str(after["tours"])
    hotel_after = await _data(gql, HOTEL, "ho-guom-heritage")
    assert hotel_after["hotel"]["name"] in ("Đổi tên", "Renamed")
    assert hotel_after["hotel"]["roomTypes"] == hotel_before["hotel"]["roomTypes"]
    assert hotel_after["hotel"]["name"] in str(hotel_after["hotels"])
    assert after["tour"]["departures"] == during["tour"]["departures"]
