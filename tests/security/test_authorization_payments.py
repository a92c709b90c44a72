"""Who may ask for a booking's VNPay payment page (issue 22).

The authorization matrix of payments, in the form of tests/security/test_authorization.py (whose
table-completeness test reads this TABLE too). The booking is resident A's, HELD (priced, not
paid): only its owner pays it; anyone else is told it does not exist. The IPN and the return
page are VNPay's and the customer's browser's: they carry no sign-in, and the IPN is trusted only
through its signature (tests/payments/test_ipn.py).
"""

# ruff: noqa: F811 - the bookings fixtures are imported by name and named again as arguments

from __future__ import annotations

from typing import Any

from tests.bookings.conftest import (  # noqa: F401 - fixtures
    confirm,
    create_departure,
    db,
    gql,
    hold_tour,
    merchant,
    sandbox,
    settings,
)
from tests.security.matrix import ACTOR_NAMES, OK, UNAUTH, actors

P_NONE = "errors: NOT_FOUND"
ACTORS = actors(staff=("staff-1", "so-du-lich"), other_staff=("staff-2", "so-xay-dung"))

# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                anonymous owner  other   staff   staff2  moderator admin
    "bookingPay":   (UNAUTH,   OK,    P_NONE, P_NONE, P_NONE, P_NONE,   P_NONE),
}
# fmt: on

BOOKING_PAY = """
mutation BookingPay($input: BookingPayInput!) {
  bookingPay(input: $input) { paymentUrl errors { code } }
}
"""


def outcome(body: dict[str, Any]) -> str:
    if body.get("errors"):
        return ",".join(sorted({e["extensions"]["code"] for e in body["errors"]}))
    payload = body["data"]["bookingPay"]
    if payload["errors"]:
        return f"errors: {payload['errors'][0]['code']}"
    return OK if payload["paymentUrl"] else "NO PAGE"


async def test_booking_pay_answers_each_viewer_as_the_table_says(
    gql: Any, create_departure: Any, hold_tour: Any, confirm: Any
) -> None:
    departure = await create_departure(capacity=5)
    hold = (await hold_tour(departure["id"], uid="resident-a"))["hold"]
    held = await confirm(hold["id"], uid="resident-a", pay=False)
    assert held["booking"]["status"] == "HELD"
    variables = {"input": {"bookingId": held["booking"]["id"]}}
    found = []
    for who in ACTORS:
        if who is None:
            body = await gql(BOOKING_PAY, variables)
        else:
            body = await gql(
                BOOKING_PAY,
                variables,
                uid=who["uid"],
                role=who.get("role"),
                department=who.get("department", "so-du-lich"),
            )
        found.append(outcome(body))
    differences = [
        f"bookingPay as {actor}: expected {want}, got {got}"
        for actor, want, got in zip(ACTOR_NAMES, TABLE["bookingPay"], found, strict=True)
        if want != got
    ]
    assert differences == []
