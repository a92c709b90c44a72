"""Paying a booking through the sandbox: the page, the IPN and every RspCode, the return page."""

# The bookings fixtures are imported by name, and test arguments name them again.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bson import ObjectId

from backend.clock import HANOI
from backend.payments import vnpay
from tests.bookings.conftest import (  # noqa: F401 (fixtures)
    Gql,
    confirm,
    create_departure,
    db,
    gql,
    hold_tour,
)
from tests.payments.conftest import Sandbox, SandboxMerchantKeys, txn_ref_of

Factory = Any

BOOKING_PAYMENT = """
query BookingPayment($id: ID!) {
  booking(id: $id) { id code status paymentStatus totalPrice refundAmount }
}
"""
SUCCESS = {"RspCode": "00", "Message": "Confirm Success"}
ALREADY = {"RspCode": "02", "Message": "Order already confirmed"}


async def held(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, *, seats: int = 2
) -> dict[str, Any]:
    """A HELD booking of `seats` on a new 10-seat departure: its payload, hold and departure."""
    departure = await create_departure(capacity=10)
    hold = (await hold_tour(departure["id"], seats=seats))["hold"]
    payload = await confirm(hold["id"], guests=seats, pay=False)
    assert payload["errors"] == [], payload
    return {"departure": departure, "hold": hold, **payload}


async def status_of(gql: Gql, booking_id: str) -> dict[str, Any]:
    body = await gql(BOOKING_PAYMENT, {"id": booking_id}, uid="tourist-1")
    return body["data"]["booking"]


async def test_the_payment_url_is_vnpay_2_1_0_signed_and_closes_with_the_hold(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, merchant: SandboxMerchantKeys
) -> None:
    # given a priced hold, when confirmed
    made = await held(create_departure, hold_tour, confirm)
    # then the booking waits for its payment, with a page to pay on
    assert made["booking"]["status"] == "HELD"
    assert made["booking"]["paymentStatus"] == "UNPAID"
    params = dict(parse_qsl(urlsplit(made["paymentUrl"]).query))
    assert {k: params[k] for k in ("vnp_Version", "vnp_Command", "vnp_CurrCode")} == {
        "vnp_Version": "2.1.0",
        "vnp_Command": "pay",
        "vnp_CurrCode": "VND",
    }
    assert params["vnp_TmnCode"] == merchant.tmn_code
    assert params["vnp_Amount"] == str(made["booking"]["totalPrice"] * 100)
    assert params["vnp_Locale"] == "vn"
    assert params["vnp_ReturnUrl"].endswith("/payments/vnpay/return")
    assert params["vnp_IpAddr"] and params["vnp_OrderInfo"] and params["vnp_TxnRef"]
    created = datetime.strptime(params["vnp_CreateDate"], "%Y%m%d%H%M%S").replace(tzinfo=HANOI)
    expires = datetime.strptime(params["vnp_ExpireDate"], "%Y%m%d%H%M%S").replace(tzinfo=HANOI)
    hold_expires = datetime.fromisoformat(made["hold"]["expiresAt"])
    assert created < expires <= hold_expires
    # and signed with HMAC-SHA512 over the sorted, URL-encoded parameters
    assert vnpay.verify_query(params, merchant.hash_secret)
    assert len(params["vnp_SecureHash"]) == 128


async def test_the_return_page_shows_the_result_but_only_the_ipn_confirms(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    db: Any,
) -> None:
    # given a HELD booking paid on the sandbox's page
    made = await held(create_departure, hold_tour, confirm)
    booking_id = made["booking"]["id"]
    returned = await sandbox.decide(made["paymentUrl"], "pay")
    # when the customer's browser comes back to the return URL
    page = await sandbox.app.get(f"/payments/vnpay/return?{urlencode(returned)}")
    # then it says paid, and the booking is still HELD
    assert page.status_code == 200 and 'data-result="paid"' in page.text
    assert (await status_of(gql, booking_id))["status"] == "HELD"
    assert await db.outbox.count_documents({"kind": "booking.confirmed"}) == 0
    # when VNPay's IPN arrives
    assert await sandbox.deliver_ipns() == [SUCCESS]
    # then the booking is CONFIRMED and PAID, its notice written once, the ledger agrees
    now = await status_of(gql, booking_id)
    assert (now["status"], now["paymentStatus"]) == ("CONFIRMED", "PAID")
    assert await db.outbox.count_documents({"kind": "booking.confirmed"}) == 1
    entry = await db.payments.find_one({"booking": ObjectId(booking_id)})
    assert (entry["state"], entry["amount_vnd"]) == ("PAID", now["totalPrice"])
    assert entry["transaction_no"]
    # and a forged return page is refused
    forged = {**returned, "vnp_Amount": "100"}
    page = await sandbox.app.get(f"/payments/vnpay/return?{urlencode(forged)}")
    assert page.status_code == 400 and 'data-result="invalid"' in page.text


async def test_every_rspcode(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    merchant: SandboxMerchantKeys,
) -> None:
    made = await held(create_departure, hold_tour, confirm)
    booking_id = made["booking"]["id"]
    # given the sandbox sends the IPN with a bad signature: 97, and nothing changes
    await sandbox.rules({"action": "bad_signature"})
    await sandbox.decide(made["paymentUrl"], "pay")
    assert await sandbox.deliver_ipns() == [{"RspCode": "97", "Message": "Invalid signature"}]
    # (the other answers from IPNs signed here with the merchant's secret)
    txn = dict(parse_qsl(urlsplit(made["paymentUrl"]).query))
    assert (await status_of(gql, booking_id))["status"] == "HELD"

    def signed(**changes: str) -> str:
        base = {
            "vnp_TmnCode": merchant.tmn_code,
            "vnp_Amount": txn["vnp_Amount"],
            "vnp_TxnRef": txn["vnp_TxnRef"],
            "vnp_ResponseCode": "00",
            "vnp_TransactionStatus": "00",
            "vnp_TransactionNo": "14999999",
            "vnp_PayDate": vnpay.hanoi_time(datetime.now(HANOI)),
            "vnp_OrderInfo": txn["vnp_OrderInfo"],
        }
        return vnpay.signed_query({**base, **changes}, merchant.hash_secret)

    async def ipn(query: str) -> dict[str, str]:
        response = await sandbox.app.get(f"/payments/vnpay/ipn?{query}")
        assert response.status_code == 200
        answer: dict[str, str] = response.json()
        return answer

    # 04: the amount is not the order's
    assert await ipn(signed(vnp_Amount="100")) == {"RspCode": "04", "Message": "invalid amount"}
    # 01: no such order
    assert await ipn(signed(vnp_TxnRef="NOSUCHORDER")) == {
        "RspCode": "01",
        "Message": "Order not found",
    }
    # 99: something else went wrong (a pay date that is no date)
    assert await ipn(signed(vnp_PayDate="yesterday")) == {
        "RspCode": "99",
        "Message": "Unknow error",
    }
    assert (await status_of(gql, booking_id))["status"] == "HELD"
    # 00, then 02: the real IPN, and VNPay's retry of it
    assert await ipn(signed()) == SUCCESS
    assert await ipn(signed()) == ALREADY
    assert (await status_of(gql, booking_id))["status"] == "CONFIRMED"


async def test_the_sandbox_bends_ipns_on_request(
    create_departure: Factory, hold_tour: Factory, confirm: Factory, sandbox: Sandbox
) -> None:
    # given the sandbox told to send the next IPN with another amount
    made = await held(create_departure, hold_tour, confirm)
    await sandbox.rules({"action": "wrong_amount"})
    await sandbox.decide(made["paymentUrl"], "pay")
    # then the app refuses it with 04
    assert await sandbox.deliver_ipns() == [{"RspCode": "04", "Message": "invalid amount"}]


async def test_duplicate_ipns_at_once_confirm_once(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    db: Any,
) -> None:
    # given the sandbox duplicates the IPN
    made = await held(create_departure, hold_tour, confirm)
    await sandbox.rules({"action": "duplicate"})
    await sandbox.decide(made["paymentUrl"], "pay")
    queries = await sandbox.take_ipns()
    assert len(queries) == 2 and queries[0] == queries[1]
    # when both arrive at the same moment (twice over)
    answers = await asyncio.gather(
        *(sandbox.app.get(f"/payments/vnpay/ipn?{q}") for q in queries * 2)
    )
    # then one confirmed and the others were told it already was
    codes = sorted(a.json()["RspCode"] for a in answers)
    assert codes == ["00", "02", "02", "02"]
    assert (await status_of(gql, made["booking"]["id"]))["status"] == "CONFIRMED"
    assert await db.outbox.count_documents({"kind": "booking.confirmed"}) == 1
    assert await db.payments.count_documents({"state": "PAID"}) == 1


async def test_a_failed_or_cancelled_payment_leaves_it_held_and_it_can_be_paid_again(
    gql: Gql,
    create_departure: Factory,
    hold_tour: Factory,
    confirm: Factory,
    sandbox: Sandbox,
    db: Any,
) -> None:
    made = await held(create_departure, hold_tour, confirm)
    booking_id = made["booking"]["id"]
    # when the customer's bank refuses (51), the IPN is acknowledged and nothing is confirmed
    returned = await sandbox.decide(made["paymentUrl"], "fail")
    assert returned["vnp_ResponseCode"] == "51"
    assert await sandbox.deliver_ipns() == [SUCCESS]
    page = await sandbox.app.get(f"/payments/vnpay/return?{urlencode(returned)}")
    assert 'data-result="failed"' in page.text
    assert (await status_of(gql, booking_id))["status"] == "HELD"
    # when the app asks for a new page, and the customer cancels on it (24)
    again = await gql(BOOKING_PAY, {"input": {"bookingId": booking_id}}, uid="tourist-1")
    second = again["data"]["bookingPay"]
    assert second["errors"] == [] and txn_ref_of(second["paymentUrl"]) != txn_ref_of(
        made["paymentUrl"]
    )
    # (the same open page while it lives)
    same = await gql(BOOKING_PAY, {"input": {"bookingId": booking_id}}, uid="tourist-1")
    assert same["data"]["bookingPay"]["paymentUrl"] == second["paymentUrl"]
    assert (await sandbox.decide(second["paymentUrl"], "cancel"))["vnp_ResponseCode"] == "24"
    assert await sandbox.deliver_ipns() == [SUCCESS]
    # then a third page pays
    third = await gql(BOOKING_PAY, {"input": {"bookingId": booking_id}}, uid="tourist-1")
    await sandbox.decide(third["data"]["bookingPay"]["paymentUrl"], "pay")
    assert await sandbox.deliver_ipns() == [SUCCESS]
    assert (await status_of(gql, booking_id))["status"] == "CONFIRMED"
    states = sorted([e["state"] async for e in db.payments.find({})])
    assert states == ["FAILED", "FAILED", "PAID"]
    # and a confirmed booking has nothing left to pay
    done = await gql(BOOKING_PAY, {"input": {"bookingId": booking_id}}, uid="tourist-1")
    assert [e["code"] for e in done["data"]["bookingPay"]["errors"]] == ["NOT_PAYABLE"]


BOOKING_PAY = """
mutation BookingPay($input: BookingPayInput!) {
  bookingPay(input: $input) {
    booking { id status paymentStatus }
    paymentUrl
    expiresAt
    errors { field message code }
  }
}
"""


async def test_booking_pay_is_the_owners_and_needs_a_sign_in(
    gql: Gql, create_departure: Factory, hold_tour: Factory, confirm: Factory
) -> None:
    made = await held(create_departure, hold_tour, confirm)
    variables = {"input": {"bookingId": made["booking"]["id"]}}
    # anonymous: an error at the top level, no page
    anonymous = await gql(BOOKING_PAY, variables)
    assert anonymous["data"] is None
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # another resident: NOT_FOUND (nobody learns the booking exists)
    other = (await gql(BOOKING_PAY, variables, uid="tourist-2"))["data"]["bookingPay"]
    assert other["paymentUrl"] is None
    assert [e["code"] for e in other["errors"]] == ["NOT_FOUND"]
    # the owner: the page
    mine = (await gql(BOOKING_PAY, variables, uid="tourist-1"))["data"]["bookingPay"]
    assert mine["paymentUrl"] and mine["errors"] == []
