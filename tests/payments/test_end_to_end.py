"""The whole flow over real HTTP: the app on a loopback port, and the sandbox sending its IPNs
to it by itself (as VNPay does), through the app's own GraphQL documents."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from backend.bookings import loader as booking_loader
from backend.bookings import service as booking_service
from backend.payments.sandbox import LocalVnpay
from backend.settings import Settings
from tests.bookings.conftest import CONTACT
from tests.conftest import SeedTemplates
from tests.open311.conftest import LiveServer
from tests.payments.conftest import SandboxMerchantKeys, new_key, txn_ref_of

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations" / "bookings"


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text(encoding="utf-8")


@pytest.fixture
async def live_app(
    settings: Settings, seed_templates: SeedTemplates
) -> AsyncIterator[tuple[str, Any]]:
    """The app on a loopback port with the bookings catalogue; (its URL, its database)."""
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(seed_templates.uri, tz_aware=True)
    try:
        db = admin[settings.mongodb_db]
        await seed_templates.copy(db, loaders=(booking_loader.load_content,))
        with LiveServer(settings) as server:
            yield server.url, db
    finally:
        await admin.close()


async def test_pay_on_the_page_and_the_sandboxs_ipn_confirms(
    live_app: tuple[str, Any],
    vnpay_sandbox: LocalVnpay,
    merchant: SandboxMerchantKeys,
    make_token: Callable[..., str],
) -> None:
    url, db = live_app
    # given the merchant's IPN URL is the app's, and the next IPN is held until released
    async with httpx.AsyncClient(base_url=vnpay_sandbox.url, trust_env=False, timeout=30) as vn:
        control = f"/_sandbox/merchants/{merchant.tmn_code}"
        registered = await vn.put(
            control,
            json={"hashSecret": merchant.hash_secret, "ipnUrl": f"{url}/payments/vnpay/ipn"},
        )
        assert registered.status_code == 200
        headers = {"Authorization": f"Bearer {make_token(uid='tourist-1')}"}
        async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30) as app:

            async def gql(name: str, variables: dict[str, Any]) -> dict[str, Any]:
                response = await app.post(
                    "/graphql",
                    json={"query": operation(name), "variables": variables},
                    headers=headers,
                )
                assert response.status_code == 200, response.text
                body: dict[str, Any] = response.json()
                assert "errors" not in body, body
                return body["data"]

            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2, minutes=7)
            departure = await booking_service.create_departure(
                db=db,
                tour_id="old-quarter-walking",
                starts_at=starts,
                capacity=5,
                now=starts - timedelta(days=2),
            )
            hold_input = {
                "idempotencyKey": new_key(),
                "tour": {"departureId": str(departure.id), "seats": 2},
            }
            hold = (await gql("BookingHold", {"input": hold_input}))["bookingHold"]["hold"]
            confirm_input = {
                "holdId": hold["id"],
                "idempotencyKey": new_key(),
                "contact": CONTACT,
                "guests": 2,
            }
            held = (await gql("BookingConfirm", {"input": confirm_input}))["bookingConfirm"]
            assert held["booking"]["status"] == "HELD"
            booking_id = held["booking"]["id"]

            async def status() -> tuple[str, str]:
                found = (await gql("BookingPayment", {"id": booking_id}))["booking"]
                return found["status"], found["paymentStatus"]

            # when the customer fails once: the sandbox's IPN reaches the app, nothing confirms
            page = await vn.get(held["paymentUrl"].removeprefix(vnpay_sandbox.url))
            assert page.status_code == 200 and "Thanh toán" in page.text
            failed = await vn.post(
                "/paymentv2/decide",
                data={
                    "tmn": merchant.tmn_code,
                    "txn_ref": txn_ref_of(held["paymentUrl"]),
                    "outcome": "fail",
                },
            )
            assert failed.status_code == 302
            assert failed.headers["location"].startswith(f"{url}/payments/vnpay/return?")
            back = await app.get(failed.headers["location"].removeprefix(url))
            assert 'data-result="failed"' in back.text
            assert await status() == ("HELD", "UNPAID")
            # when they pay on a new page, with the IPN delayed
            paying = (await gql("BookingPay", {"input": {"bookingId": booking_id}}))["bookingPay"]
            rules = await vn.put(f"{control}/ipn-rules", json={"rules": [{"action": "delay"}]})
            assert rules.status_code == 200
            await vn.get(paying["paymentUrl"].removeprefix(vnpay_sandbox.url))
            paid = await vn.post(
                "/paymentv2/decide",
                data={
                    "tmn": merchant.tmn_code,
                    "txn_ref": txn_ref_of(paying["paymentUrl"]),
                    "outcome": "pay",
                },
            )
            assert paid.status_code == 302
            # then the return page says paid, but the booking waits for the IPN
            back = await app.get(paid.headers["location"].removeprefix(url))
            assert 'data-result="paid"' in back.text
            assert await status() == ("HELD", "UNPAID")
            # when the sandbox releases the IPN, the app confirms and answers 00
            released = await vn.post(f"{control}/ipns/release")
            answers = [d["answer"] for d in released.json()["deliveries"]]
            assert answers == [{"RspCode": "00", "Message": "Confirm Success"}]
            assert await status() == ("CONFIRMED", "PAID")
            log = (await vn.get(f"{control}/ipns")).json()["deliveries"]
            assert [d["answer"]["RspCode"] for d in log] == ["00", "00"]
