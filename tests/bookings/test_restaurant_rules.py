"""Table reservations at their edges: staff changing tables while a seating opens, the deposit
paid for the party, the no-show window, staff hours that keep holiday closures, and content
reloads that move seatings already opened."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend import clock
from backend.auth.models import Role, Viewer
from backend.bookings import loader as booking_loader
from backend.bookings import repository as booking_repository
from backend.bookings import service as booking_service
from backend.bookings.service import holds as hold_service
from backend.bookings.service.common import BookingError
from tests.bookings.conftest import Gql, key
from tests.bookings.restaurant_support import (
    BISTRO,
    HOURS,
    ITEMS,
    NO_SHOW,
    TAVERN,
    add_restaurants,
    confirm_table,
    day_ahead,
    hold_table,
    seating,
)

ADMIN = Viewer(uid="admin-1", roles=frozenset({Role.ADMIN}))
BISTRO_STAFF = {"uid": "bistro-1", "role": "staff", "department": BISTRO}


@pytest.fixture
async def restaurants(db: Any) -> Any:
    await add_restaurants(db)
    return db


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def staff_set_tables(db: Any, tables: dict[int, int], *, now: datetime) -> None:
    """The bistro's staff set its tables per size (hours and deposit unchanged)."""
    await booking_service.set_tables(
        db=db,
        viewer=ADMIN,
        restaurant_id=BISTRO,
        tables=[booking_service.TablesSetting(size, n) for size, n in tables.items()],
        opening_hours=None,
        deposit_per_person_vnd=None,
        now=now,
    )


async def test_staff_lowering_tables_while_a_seating_opens_never_oversells(
    restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the bistro's two tables for 4, and staff lowering them to one after a hold has read
    # the restaurant but before it opens the seating
    now = datetime.now(UTC)
    at = seating(day_ahead(), 12)
    release = hold_service.release_expired_holds
    lowered: list[bool] = []

    async def staff_lower_the_tables(*args: Any, **kwargs: Any) -> Any:
        if not lowered:
            lowered.append(True)
            await staff_set_tables(restaurants, {2: 1, 4: 1}, now=now)
        return await release(*args, **kwargs)

    monkeypatch.setattr(hold_service, "release_expired_holds", staff_lower_the_tables)
    request = booking_service.TableHoldRequest(restaurant_id=BISTRO, starts_at=at, party_size=4)

    async def hold(uid: str) -> Any:
        viewer = Viewer(uid=uid, roles=frozenset({Role.RESIDENT}))
        return await booking_service.hold(
            db=restaurants,
            viewer=viewer,
            idempotency_key=key(),
            tour=None,
            room=None,
            table=request,
            now=now,
        )

    # when two parties of 4 hold that seating
    await hold("u1")
    with pytest.raises(BookingError) as refused:
        await hold("u2")
    # then the seating opened with the one table that exists, and the second is sold out
    assert refused.value.code.value == "SOLD_OUT"
    (slot,) = await booking_repository.table_slots(
        restaurants, BISTRO, at, at + timedelta(seconds=1)
    )
    assert (slot.size, slot.tables_total, slot.tables_left) == (4, 1, 0)


async def test_a_deposit_paid_for_a_party_confirms_that_party_not_the_tables_size(
    gql: Gql, restaurants: Any
) -> None:
    # given a party of 5 holding the tavern's table for 8 (100,000 VND a guest)
    held = await hold_table(gql, TAVERN, seating(day_ahead(), 19), 5)
    assert held["errors"] == [] and held["hold"]["totalPrice"] == 500_000
    # when it confirms for 8, it is refused: 3 guests would not have paid
    more = await confirm_table(gql, held["hold"]["id"], 8)
    assert codes(more) == ["TOO_MANY_GUESTS"]
    # and for the 5 it paid for, it waits on its payment
    five = await confirm_table(gql, held["hold"]["id"], 5)
    assert five["errors"] == [] and five["booking"]["guests"] == 5
    assert five["booking"]["status"] == "HELD" and five["paymentUrl"]


async def test_a_no_show_is_marked_within_a_day_of_the_seating_not_later(
    gql: Gql, restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = seating(day_ahead(1), 12)
    held = await hold_table(gql, BISTRO, at, 2)
    booking = (await confirm_table(gql, held["hold"]["id"], 2))["booking"]
    assert booking["status"] == "CONFIRMED"
    variables = {"input": {"bookingId": booking["id"]}}
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(hours=24, minutes=1))
    late = await gql(NO_SHOW, variables, **BISTRO_STAFF)
    assert codes(late["data"]["bookingNoShow"]) == ["NO_SHOW_NOT_ALLOWED"]
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(hours=23, minutes=59))
    marked = await gql(NO_SHOW, variables, **BISTRO_STAFF)
    assert marked["data"]["bookingNoShow"]["booking"]["status"] == "NO_SHOW"


async def test_weekly_hours_set_by_staff_keep_the_restaurants_dated_closures(
    restaurants: Any,
) -> None:
    closed = day_ahead(3)
    tables = [booking_service.TablesSetting(2, 1), booking_service.TablesSetting(4, 2)]
    with_closure = {"weekly": HOURS, "exceptions": [{"date": closed.isoformat(), "ranges": []}]}
    now = datetime.now(UTC)
    for hours in (with_closure, {"weekly": HOURS}):
        changed = await booking_service.set_tables(
            db=restaurants,
            viewer=ADMIN,
            restaurant_id=BISTRO,
            tables=tables,
            opening_hours=hours,
            deposit_per_person_vnd=None,
            now=now,
        )
    assert changed.hours_raw is not None
    assert changed.hours_raw["exceptions"] == with_closure["exceptions"]
    assert changed.seatings(closed) == []
    assert changed.seatings(day_ahead(4)) != []


async def test_a_content_reload_moves_opened_seatings_and_sells_no_table_content_dropped(
    gql: Gql, restaurants: Any
) -> None:
    # given the bistro's one table for 2, held for a seating (which opened it)
    at = seating(day_ahead(), 13)
    held = await hold_table(gql, BISTRO, at, 2)
    assert held["errors"] == []
    items = {item["slug"]: item for item in ITEMS}

    async def slot_now() -> tuple[int, int]:
        (slot,) = await booking_repository.table_slots(
            restaurants, BISTRO, at, at + timedelta(seconds=1)
        )
        return slot.tables_total, slot.tables_left

    async def reload(tables: dict[str, int]) -> tuple[int, int]:
        # Content listing the bistro alone (the loader retires the test's other restaurants).
        await booking_loader.load_restaurants(
            restaurants, [{**items[BISTRO], "tables": tables}], now=datetime.now(UTC)
        )
        return await slot_now()

    # when content gives it three tables for 2, the opened seating has two more free
    assert await reload({"2": 3, "4": 2}) == (3, 2)
    # when content drops them all, the held table stays and nothing is free
    assert await reload({"4": 2}) == (1, 0)
    # and when that hold expires, the table goes with it instead of becoming free
    released = await hold_service.release_expired_holds(
        restaurants, datetime.now(UTC) + timedelta(hours=1), item=held["hold"]["tableSlotId"]
    )
    assert released == 1 and await slot_now() == (0, 0)
    # and once staff set the tables, content no longer moves them
    await staff_set_tables(restaurants, {2: 2, 4: 2}, now=datetime.now(UTC))
    assert await reload({"2": 6, "4": 2}) == (2, 2)


async def test_staff_setting_tables_during_a_content_reload_is_what_the_seatings_keep(
    gql: Gql, restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an opened seating of the bistro (one table for 2, held)
    at = seating(day_ahead(), 14)
    assert (await hold_table(gql, BISTRO, at, 2))["errors"] == []
    items = {item["slug"]: item for item in ITEMS}
    read = booking_repository.restaurant_for_update
    staff: list[asyncio.Task[None]] = []

    async def staff_set_five_meanwhile(*args: Any, **kwargs: Any) -> Any:
        # The reload has read the restaurant in its transaction: staff set 5 tables for 2 now.
        found = await read(*args, **kwargs)
        if not staff:
            staff.append(
                asyncio.create_task(
                    staff_set_tables(restaurants, {2: 5, 4: 2}, now=datetime.now(UTC))
                )
            )
        return found

    monkeypatch.setattr(booking_repository, "restaurant_for_update", staff_set_five_meanwhile)
    # when content gives it 3 tables for 2 while staff set 5
    await booking_loader.load_restaurants(
        restaurants, [{**items[BISTRO], "tables": {"2": 3, "4": 2}}], now=datetime.now(UTC)
    )
    await staff[0]
    # then whichever committed first, the seating has the staff's 5 (one held), like the
    # restaurant itself and every seating opened later
    (slot,) = await booking_repository.table_slots(
        restaurants, BISTRO, at, at + timedelta(seconds=1)
    )
    assert (slot.tables_total, slot.tables_left, slot.tables_over) == (5, 4, 0)
    found = await booking_repository.get_restaurant(restaurants, BISTRO)
    assert found is not None and found.tables[2] == 5
