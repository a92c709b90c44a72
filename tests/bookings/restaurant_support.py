"""Shared steps of the restaurant tests: two restaurants of the test's own (far from the seeded
ones, with a cuisine tag nobody else has), their seatings, and the app's GraphQL documents."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from backend.bookings import loader as booking_loader
from backend.bookings import repository as booking_repository
from backend.bookings.models import HANOI, hanoi_date
from tests.bookings.conftest import CONTACT, Gql, key

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "graphql" / "operations" / "bookings"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


RESTAURANTS = operation("Restaurants")
RESTAURANT = operation("Restaurant")
TABLE_HOLD = operation("RestaurantTableHold")
TABLE_CONFIRM = operation("RestaurantTableConfirm")
TABLE_CANCEL = operation("RestaurantTableCancel")
NO_SHOW = operation("RestaurantNoShow")
TABLES_SET = operation("RestaurantTablesSet")
MY_BOOKINGS = operation("RestaurantMyBookings")

# Sóc Sơn, 30 km north of the Old Quarter: no seeded restaurant within a few kilometres.
HERE = (21.2547, 105.8490)
CUISINE = "test-bistro-cuisine"
BISTRO = "test-bistro"  # free, 2 km away; 10:00-22:00; one table for 2, two for 4
TAVERN = "test-tavern"  # a deposit of 100,000 VND per guest, 4 km away; 17:00-02:00
FAR = "test-far"  # 9 km away, closed on Mondays, no tables for more than 2
TINY = "test-tiny"  # 15 km away: one seating a day (12:00), one table for 2
NOWHERE = "test-nowhere"  # no location, no hours: listed, never near, no seatings
HOURS = {day: [["10:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _item(slug: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "slug": slug,
        "name": {"vi": f"Quán {slug}", "en": f"The {slug}"},
        "description": {"vi": "Quán thử", "en": "A test restaurant"},
        "address": {"vi": "Sóc Sơn, Hà Nội", "en": "Soc Son, Hanoi"},
        "cuisine": [CUISINE, "northern-vietnamese"],
        "opening_hours": {"weekly": HOURS, "exceptions": []},
        "tables": {"2": 1, "4": 2},
        "sources": [{"url": "https://example.com/a", "title": "A source"}],
    }
    base.update(fields)
    return base


def _offset(metres_north: float) -> dict[str, float]:
    return {"lat": HERE[0] + metres_north / 111_195.0, "lng": HERE[1]}


ITEMS = [
    _item(BISTRO, location=_offset(2_000)),
    _item(
        TAVERN,
        location=_offset(4_000),
        deposit_per_person_vnd=100_000,
        cuisine=[CUISINE, "hotpot"],
        opening_hours={
            "weekly": {day: [["17:00", "02:00"]] for day in HOURS},
            "exceptions": [],
        },
        tables={"4": 3, "8": 1},
    ),
    _item(
        FAR,
        location=_offset(9_000),
        opening_hours={
            "weekly": {day: r for day, r in HOURS.items() if day != "mon"},
            "exceptions": [],
        },
        tables={"2": 5},
    ),
    _item(
        TINY,
        location=_offset(15_000),
        opening_hours={"weekly": {day: [["12:00", "13:00"]] for day in HOURS}, "exceptions": []},
        tables={"2": 1},
    ),
    _item(NOWHERE, location=None, opening_hours=None),
]


async def add_restaurants(db: Any) -> None:
    """The test's restaurants, written as the content loader writes them."""
    for item in ITEMS:
        doc = booking_loader.restaurant_document(item)
        await booking_repository.upsert_restaurant(db, item["slug"], doc)


def day_ahead(days: int = 2) -> date:
    return hanoi_date(datetime.now(UTC)) + timedelta(days=days)


def seating(day: date, hour: int, minute: int = 0) -> datetime:
    """A Hanoi wall-clock seating as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=HANOI).astimezone(UTC)


async def hold_table(
    gql: Gql,
    restaurant: str,
    starts_at: datetime,
    party: int,
    *,
    uid: str = "tourist-1",
    idem: str | None = None,
) -> dict[str, Any]:
    body = await gql(
        TABLE_HOLD,
        {
            "input": {
                "idempotencyKey": idem or key(),
                "table": {
                    "restaurantId": restaurant,
                    "startsAt": starts_at.isoformat(),
                    "partySize": party,
                },
            }
        },
        uid=uid,
    )
    assert "errors" not in body, body
    return dict(body["data"]["bookingHold"])


async def confirm_table(
    gql: Gql, hold_id: str, guests: int, *, uid: str = "tourist-1", idem: str | None = None
) -> dict[str, Any]:
    body = await gql(
        TABLE_CONFIRM,
        {
            "input": {
                "holdId": hold_id,
                "idempotencyKey": idem or key(),
                "contact": CONTACT,
                "guests": guests,
            }
        },
        uid=uid,
    )
    assert "errors" not in body, body
    return dict(body["data"]["bookingConfirm"])


async def slots_of(gql: Gql, restaurant: str, day: date, party: int) -> list[dict[str, Any]]:
    body = await gql(RESTAURANT, {"id": restaurant, "date": day.isoformat(), "partySize": party})
    assert "errors" not in body, body
    return list(body["data"]["restaurant"]["slots"])


async def listed(gql: Gql, filter: dict[str, Any], **variables: Any) -> list[str]:
    body = await gql(RESTAURANTS, {"filter": filter, **variables})
    assert "errors" not in body, body
    return [edge["node"]["id"] for edge in body["data"]["restaurants"]["edges"]]
