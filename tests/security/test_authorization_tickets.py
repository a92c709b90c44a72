"""Who may redeem a ticket, see it on a booking, and download it.

The authorization matrix of tickets (issue 22), in the form of tests/security/test_authorization.py
(whose table-completeness test reads this TABLE too). Each call gets a fresh ticket: resident A's
booking of a free walking tour. "staff" are the tour operator's (their `department` claim names
the tour), "other staff" another tour's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.bookings.conftest import create_departure, db, gql  # noqa: F401 - fixtures
from tests.bookings.tickets_support import (
    BOOKING_QUERY,
    BOOKING_REDEEM,
    FREE_TOUR,
    add_free_tour,
    book_free_tour,
)
from tests.security.matrix import ACTOR_NAMES, DENIED, NONE, OK, actors

ACTORS = actors(staff=("guide-1", FREE_TOUR), other_staff=("guide-2", "street-food-night"))

# fmt: off
# Role-only: an anonymous viewer is FORBIDDEN, like a resident (as in test_authorization.py).
OTHER_OPERATOR = "errors: TICKET_OTHER_OPERATOR"
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                  anonymous owner    other    staff  staff2          moderator admin
    "bookingRedeem":  (DENIED,  DENIED,  DENIED,  OK,    OTHER_OPERATOR, DENIED,   OK),
}
# Booking.ticket through booking(id) (null for whoever may not see the booking at all), and
# GET /tickets/{id}.svg.
BOOKING_TICKET: tuple[str, ...] = (NONE, OK, NONE, NONE, NONE, NONE, OK)
DOWNLOAD: tuple[int, ...] = (401, 200, 404, 404, 404, 404, 200)
# fmt: on


def outcome(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return ",".join(sorted({e["extensions"]["code"] for e in body["errors"]}))
    payload = body["data"]["bookingRedeem"]
    if payload["errors"]:
        return f"errors: {payload['errors'][0]['code']}"
    return OK if payload["booking"]["status"] == "REDEEMED" else "NOT REDEEMED"


async def call(run: Any, query: str, variables: dict[str, Any], who: dict[str, str] | None) -> Any:
    if who is None:
        return await run(query, variables)
    return await run(query, variables, uid=who["uid"], role=who.get("role"),
                     department=who.get("department", "so-du-lich"))  # fmt: skip


async def test_ticket_fields_answer_each_viewer_as_the_table_says(
    db: Any,  # noqa: F811
    gql: Any,  # noqa: F811
    create_departure: Any,  # noqa: F811
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
) -> None:
    await add_free_tour(db)
    book = book_free_tour(gql, create_departure)
    found: dict[str, list[Any]] = {"bookingRedeem": [], "ticket": [], "download": []}
    shown = await book(uid="resident-a")
    for who in ACTORS:
        # a fresh ticket for each redemption, so each is checked against a CONFIRMED booking
        fresh = await book(uid="resident-a")
        redeem = {"input": {"code": fresh["ticket"]["code"]}}
        found["bookingRedeem"].append(outcome(await call(gql, BOOKING_REDEEM, redeem, who)))
        body = await call(gql, BOOKING_QUERY, {"id": shown["id"]}, who)
        booking = body["data"]["booking"]
        found["ticket"].append(OK if booking and booking["ticket"] else NONE)
        headers = {}
        if who is not None:
            claims = {k: v for k, v in who.items() if k in ("role", "department")}
            headers["Authorization"] = f"Bearer {make_token(uid=who['uid'], claims=claims)}"
        download = await client.get(shown["ticket"]["downloadUrl"], headers=headers)
        found["download"].append(download.status_code)
    differences = [
        f"{field} as {actor}: expected {want}, got {got}"
        for field, expected in (
            ("bookingRedeem", TABLE["bookingRedeem"]),
            ("ticket", BOOKING_TICKET),
            ("download", DOWNLOAD),
        )
        for actor, want, got in zip(ACTOR_NAMES, expected, found[field], strict=True)
        if want != got
    ]
    assert differences == []
