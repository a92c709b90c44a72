"""Money kept right: late payments refunded, lost IPNs found by querydr, cancellations refunded
through VNPay's refund API, and the daily reconciliation."""

# The bookings fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from backend.auth.models import Role, Viewer
from backend.bookings import service as booking_service
from backend.clock import HANOI
from backend.payments import cli as payments_cli
from backend.payments import service as payment_service
from backend.payments.models import QUERY_AFTER
from backend.payments.sandbox import LocalVnpay
from backend.payments.vnpay import Merchant
from backend.settings import Environment, Settings, SettingsError
from tests.bookings.conftest import (  # noqa: F401 (fixtures)
    BOOKING_CANCEL,
    Gql,
    confirm,
    create_departure,
    db,
    gql,
    hold_tour,
)
from tests.payments.conftest import Sandbox, txn_ref_of
from tests.payments.test_ipn import SUCCESS, held, status_of

Factory = Any


async def test_a_payment_after_the_hold_expired_is_refunded_and_never_sold_twice(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    db: Any,
) -> None:
    # given a HELD booking of 2 seats whose IPN the sandbox holds back
    made = await held(create_departure, hold_tour, confirm)
    booking_id, departure_id = made["booking"]["id"], made["departure"]["id"]
    await sandbox.rules({"action": "delay"})
    await sandbox.decide(made["paymentUrl"], "pay")
    # when the hold expires and its seats go to somebody else before the IPN arrives
    past = datetime.now(UTC) - timedelta(seconds=1)
    await db.booking_holds.update_one(
        {"_id": ObjectId(made["hold"]["id"])}, {"$set": {"expire_at": past}}
    )
    assert await booking_service.sweep(db, datetime.now(UTC)) == 1
    other = await hold_tour(departure_id, uid="tourist-2", seats=10)
    assert other["errors"] == []
    # when the late IPN comes
    assert await sandbox.deliver_ipns() == [SUCCESS]
    # then the booking expired, the money went back in full, and no seat was sold twice
    booking = await status_of(gql, booking_id)
    assert (booking["status"], booking["paymentStatus"]) == ("EXPIRED", "REFUNDED")
    txn = await sandbox.transaction(txn_ref_of(made["paymentUrl"]))
    assert txn["refunded"] == txn["amount"] == booking["totalPrice"] * 100
    departure = await db.tour_departures.find_one({"_id": ObjectId(departure_id)})
    assert departure["seats_left"] == 0
    assert await db.outbox.count_documents({"kind": "booking.confirmed"}) == 0


async def test_a_dropped_ipn_is_found_by_querydr(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    gateway: Merchant,
    db: Any,
) -> None:
    # given a payment whose IPN VNPay never sends
    made = await held(create_departure, hold_tour, confirm)
    await sandbox.rules({"action": "drop"})
    await sandbox.decide(made["paymentUrl"], "pay")
    assert await sandbox.take_ipns() == []
    # when the worker's job runs before the page closed, then it does not ask yet
    assert await payment_service.check_pending(db, gateway, datetime.now(UTC)) == 0
    assert (await status_of(gql, made["booking"]["id"]))["status"] == "HELD"
    # when it runs after the page closed: querydr finds the payment and it confirms
    entry = await db.payments.find_one({"booking": ObjectId(made["booking"]["id"])})
    later = entry["expire_at"].replace(tzinfo=UTC) + QUERY_AFTER
    # (the hold is still live at that moment: no sweep ran, payment came in time)
    await db.booking_holds.update_one(
        {"_id": ObjectId(made["hold"]["id"])}, {"$set": {"expire_at": later + timedelta(hours=1)}}
    )
    assert await payment_service.check_pending(db, gateway, later) == 1
    booking = await status_of(gql, made["booking"]["id"])
    assert (booking["status"], booking["paymentStatus"]) == ("CONFIRMED", "PAID")
    # and a second worker finds nothing left to ask about
    assert await payment_service.check_pending(db, gateway, later) == 0


async def test_an_abandoned_page_is_settled_as_failed(
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    gateway: Merchant,
    db: Any,
) -> None:
    # given a page nobody opened, long closed
    made = await held(create_departure, hold_tour, confirm)
    entry = await db.payments.find_one({"booking": ObjectId(made["booking"]["id"])})
    much_later = entry["expire_at"].replace(tzinfo=UTC) + timedelta(hours=2)
    # when querydr asks, VNPay knows no such transaction: it is settled as FAILED
    assert await payment_service.check_pending(db, gateway, much_later) == 1
    assert (await db.payments.find_one({"_id": entry["_id"]}))["state"] == "FAILED"


async def test_cancelling_refunds_what_the_policy_gives_through_vnpay(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    gateway: Merchant,
    db: Any,
) -> None:
    # given a paid booking on Old Quarter walking (24 h: 100 %, 6 h: 50 %)
    departure = await create_departure(capacity=10)
    hold = (await hold_tour(departure["id"], seats=2))["hold"]
    paid = await confirm(hold["id"], guests=2)
    booking_id = paid["booking"]["id"]
    assert paid["booking"]["paymentStatus"] == "PAID"
    payment = await db.payments.find_one({"booking": ObjectId(booking_id)})
    # when its owner cancels 10 hours before the start
    starts_at = datetime.fromisoformat(departure["startsAt"])
    owner = Viewer(uid="tourist-1", roles=frozenset({Role.RESIDENT}))
    cancelled = await booking_service.cancel(
        db=db, viewer=owner, booking_id=booking_id, reason=None, now=starts_at - timedelta(hours=10)
    )
    assert cancelled.refund_vnd == paid["booking"]["totalPrice"] // 2
    assert (await status_of(gql, booking_id))["paymentStatus"] == "REFUND_PENDING"
    # when the worker's job runs (twice, as two workers would)
    now = datetime.now(UTC)
    assert await payment_service.run_due(db, gateway, now) >= 1
    await payment_service.run_due(db, gateway, now)
    # then VNPay refunded half, once, and the booking says REFUNDED
    txn = await sandbox.transaction(payment["txn_ref"])
    assert txn["refunded"] == cancelled.refund_vnd * 100
    assert (await status_of(gql, booking_id))["paymentStatus"] == "REFUNDED"
    refunds = [e async for e in db.payments.find({"kind": "REFUND"})]
    assert [(r["state"], r["amount_vnd"]) for r in refunds] == [("DONE", cancelled.refund_vnd)]
    # and the day reconciles
    day = datetime.now(HANOI).date()
    assert await payment_service.reconcile_day(db, day, now=now) == []


async def test_cancelling_an_unpaid_booking_releases_its_hold(
    gql: Gql, create_departure: Factory, hold_tour: Factory, confirm: Factory, db: Any
) -> None:
    # given a HELD booking of 2 seats on a 10-seat departure
    made = await held(create_departure, hold_tour, confirm)
    # when its owner cancels it before paying
    body = await gql(
        BOOKING_CANCEL, {"input": {"bookingId": made["booking"]["id"]}}, uid="tourist-1"
    )
    payload = body["data"]["bookingCancel"]
    # then it is cancelled with nothing to refund, and the seats are back
    assert payload["errors"] == [] and payload["booking"]["status"] == "CANCELLED"
    departure = await db.tour_departures.find_one({"_id": ObjectId(made["departure"]["id"])})
    assert departure["seats_left"] == 10
    hold = await db.booking_holds.find_one({"_id": ObjectId(made["hold"]["id"])})
    assert hold["state"] == "RELEASED"


async def test_a_second_payment_of_one_booking_is_given_back(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    db: Any,
) -> None:
    # given a booking with two pages open: the first's IPN held back, so a second is handed out
    made = await held(create_departure, hold_tour, confirm)
    await db.payments.update_one({}, {"$set": {"expire_at": datetime.now(UTC)}})
    second = await gql(
        """mutation P($input: BookingPayInput!) { bookingPay(input: $input) { paymentUrl } }""",
        {"input": {"bookingId": made["booking"]["id"]}},
        uid="tourist-1",
    )
    second_url = second["data"]["bookingPay"]["paymentUrl"]
    assert txn_ref_of(second_url) != txn_ref_of(made["paymentUrl"])
    # when the customer pays on both
    await sandbox.decide(made["paymentUrl"], "pay")
    await sandbox.decide(second_url, "pay")
    assert await sandbox.deliver_ipns() == [SUCCESS, SUCCESS]
    # then the booking is confirmed once and the second payment went back whole
    booking = await status_of(gql, made["booking"]["id"])
    assert (booking["status"], booking["paymentStatus"]) == ("CONFIRMED", "PAID")
    second_txn = await sandbox.transaction(txn_ref_of(second_url))
    assert second_txn["refunded"] == second_txn["amount"]
    assert (await sandbox.transaction(txn_ref_of(made["paymentUrl"])))["refunded"] == 0
    day = datetime.now(HANOI).date()
    assert await payment_service.reconcile_day(db, day, now=datetime.now(UTC)) == []


async def test_reconcile_prints_what_disagrees(
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    db: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given a paid booking, the day reconciles
    departure = await create_departure(capacity=10)
    hold = (await hold_tour(departure["id"], seats=1))["hold"]
    paid = await confirm(hold["id"])
    day = datetime.now(HANOI).date().isoformat()
    assert await payments_cli.reconcile(db, day) == 0
    assert capsys.readouterr().out.strip().endswith(": 0 disagreement(s)")
    # when the ledger loses its payment (as if the IPN had been applied to the booking only)
    await db.payments.update_one({"kind": "PAYMENT"}, {"$set": {"state": "FAILED"}})
    # then the booking is printed, and the command fails
    assert await payments_cli.reconcile(db, day) == 1
    out = capsys.readouterr().out
    assert paid["booking"]["code"] in out and "expected" in out
    assert await payments_cli.reconcile(db, "5 December") == 2


def test_production_refuses_the_local_sandbox(vnpay_sandbox: LocalVnpay) -> None:
    settings = Settings(
        env=Environment.PRODUCTION,
        vnpay_tmn_code="THANGLNG",
        vnpay_hash_secret="x" * 32,
        vnpay_payment_url=vnpay_sandbox.payment_url,
        vnpay_api_url=vnpay_sandbox.api_url,
    )
    with pytest.raises(SettingsError) as refused:
        settings.check()
    assert "VNPAY_PAYMENT_URL is the local VNPay sandbox" in str(refused.value)
    assert "VNPAY_API_URL is the local VNPay sandbox" in str(refused.value)
    real = Settings(
        env=Environment.PRODUCTION,
        vnpay_payment_url="https://pay.vnpay.vn/vpcpay.html",
        vnpay_api_url="https://merchant.vnpay.vn/merchant_webapi/api/transaction",
    )
    with pytest.raises(SettingsError) as other:
        real.check()  # refused for other reasons, not VNPay's
    assert "VNPAY" not in str(other.value)


async def test_the_ledger_and_refund_queries_use_their_indexes(db: Any) -> None:
    now = datetime.now(UTC)
    plans = {
        "txn_ref_kind": db.payments.find({"txn_ref": "TL1", "kind": "PAYMENT"}),
        "due": db.payments.find(
            {"kind": "PAYMENT", "state": "PENDING", "check_at": {"$lte": now}}
        ).sort("check_at", 1),
        "booking_created": db.payments.find({"booking": ObjectId()}).sort("created_at", 1),
        "payment_status": db.bookings.find({"payment_status": "REFUND_PENDING"}).sort("_id", 1),
    }
    for index, cursor in plans.items():
        explained = await cursor.explain()
        assert index in str(explained["queryPlanner"]["winningPlan"]), index
