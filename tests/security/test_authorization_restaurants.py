"""Who may list restaurants, hold a table, mark a no-show and set a restaurant's tables.

The authorization matrix of restaurant tables (issue 22, item 5), in the form of
tests/security/test_authorization.py (whose table-completeness test reads this TABLE too).
"staff" are the restaurant's own (their `department` claim names it), "other staff" another
restaurant's; the Department of Tourism's staff are the booking staff of the other matrices.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend import clock
from tests.bookings.conftest import db, gql  # noqa: F401 - fixtures
from tests.bookings.restaurant_support import (
    BISTRO,
    NO_SHOW,
    RESTAURANT,
    RESTAURANTS,
    TABLES_SET,
    TAVERN,
    add_restaurants,
    confirm_table,
    day_ahead,
    hold_table,
    seating,
)
from tests.security.matrix import ACTOR_NAMES, DENIED, OK, actors

ACTORS = actors(staff=("waiter-1", BISTRO), other_staff=("waiter-2", TAVERN))

# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                        anonymous owner   other   staff   staff2              moderator admin
    "restaurants":          (OK,      OK,     OK,     OK,     OK,                 OK,       OK),
    "restaurant":           (OK,      OK,     OK,     OK,     OK,                 OK,       OK),
    "bookingNoShow":        (DENIED,  DENIED, DENIED, OK,     "errors: FORBIDDEN", DENIED,  OK),
    # Tourism staff (so-du-lich) and admins only: not a restaurant's own staff.
    "restaurantTablesSet":  (DENIED,  DENIED, DENIED, DENIED, DENIED,             DENIED,   OK),
}
# bookingHold of a table: any signed-in viewer.
HOLD_TABLE: tuple[str, ...] = ("UNAUTHENTICATED", OK, OK, OK, OK, OK, OK)
# fmt: on


async def call(run: Any, query: str, variables: dict[str, Any], who: dict[str, str] | None) -> Any:
    if who is None:
        return await run(query, variables)
    return await run(query, variables, uid=who["uid"], role=who.get("role"),
                     department=who.get("department", "so-du-lich"))  # fmt: skip


def outcome(body: dict[str, Any], field: str, done: str | None = None) -> str:
    if body.get("errors"):
        return ",".join(sorted({e["extensions"]["code"] for e in body["errors"]}))
    payload = body["data"][field]
    if isinstance(payload, dict) and payload.get("errors"):
        return f"errors: {payload['errors'][0]['code']}"
    if done is not None and payload[done] is None:
        return "NOTHING"
    return OK


async def test_restaurant_fields_answer_each_viewer_as_the_table_says(
    db: Any,  # noqa: F811
    gql: Any,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_restaurants(db)
    moment: list[datetime | None] = [None]
    monkeypatch.setattr(clock, "now", lambda: moment[0] or datetime.now(UTC))
    day = day_ahead(2)
    found: dict[str, list[str]] = {name: [] for name in (*TABLE, "hold")}
    bookings = []
    for index, who in enumerate(ACTORS):
        found["restaurants"].append(
            outcome(
                await call(gql, RESTAURANTS, {"filter": {"cuisine": "hotpot"}}, who), "restaurants"
            )
        )
        variables = {"id": BISTRO, "date": day.isoformat(), "partySize": 2}
        found["restaurant"].append(
            outcome(await call(gql, RESTAURANT, variables, who), "restaurant", None)
        )
        # each no-show gets a booking of its own: resident A's table at a seating of its own
        at = seating(day, 10 + index)
        held = await hold_table(gql, BISTRO, at, 2, uid="resident-a")
        booking = await confirm_table(gql, held["hold"]["id"], 2, uid="resident-a")
        assert booking["booking"]["status"] == "CONFIRMED", booking
        bookings.append(booking["booking"]["id"])
        evening = seating(day, 18) + timedelta(minutes=30 * index)
        hold = {
            "input": {
                "idempotencyKey": f"authz-{index}-hold-a-table",
                "table": {"restaurantId": BISTRO, "startsAt": evening.isoformat(),
                          "partySize": 3},
            }
        }  # fmt: skip
        document = "mutation($input: BookingHoldInput!) { bookingHold(input: $input) " \
            "{ hold { id } errors { code } } }"  # fmt: skip
        found["hold"].append(outcome(await call(gql, document, hold, who), "bookingHold", "hold"))
        tables = {"input": {"restaurantId": TAVERN, "tables": [{"partySize": 4, "count": 3}]}}
        found["restaurantTablesSet"].append(
            outcome(await call(gql, TABLES_SET, tables, who), "restaurantTablesSet", "restaurant")
        )
    moment[0] = seating(day, 10 + len(ACTORS)) + timedelta(minutes=16)
    for who, booking_id in zip(ACTORS, bookings, strict=True):
        body = await call(gql, NO_SHOW, {"input": {"bookingId": booking_id}}, who)
        found["bookingNoShow"].append(outcome(body, "bookingNoShow", "booking"))
    expected = {**TABLE, "hold": HOLD_TABLE}
    differences = [
        f"{field} as {actor}: expected {want}, got {got}"
        for field, wanted in expected.items()
        for actor, want, got in zip(ACTOR_NAMES, wanted, found[field], strict=True)
        if want != got
    ]
    assert differences == []
