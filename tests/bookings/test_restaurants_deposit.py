"""Table bookings with a deposit (paid through the local VNPay sandbox), the 2-hour cancellation
policy, no-shows, redemption at the door, and the staff's table settings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from backend import clock
from backend.payments import service as payment_service
from backend.payments.vnpay import Merchant
from tests.bookings.conftest import Gql
from tests.bookings.restaurant_support import (
    BISTRO,
    NO_SHOW,
    TABLE_CANCEL,
    TABLES_SET,
    TAVERN,
    add_restaurants,
    confirm_table,
    day_ahead,
    hold_table,
    seating,
    slots_of,
)
from tests.bookings.tickets_support import BOOKING_QUERY, BOOKING_REDEEM
from tests.payments.conftest import Sandbox, txn_ref_of

SUCCESS = {"RspCode": "00", "Message": "Confirm Success"}
TAVERN_STAFF = {"uid": "tavern-1", "role": "staff", "department": TAVERN}


@pytest.fixture
async def restaurants(db: Any) -> Any:
    await add_restaurants(db)
    return db


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def paid_table(gql: Gql, sandbox: Sandbox, at: datetime, party: int = 3) -> dict[str, Any]:
    """A tavern table for `party` at `at`, its deposit paid on the sandbox's page; the booking."""
    held = await hold_table(gql, TAVERN, at, party)
    assert held["errors"] == [] and held["hold"]["totalPrice"] == 100_000 * party
    waiting = await confirm_table(gql, held["hold"]["id"], party)
    assert waiting["booking"]["status"] == "HELD" and waiting["paymentUrl"]
    assert waiting["booking"]["paymentStatus"] == "UNPAID"
    await sandbox.decide(waiting["paymentUrl"], "pay")
    assert await sandbox.deliver_ipns() == [SUCCESS]
    body = await gql(BOOKING_QUERY, {"id": waiting["booking"]["id"]}, uid="tourist-1")
    booking: dict[str, Any] = body["data"]["booking"]
    return {**booking, "paymentUrl": waiting["paymentUrl"], "slot": held["hold"]["tableSlotId"]}


async def test_a_deposit_is_paid_through_vnpay_and_confirms_with_a_ticket_and_email(
    gql: Gql, sandbox: Sandbox, restaurants: Any
) -> None:
    booking = await paid_table(gql, sandbox, seating(day_ahead(2), 19))
    assert booking["status"] == "CONFIRMED" and booking["kind"] == "TABLE"
    assert booking["totalPrice"] == 300_000 and booking["ticket"]["code"]
    assert [(r["hoursBefore"], r["refundPercent"]) for r in booking["cancellationPolicy"]] == [
        (2, 100),
        (0, 0),
    ]
    emails = await restaurants.outbox.count_documents({"kind": "email.booking.confirmed"})
    assert emails == 1
    # a repeated IPN changes nothing
    assert await sandbox.deliver_ipns() == []


async def test_cancelling_2_hours_ahead_refunds_the_whole_deposit_through_vnpay(
    gql: Gql, sandbox: Sandbox, gateway: Merchant, restaurants: Any
) -> None:
    booking = await paid_table(gql, sandbox, seating(day_ahead(2), 19))
    body = await gql(TABLE_CANCEL, {"input": {"bookingId": booking["id"]}}, uid="tourist-1")
    cancelled = body["data"]["bookingCancel"]["booking"]
    assert (cancelled["refundPercent"], cancelled["refundAmount"]) == (100, 300_000)
    assert cancelled["paymentStatus"] == "REFUND_PENDING"
    assert cancelled["tableSlot"]["tablesLeft"] == 3
    now = datetime.now(UTC)
    assert await payment_service.run_due(restaurants, gateway, now) >= 1
    txn = await sandbox.transaction(txn_ref_of(booking["paymentUrl"]))
    assert txn["refunded"] == 300_000 * 100
    stored = await restaurants.bookings.find_one({"_id": ObjectId(booking["id"])})
    assert stored["payment_status"] == "REFUNDED"


async def test_cancelling_within_2_hours_refunds_nothing_but_frees_the_table(
    gql: Gql, sandbox: Sandbox, restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = seating(day_ahead(2), 19)
    booking = await paid_table(gql, sandbox, at)
    monkeypatch.setattr(clock, "now", lambda: at - timedelta(hours=1, minutes=59))
    body = await gql(TABLE_CANCEL, {"input": {"bookingId": booking["id"]}}, uid="tourist-1")
    cancelled = body["data"]["bookingCancel"]["booking"]
    assert (cancelled["refundPercent"], cancelled["refundAmount"]) == (0, 0)
    assert cancelled["paymentStatus"] == "PAID"
    assert cancelled["tableSlot"]["tablesLeft"] == 3
    # and once the seating has started the guest cannot cancel at all
    second = await paid_table(gql, sandbox, seating(day_ahead(2), 20), party=2)
    monkeypatch.setattr(clock, "now", lambda: seating(day_ahead(2), 20, 1))
    late = await gql(TABLE_CANCEL, {"input": {"bookingId": second["id"]}}, uid="tourist-1")
    assert codes(late["data"]["bookingCancel"]) == ["CANCELLATION_NOT_ALLOWED"]


async def test_no_show_from_15_minutes_after_by_the_restaurants_staff_keeps_the_deposit(
    gql: Gql, sandbox: Sandbox, restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = seating(day_ahead(2), 19)
    booking = await paid_table(gql, sandbox, at)
    variables = {"input": {"bookingId": booking["id"]}}
    # too early
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(minutes=14))
    early = await gql(NO_SHOW, variables, **TAVERN_STAFF)
    assert codes(early["data"]["bookingNoShow"]) == ["NO_SHOW_NOT_ALLOWED"]
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(minutes=16))
    # another restaurant's staff, and the guest, may not
    other = await gql(NO_SHOW, variables, uid="bistro-1", role="staff", department=BISTRO)
    assert codes(other["data"]["bookingNoShow"]) == ["FORBIDDEN"]
    guest = await gql(NO_SHOW, variables, uid="tourist-1")
    assert guest["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # the restaurant's staff may, once
    marked = (await gql(NO_SHOW, variables, **TAVERN_STAFF))["data"]["bookingNoShow"]
    assert marked["errors"] == [] and marked["booking"]["status"] == "NO_SHOW"
    assert marked["booking"]["paymentStatus"] == "PAID"
    again = await gql(NO_SHOW, variables, **TAVERN_STAFF)
    assert codes(again["data"]["bookingNoShow"]) == ["NO_SHOW_NOT_ALLOWED"]
    # audited, the guest told, and no cancelling afterwards
    entries = [e async for e in restaurants.audit_log.find({"object_id": booking["id"]})]
    assert [(e["action"], e["actor"]) for e in entries] == [("booking.no_show", "tavern-1")]
    notice = await restaurants.outbox.find_one(
        {"kind": "booking.no_show", "data.booking_id": booking["id"]}
    )
    assert notice is not None
    email = await restaurants.outbox.find_one({"kind": "email.booking.no_show"})
    assert email is not None and email["data"]["amount_vnd"] == booking["totalPrice"]
    assert await restaurants.outbox.count_documents({"kind": "email.booking.cancelled"}) == 0
    cancel = await gql(TABLE_CANCEL, variables, uid="tourist-1")
    assert codes(cancel["data"]["bookingCancel"]) == ["CANCELLATION_NOT_ALLOWED"]


async def test_a_table_ticket_is_redeemed_at_the_door_and_then_is_no_no_show(
    gql: Gql, restaurants: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = seating(day_ahead(1), 12)
    held = await hold_table(gql, BISTRO, at, 2)
    booking = (await confirm_table(gql, held["hold"]["id"], 2))["booking"]
    staff = {"uid": "bistro-1", "role": "staff", "department": BISTRO}
    body = await gql(BOOKING_REDEEM, {"input": {"code": booking["ticket"]["code"]}}, **staff)
    redeemed = body["data"]["bookingRedeem"]
    assert redeemed["errors"] == [] and redeemed["booking"]["status"] == "REDEEMED"
    monkeypatch.setattr(clock, "now", lambda: at + timedelta(minutes=30))
    late = await gql(NO_SHOW, {"input": {"bookingId": booking["id"]}}, **staff)
    assert codes(late["data"]["bookingNoShow"]) == ["NO_SHOW_NOT_ALLOWED"]


async def test_staff_set_tables_hours_and_deposit_never_below_what_is_held(
    gql: Gql, restaurants: Any
) -> None:
    day = day_ahead(2)
    held = await hold_table(gql, BISTRO, seating(day, 12), 2)  # the only table for 2
    assert held["errors"] == []
    staff = {"uid": "staff-1", "role": "staff"}  # the Department of Tourism

    async def set_tables(**fields: Any) -> dict[str, Any]:
        body = await gql(TABLES_SET, {"input": {"restaurantId": BISTRO, **fields}}, **staff)
        assert "errors" not in body, body
        return dict(body["data"]["restaurantTablesSet"])

    # fewer tables for 2 than are held at 12:00: refused, nothing changed
    refused = await set_tables(tables=[{"partySize": 4, "count": 2}])
    assert codes(refused) == ["INVENTORY_BELOW_SOLD"]
    # three tables for 2, a deposit, and new hours
    changed = await set_tables(
        tables=[{"partySize": 2, "count": 3}, {"partySize": 4, "count": 2}],
        depositPerPersonVnd=50_000,
        openingHours=[
            {"day": d, "opens": "11:00", "closes": "14:00"}
            for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        ],
    )
    assert changed["errors"] == []
    assert changed["restaurant"]["depositPerPerson"] == 50_000
    assert changed["restaurant"]["tables"] == [
        {"partySize": 2, "count": 3},
        {"partySize": 4, "count": 2},
    ]
    slots = await slots_of(gql, BISTRO, day, 2)
    assert len(slots) == 5  # 11:00 to 13:00
    at_noon = [s for s in slots if datetime.fromisoformat(s["startsAt"]) == seating(day, 12)]
    assert [(s["tablesTotal"], s["tablesLeft"]) for s in at_noon] == [(3, 2)]
    # the new deposit prices the next hold; audited; bad input is typed
    later = await hold_table(gql, BISTRO, seating(day, 13), 2)
    assert later["hold"]["totalPrice"] == 100_000
    actions = [e["action"] async for e in restaurants.audit_log.find({"object_id": BISTRO})]
    assert actions == ["restaurant.tables_set"]
    bad = await set_tables(
        tables=[{"partySize": 0, "count": 1}],
        openingHours=[{"day": "someday", "opens": "25:00", "closes": "10:00"}],
        depositPerPersonVnd=-1,
    )
    assert sorted(e["field"] for e in bad["errors"]) == [
        "depositPerPersonVnd",
        "openingHours",
        "tables",
    ]
