"""Shared steps of the ticket and email tests: a free tour (confirmed at once, no payment) and
a confirmed booking with its ticket, made through the app's GraphQL documents."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.bookings.conftest import BOOKING_HOLD, CONTACT, Gql, free_minute, key, tomorrow_at

ROOT = Path(__file__).resolve().parents[2]
FREE_TOUR = "free-walk-hoan-kiem"
OPERATIONS = ROOT / "graphql" / "operations" / "bookings"
BOOKING_QUERY = (OPERATIONS / "Booking.graphql").read_text()
BOOKING_REDEEM = (OPERATIONS / "BookingRedeem.graphql").read_text()

CONFIRM_WITH_TICKET = """
mutation BookingConfirm($input: BookingConfirmInput!) {
  bookingConfirm(input: $input) {
    booking { id code status productId startsAt guests
              ticket { code keyId qrSvg downloadUrl validFrom validUntil } }
    errors { field message code }
  }
}
"""


async def add_free_tour(db: Any, slug: str = FREE_TOUR) -> None:
    """A free walking tour (the city's own): a copy of a seeded tour that costs nothing."""
    tour = await db.tours.find_one({"_id": "old-quarter-walking"})
    tour.update(_id=slug, price_vnd=0)
    await db.tours.replace_one({"_id": slug}, tour, upsert=True)


def book_free_tour(
    gql: Gql, create_departure: Callable[..., Awaitable[dict[str, Any]]]
) -> Callable[..., Awaitable[dict[str, Any]]]:
    used: set[int] = set()

    async def book(
        *, uid: str = "tourist-1", guests: int = 2, tour: str = FREE_TOUR, day_offset: int = 0
    ) -> dict[str, Any]:
        # A minute no earlier booking of this test took (their departures would collide).
        starts_at = tomorrow_at(3) + timedelta(days=day_offset, minutes=free_minute(used))
        departure = await create_departure(tour=tour, starts_at=starts_at, capacity=20)
        held = await gql(
            BOOKING_HOLD,
            {
                "input": {
                    "idempotencyKey": key(),
                    "tour": {"departureId": departure["id"], "seats": guests},
                }
            },
            uid=uid,
        )
        hold = held["data"]["bookingHold"]
        assert hold["errors"] == [], hold
        confirmed = await gql(
            CONFIRM_WITH_TICKET,
            {
                "input": {
                    "holdId": hold["hold"]["id"],
                    "idempotencyKey": key(),
                    "contact": CONTACT,
                    "guests": guests,
                }
            },
            uid=uid,
        )
        payload = confirmed["data"]["bookingConfirm"]
        assert payload["errors"] == [], payload
        assert payload["booking"]["status"] == "CONFIRMED", payload
        return dict(payload["booking"])

    return book
