"""Restaurants: the catalogue from content, the list's filters (near, cuisine, openAt, partySize,
date), a day's free seatings for a party, and free table holds through the app's documents."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from bson import ObjectId

from backend import clock
from backend.bookings import loader as booking_loader
from backend.bookings import repository as booking_repository
from backend.bookings import service as booking_service
from backend.bookings import snapshot as booking_snapshot
from backend.bookings.models import HANOI
from backend.pagination import decode_cursor
from tests.bookings.conftest import Gql, key
from tests.bookings.restaurant_support import (
    BISTRO,
    CUISINE,
    FAR,
    HERE,
    MY_BOOKINGS,
    NOWHERE,
    RESTAURANTS,
    ROOT,
    TABLE_CANCEL,
    TAVERN,
    TINY,
    add_restaurants,
    confirm_table,
    day_ahead,
    hold_table,
    listed,
    seating,
    slots_of,
)

NEAR = {"near": {"lat": HERE[0], "lng": HERE[1]}, "radiusMeters": 20_000}


@pytest.fixture
async def restaurants(db: Any) -> Any:
    await add_restaurants(db)
    return db


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def test_content_loads_20_real_restaurants_again_and_again_keeping_staff_settings(
    db: Any,
) -> None:
    # given the content (at least 20 real restaurants, each with its sources), loaded
    items = orjson.loads((ROOT / "content" / "restaurants" / "restaurants.json").read_bytes())
    items = items["restaurants"]
    assert await booking_loader.load_restaurants(db, items) == len(items) >= 20
    assert await db.restaurants.count_documents({"seeded": True}) == len(items)
    stored = await db.restaurants.find_one({"_id": items[0]["slug"]})
    assert stored["sources"] and stored["name"]["vi"] and stored["tables"]
    # when staff set a deposit, and the content is loaded again twice
    await db.restaurants.update_one(
        {"_id": items[0]["slug"]}, {"$set": {"overrides.deposit_per_person_vnd": 50_000}}
    )
    for _ in range(2):
        assert await booking_loader.load_restaurants(db, items) == len(items)
    # then nothing is duplicated and the staff setting stays
    assert await db.restaurants.count_documents({}) == len(items)
    found = await booking_repository.get_restaurant(db, items[0]["slug"])
    assert found is not None and found.deposit_per_person_vnd == 50_000


async def test_near_lists_nearest_first_with_distances_and_pages_by_cursor(
    gql: Gql, restaurants: Any
) -> None:
    # when the tourist lists restaurants near a point, two per page
    body = await gql(RESTAURANTS, {"filter": {**NEAR, "cuisine": CUISINE}, "first": 2})
    page = body["data"]["restaurants"]
    # then nearest first, each with its distance; the one without a location is never matched
    assert [e["node"]["id"] for e in page["edges"]] == [BISTRO, TAVERN]
    assert [round(e["distanceMeters"], -2) for e in page["edges"]] == [2000, 4000]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = await listed(gql, {**NEAR, "cuisine": CUISINE}, first=2, after=after)
    assert rest == [FAR, TINY]
    # and without `near` the list goes by id and includes the restaurant without a location
    assert await listed(gql, {"cuisine": CUISINE}) == [BISTRO, FAR, NOWHERE, TAVERN, TINY]
    by_id = await gql(RESTAURANTS, {"filter": {"cuisine": CUISINE}, "first": 2})
    end = by_id["data"]["restaurants"]["pageInfo"]["endCursor"]
    assert await listed(gql, {"cuisine": CUISINE}, first=2, after=end) == [NOWHERE, TAVERN]
    # and a bad cursor is a typed error
    bad = await gql(RESTAURANTS, {"filter": NEAR, "after": "nonsense"})
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_filters_open_at_party_size_cuisine_and_date(gql: Gql, restaurants: Any) -> None:
    day = day_ahead(2)
    # openAt: only those open at that instant (the tavern runs past midnight)
    late = seating(day, 23).isoformat()
    assert await listed(gql, {**NEAR, "cuisine": CUISINE, "openAt": late}) == [TAVERN]
    noon = seating(day, 12).isoformat()
    open_at_noon = await listed(gql, {**NEAR, "cuisine": CUISINE, "openAt": noon})
    assert open_at_noon == ([BISTRO, TINY] if day.weekday() == 0 else [BISTRO, FAR, TINY])
    # partySize: a table that seats the party
    assert await listed(gql, {**NEAR, "cuisine": CUISINE, "partySize": 3}) == [BISTRO, TAVERN]
    assert await listed(gql, {**NEAR, "cuisine": CUISINE, "partySize": 7}) == [TAVERN]
    # cuisine: a tag
    assert await listed(gql, {**NEAR, "cuisine": "hotpot"}) == [TAVERN]
    # date: a free future seating that day; the tiny one's only table at its only seating goes
    with_date = {**NEAR, "cuisine": CUISINE, "date": day.isoformat(), "partySize": 2}
    assert TINY in await listed(gql, with_date)
    held = await hold_table(gql, TINY, seating(day, 12), 2)
    assert held["errors"] == []
    assert TINY not in await listed(gql, with_date)
    assert BISTRO in await listed(gql, with_date)
    # and bad filters are typed errors
    too_many = await gql(RESTAURANTS, {"filter": {"partySize": 0}})
    assert too_many["data"] is None
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_slots_every_30_minutes_until_an_hour_before_closing(
    gql: Gql, restaurants: Any
) -> None:
    day = day_ahead(2)
    # a party of 2 takes the table for 2; 10:00 to 21:00 every half hour
    slots = await slots_of(gql, BISTRO, day, 2)
    starts = [datetime.fromisoformat(s["startsAt"]).astimezone(HANOI) for s in slots]
    assert starts[0].strftime("%H:%M") == "10:00" and starts[-1].strftime("%H:%M") == "21:00"
    assert len(slots) == 23
    assert {(s["tableSize"], s["tablesLeft"], s["tablesTotal"]) for s in slots} == {(2, 1, 1)}
    # a party of 3 takes a table for 4 (two of them)
    assert {(s["tableSize"], s["tablesLeft"]) for s in await slots_of(gql, BISTRO, day, 3)} == {
        (4, 2)
    }
    # the tavern's range crosses midnight: 17:00 to 01:00 belong to this day
    late = await slots_of(gql, TAVERN, day, 4)
    assert len(late) == 17
    assert datetime.fromisoformat(late[-1]["startsAt"]) == seating(day, 1) + timedelta(days=1)
    # no hours known: no seatings; too many guests: a typed error
    assert await slots_of(gql, NOWHERE, day, 2) == []
    body = await gql(
        "query($id: ID!, $d: Date!) { restaurant(id: $id) { slots(date: $d, partySize: 5) "
        "{ id } } }",
        {"id": BISTRO, "d": day.isoformat()},
    )
    assert body["errors"][0]["extensions"]["code"] == "TOO_MANY_GUESTS"


async def test_only_future_seatings_are_offered(
    gql: Gql, restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = day_ahead(2)
    monkeypatch.setattr(clock, "now", lambda: seating(day, 15, 10))
    slots = await slots_of(gql, BISTRO, day, 2)
    first = datetime.fromisoformat(slots[0]["startsAt"]).astimezone(HANOI)
    assert first.strftime("%H:%M") == "15:30"


async def test_free_table_hold_confirms_at_once_and_cancel_returns_the_table(
    gql: Gql, restaurants: Any
) -> None:
    day = day_ahead(2)
    at = seating(day, 12)
    # when a party of 2 holds the bistro's only table for 2 at 12:00
    held = await hold_table(gql, BISTRO, at, 2)
    hold = held["hold"]
    assert held["errors"] == [] and hold["kind"] == "TABLE" and hold["totalPrice"] == 0
    assert hold["tableSlot"]["tablesLeft"] == 0 and hold["tableSlot"]["tableSize"] == 2
    assert at not in [
        datetime.fromisoformat(s["startsAt"]) for s in await slots_of(gql, BISTRO, day, 2)
    ]
    # then confirming it books it at once, with a ticket
    confirmed = await confirm_table(gql, hold["id"], 2)
    booking = confirmed["booking"]
    assert confirmed["errors"] == [] and booking["status"] == "CONFIRMED"
    assert booking["kind"] == "TABLE" and booking["paymentStatus"] == "NOT_REQUIRED"
    assert booking["ticket"]["code"] and confirmed["paymentUrl"] is None
    mine = (await gql(MY_BOOKINGS, {}, uid="tourist-1"))["data"]["myBookings"]["edges"]
    assert [edge["node"]["id"] for edge in mine] == [booking["id"]]
    # when its owner cancels (days ahead: allowed)
    body = await gql(TABLE_CANCEL, {"input": {"bookingId": booking["id"]}}, uid="tourist-1")
    cancelled = body["data"]["bookingCancel"]
    # then the table is back, once
    assert cancelled["booking"]["status"] == "CANCELLED"
    assert cancelled["booking"]["tableSlot"]["tablesLeft"] == 1
    again = await gql(TABLE_CANCEL, {"input": {"bookingId": booking["id"]}}, uid="tourist-1")
    assert codes(again["data"]["bookingCancel"]) == ["ALREADY_CANCELLED"]
    stored = await db_slot(restaurants, hold["tableSlotId"])
    assert (stored["tables_total"], stored["tables_left"]) == (1, 1)


async def db_slot(db: Any, slot_id: str) -> dict[str, Any]:
    found: dict[str, Any] = await db.restaurant_tables.find_one({"_id": slot_id})
    return found


async def test_table_hold_refusals_are_typed_and_idempotent(gql: Gql, restaurants: Any) -> None:
    day = day_ahead(2)
    assert codes(await hold_table(gql, BISTRO, seating(day, 12), 5)) == ["TOO_MANY_GUESTS"]
    assert codes(await hold_table(gql, BISTRO, seating(day, 12, 10), 2)) == ["INVALID_DATES"]
    assert codes(await hold_table(gql, BISTRO, seating(day, 23), 2)) == ["INVALID_DATES"]
    past = datetime.now(UTC) - timedelta(hours=1)
    assert codes(await hold_table(gql, BISTRO, past, 2)) == ["INVALID_DATES"]
    assert codes(await hold_table(gql, "no-such-place", seating(day, 12), 2)) == ["NOT_FOUND"]
    assert codes(await hold_table(gql, NOWHERE, seating(day, 12), 2)) == ["INVALID_DATES"]
    # the same key and input: the first hold; the same key, other input: refused
    idem = key()
    first = await hold_table(gql, BISTRO, seating(day, 14), 3, idem=idem)
    second = await hold_table(gql, BISTRO, seating(day, 14), 3, idem=idem)
    assert first["hold"]["id"] == second["hold"]["id"]
    assert second["hold"]["tableSlot"]["tablesLeft"] == 1
    other = await hold_table(gql, BISTRO, seating(day, 14), 4, idem=idem)
    assert codes(other) == ["IDEMPOTENCY_KEY_REUSED"]
    # and a table with tour seats at once is refused
    both = await gql(
        "mutation($i: BookingHoldInput!) { bookingHold(input: $i) { errors { code } } }",
        {
            "i": {
                "idempotencyKey": key(),
                "tour": {"departureId": str(ObjectId()), "seats": 1},
                "table": {
                    "restaurantId": BISTRO,
                    "startsAt": seating(day, 12).isoformat(),
                    "partySize": 2,
                },
            }
        },
        uid="tourist-1",
    )
    assert codes(both["data"]["bookingHold"]) == ["INVALID_INPUT"]


async def test_50_concurrent_holds_on_a_one_table_seating_never_oversell(
    gql: Gql, restaurants: Any
) -> None:
    at = seating(day_ahead(3), 13)
    results = await asyncio.gather(
        *(hold_table(gql, BISTRO, at, 2, uid=f"tourist-{i}") for i in range(50))
    )
    won = [r for r in results if r["hold"] is not None]
    assert len(won) == 1
    assert sorted({code for r in results for code in codes(r)}) == ["SOLD_OUT"]
    stored = await db_slot(restaurants, won[0]["hold"]["tableSlotId"])
    assert (stored["tables_total"], stored["tables_left"]) == (1, 0)


async def test_an_expired_table_hold_gives_its_table_back_once(gql: Gql, restaurants: Any) -> None:
    # given a hold whose 10 minutes have passed
    held = (await hold_table(gql, BISTRO, seating(day_ahead(2), 18), 2))["hold"]
    past = datetime.now(UTC) - timedelta(seconds=1)
    await restaurants.booking_holds.update_one(
        {"_id": ObjectId(held["id"])}, {"$set": {"expire_at": past}}
    )
    # when the sweep runs, and again racing itself
    now = datetime.now(UTC)
    first = await booking_service.sweep(restaurants, now)
    again = await asyncio.gather(*(booking_service.sweep(restaurants, now) for _ in range(4)))
    # then the table came back exactly once and the hold cannot be confirmed
    assert (first, sum(again)) == (1, 0)
    assert (await db_slot(restaurants, held["tableSlotId"]))["tables_left"] == 1
    assert codes(await confirm_table(gql, held["id"], 2)) == ["HOLD_EXPIRED"]


async def test_restaurant_queries_use_an_index(restaurants: Any) -> None:
    now = datetime.now(UTC)
    plans = [
        await restaurants[booking_repository.RESTAURANT_TABLES]
        .find(booking_repository.slots_filter(BISTRO, now, now + timedelta(days=1)))
        .explain(),
        await restaurants[booking_repository.RESTAURANTS]
        .find(
            booking_repository.restaurants_filter(near=(*HERE, 5000.0), cuisine=None, after_id=None)
        )
        .explain(),
        await restaurants[booking_repository.RESTAURANTS]
        .find(booking_repository.restaurants_filter(near=None, cuisine=CUISINE, after_id=None))
        .explain(),
        await restaurants[booking_repository.RESTAURANT_TABLES]
        .find(booking_repository.full_seatings_filter(now, now + timedelta(days=2)))
        .explain(),
    ]
    indexes = ("restaurant_starts_at_size", "location_2dsphere", "cuisine_id", "left_starts_at")
    for plan, index in zip(plans, indexes, strict=True):
        winning = str(plan["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in winning and index in winning, winning


async def test_the_snapshot_lists_restaurants_like_the_database(restaurants: Any) -> None:
    content = await booking_snapshot.load(restaurants)
    now = datetime.now(UTC)
    near = booking_service.Near(HERE[0], HERE[1], 20_000)
    for kwargs in (
        {"near": near, "cuisine": CUISINE},
        {"near": None, "cuisine": CUISINE},
        {"near": None, "cuisine": None},
        {"near": near, "cuisine": None, "party": 7},
    ):
        args = {"open_at": None, "party": None, "day": None, "first": 3, "after": None, **kwargs}
        from_db = await booking_service.list_restaurants(db=restaurants, now=now, **args)
        from_memory = await booking_service.list_restaurants(
            db=restaurants, now=now, content=content, **args
        )
        assert [r.id for r in from_db.items] == [r.id for r in from_memory.items]
        width = 2 if kwargs["near"] else 1
        assert [decode_cursor(c, width) for c in from_db.cursors] == [
            decode_cursor(c, width) for c in from_memory.cursors
        ]
