"""Fixtures of the bookings tests: the catalogue loaded, GraphQL helpers, a 50-seat departure.

Priced bookings are paid through the local VNPay sandbox (tests/payments/conftest.py), whose
fixtures are imported here: `confirm` pays and delivers the IPN unless told `pay=False`."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from backend.bookings import loader as booking_loader
from backend.bookings.models import hanoi_date
from backend.bookings.service.common import TOURISM_DEPARTMENT
from backend.settings import Settings
from tests.conftest import SeedTemplates
from tests.payments import conftest as payment_fixtures
from tests.payments.conftest import Sandbox

Gql = Callable[..., Awaitable[dict[str, Any]]]

# A merchant of the test's own on the sandbox (tests/conftest.py), settings that pay there, and
# the app's view of that merchant for calling the payment jobs directly.
merchant = payment_fixtures.merchant
settings = payment_fixtures.settings
sandbox = payment_fixtures.sandbox
gateway = payment_fixtures.gateway

BOOKING_HOLD = """
mutation BookingHold($input: BookingHoldInput!) {
  bookingHold(input: $input) {
    hold { id kind state expiresAt quantity departureId roomTypeId checkIn checkOut totalPrice }
    errors { field message code }
  }
}
"""

BOOKING_CONFIRM = """
mutation BookingConfirm($input: BookingConfirmInput!) {
  bookingConfirm(input: $input) {
    booking { id code status kind title place startsAt guests totalPrice quantity
              checkIn checkOut contact { name phone email } paymentStatus }
    paymentUrl
    errors { field message code }
  }
}
"""

BOOKING_CANCEL = """
mutation BookingCancel($input: BookingCancelInput!) {
  bookingCancel(input: $input) {
    booking { id status refundPercent refundAmount cancelledAt }
    errors { field message code }
  }
}
"""

DEPARTURE_CREATE = """
mutation TourDepartureCreate($input: TourDepartureCreateInput!) {
  tourDepartureCreate(input: $input) {
    departure { id tourId startsAt capacity seatsLeft }
    errors { field message code }
  }
}
"""

CONTACT = {"name": "Nguyễn Thị Lan", "phone": "+84 912 345 678", "email": "lan@example.com"}


@pytest.fixture
async def db(db_client: Any, settings: Settings, seed_templates: SeedTemplates) -> Any:
    """The test's database with every index and the bookings catalogue loaded (copied from the
    worker's template)."""
    database = db_client[settings.mongodb_db]
    await seed_templates.copy(database, loaders=(booking_loader.load_content,))
    return database


@pytest.fixture
def gql(client: httpx.AsyncClient, make_token: Callable[..., str], db: Any) -> Gql:
    """POST a GraphQL operation as `uid` (anonymous when None); returns the JSON body."""
    tokens: dict[tuple[str, str | None, str], str] = {}

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        uid: str | None = None,
        role: str | None = None,
        department: str = TOURISM_DEPARTMENT,  # for staff: booking staff work there
    ) -> dict[str, Any]:
        headers = {}
        if uid is not None:
            if (uid, role, department) not in tokens:
                claims: dict[str, str] = {"role": role} if role else {}
                if role == "staff":
                    claims["department"] = department
                tokens[uid, role, department] = make_token(uid=uid, claims=claims)
            headers["Authorization"] = f"Bearer {tokens[uid, role, department]}"
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


def key() -> str:
    return uuid.uuid4().hex


def tomorrow_at(hour: int = 9) -> datetime:
    day = hanoi_date(datetime.now(UTC)) + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def stay(offset: int = 5, length: int = 3) -> tuple[date, date]:
    start = hanoi_date(datetime.now(UTC)) + timedelta(days=offset)
    return start, start + timedelta(days=length)


def free_minute(used: set[int]) -> int:
    """A random minute of a 10-hour window, off the hour and half hour and not in `used`; the
    minute is added to `used`."""
    while True:
        minutes = uuid.uuid4().int % 600
        if minutes % 30 and minutes not in used:
            used.add(minutes)
            return minutes


@pytest.fixture
def create_departure(gql: Gql) -> Callable[..., Awaitable[dict[str, Any]]]:
    """A new departure created by staff: `await create_departure(capacity=50)`."""

    used: set[int] = set()

    async def create(
        *, tour: str = "old-quarter-walking", starts_at: datetime | None = None, capacity: int = 50
    ) -> dict[str, Any]:
        if starts_at is None:
            # The seeded schedule departs on the hour and half hour (content/bookings): a
            # random minute on one of those would collide with it, and so would a minute this
            # test already took.
            minutes = free_minute(used)
            starts_at = tomorrow_at(3) + timedelta(minutes=minutes)
        body = await gql(
            DEPARTURE_CREATE,
            {"input": {"tourId": tour, "startsAt": starts_at.isoformat(), "capacity": capacity}},
            uid="staff-1",
            role="staff",
        )
        payload = body["data"]["tourDepartureCreate"]
        assert payload["errors"] == [], payload
        return payload["departure"]

    return create


@pytest.fixture
def hold_tour(gql: Gql) -> Callable[..., Awaitable[dict[str, Any]]]:
    """bookingHold for seats; returns the payload."""

    async def hold(
        departure_id: str, *, uid: str = "tourist-1", seats: int = 1, idem: str | None = None
    ) -> dict[str, Any]:
        body = await gql(
            BOOKING_HOLD,
            {
                "input": {
                    "idempotencyKey": idem or key(),
                    "tour": {"departureId": departure_id, "seats": seats},
                }
            },
            uid=uid,
        )
        assert "errors" not in body, body
        return body["data"]["bookingHold"]

    return hold


@pytest.fixture
def confirm(gql: Gql, sandbox: Sandbox) -> Callable[..., Awaitable[dict[str, Any]]]:
    """bookingConfirm, then (`pay=True`) pay a HELD booking on the sandbox's page and deliver
    its IPN; returns the payload (after paying: the same request's replay, the booking now)."""

    async def run(
        hold_id: str,
        *,
        uid: str = "tourist-1",
        guests: int = 1,
        idem: str | None = None,
        pay: bool = True,
    ) -> dict[str, Any]:
        variables = {
            "input": {
                "holdId": hold_id,
                "idempotencyKey": idem or key(),
                "contact": CONTACT,
                "guests": guests,
            }
        }
        body = await gql(BOOKING_CONFIRM, variables, uid=uid)
        assert "errors" not in body, body
        payload: dict[str, Any] = body["data"]["bookingConfirm"]
        booking = payload["booking"]
        if pay and booking is not None and booking["status"] == "HELD":
            if payload["paymentUrl"]:  # none when the hold ran out meanwhile
                await sandbox.decide(payload["paymentUrl"], "pay")
                await sandbox.deliver_ipns()
            body = await gql(BOOKING_CONFIRM, variables, uid=uid)
            assert "errors" not in body, body
            payload = body["data"]["bookingConfirm"]
        return payload

    return run
