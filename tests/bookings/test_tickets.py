"""Tickets: a confirmed booking's signed QR code, checked offline and redeemed once at the door."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from backend import clock
from backend.bookings.tickets import codes
from backend.clock import HANOI
from backend.email import templates
from backend.settings import Settings, SettingsError, load_settings
from tests.bookings.conftest import BOOKING_CANCEL, Gql
from tests.bookings.tickets_support import (
    BOOKING_QUERY,
    BOOKING_REDEEM,
    FREE_TOUR,
    add_free_tour,
    book_free_tour,
)
from tests.conftest import with_settings

Book = Callable[..., Awaitable[dict[str, Any]]]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
async def book(db: Any, gql: Gql, create_departure: Any) -> Book:
    await add_free_tour(db)
    return book_free_tour(gql, create_departure)


async def redeem(gql: Gql, code: str, *, uid: str = "guide-1", department: str = FREE_TOUR) -> Any:
    body = await gql(BOOKING_REDEEM, {"input": {"code": code}}, uid=uid, role="staff",
                     department=department)  # fmt: skip
    assert "errors" not in body, body
    return body["data"]["bookingRedeem"]


def codes_of(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["errors"]]


async def test_a_confirmed_booking_has_a_ticket_verifiable_offline(
    book: Book, client: httpx.AsyncClient
) -> None:
    # given a confirmed booking for two
    booking = await book(guests=2)
    ticket = booking["ticket"]
    # when an offline checker has fetched the published keys once
    published = (await client.get("/.well-known/ticket-keys.json")).json()["keys"]
    head, signature = ticket["code"].split(".")
    payload = json.loads(unb64(head))
    jwk = next(k for k in published if k["kid"] == payload["kid"])
    # then the code's signature verifies with them, without the database (raises if not)
    Ed25519PublicKey.from_public_bytes(unb64(jwk["x"])).verify(unb64(signature), head.encode())
    assert (jwk["kty"], jwk["crv"], jwk["status"]) == ("OKP", "Ed25519", "current")
    # and it names the booking, its operator, the day and the party
    starts = datetime.fromisoformat(booking["startsAt"]).astimezone(HANOI)
    assert payload["bid"] == booking["id"]
    assert payload["op"] == booking["productId"] == FREE_TOUR
    assert payload["day"] == starts.date().isoformat()
    assert payload["n"] == 2
    assert ticket["keyId"] == payload["kid"]
    # and it is valid until midnight (Hanoi) after the departure's day
    until = datetime.fromisoformat(ticket["validUntil"])
    assert until.astimezone(HANOI) == datetime.combine(
        starts.date() + timedelta(days=1), datetime.min.time(), HANOI
    )
    assert ticket["qrSvg"].startswith("<svg") and "<path" in ticket["qrSvg"]
    assert ticket["downloadUrl"] == f"/tickets/{booking['id']}.svg"


async def test_the_ticket_downloads_for_its_owner_only(
    book: Book, client: httpx.AsyncClient, make_token: Callable[..., str], gql: Gql
) -> None:
    # given a confirmed booking
    booking = await book()
    url = booking["ticket"]["downloadUrl"]
    # when its owner, a stranger and nobody download the ticket
    owner = await client.get(
        url, headers={"Authorization": f"Bearer {make_token(uid='tourist-1')}"}
    )
    stranger = await client.get(url, headers={"Authorization": f"Bearer {make_token(uid='x-2')}"})
    anonymous = await client.get(url)
    # then only the owner gets the SVG to keep offline
    assert owner.status_code == 200
    assert owner.headers["content-type"].startswith("image/svg+xml")
    assert owner.text.startswith("<svg")
    assert "attachment" in owner.headers["content-disposition"]
    assert stranger.status_code == 404
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "UNAUTHENTICATED"
    # and the app's Booking document shows the same ticket
    shown = await gql(BOOKING_QUERY, {"id": booking["id"]}, uid="tourist-1")
    assert shown["data"]["booking"]["ticket"]["code"] == booking["ticket"]["code"]


async def test_the_operators_staff_redeem_a_ticket_once(book: Book, gql: Gql) -> None:
    # given a confirmed booking
    booking = await book()
    code = booking["ticket"]["code"]
    # when the tour's guide scans it, then scans it again
    first = await redeem(gql, code)
    again = await redeem(gql, code, uid="guide-2")
    # then the first scan redeems it and the second is refused as reused
    assert first["errors"] == []
    assert first["booking"]["status"] == "REDEEMED"
    assert first["booking"]["redeemedAt"] is not None
    assert codes_of(again) == ["TICKET_ALREADY_REDEEMED"]
    assert again["errors"][0]["message"]  # said in words too
    shown = await gql(BOOKING_QUERY, {"id": booking["id"]}, uid="tourist-1")
    assert shown["data"]["booking"]["status"] == "REDEEMED"
    assert shown["data"]["booking"]["ticket"]["code"] == code  # kept as the visit's record


async def test_concurrent_scans_redeem_exactly_once(book: Book, gql: Gql) -> None:
    # given a confirmed booking scanned at five doors at once
    code = (await book())["ticket"]["code"]
    results = await asyncio.gather(*(redeem(gql, code, uid=f"guide-{n}") for n in range(5)))
    # then exactly one scan is accepted
    accepted = [r for r in results if not r["errors"]]
    assert len(accepted) == 1
    assert sorted(c for r in results for c in codes_of(r)) == ["TICKET_ALREADY_REDEEMED"] * 4


async def test_forged_codes_are_refused(book: Book, gql: Gql) -> None:
    # given a real ticket
    booking = await book(guests=1)
    head, signature = booking["ticket"]["code"].split(".")
    payload = json.loads(unb64(head))
    # when someone raises the party size and keeps the signature
    bigger = b64(json.dumps({**payload, "n": 10}, separators=(",", ":")).encode())
    # or signs a code with a key of their own under our key id
    own_key = Ed25519PrivateKey.generate()
    own_head = b64(json.dumps(payload, separators=(",", ":")).encode())
    self_signed = f"{own_head}.{b64(own_key.sign(own_head.encode()))}"
    forged = [f"{bigger}.{signature}", self_signed, "TL-ABCDEF", "x" * 5000, f"{head}.", "."]
    results = [await redeem(gql, code) for code in forged]
    # then each is refused as invalid, and the booking still stands unredeemed
    assert [codes_of(r) for r in results] == [["TICKET_INVALID"]] * len(forged)
    shown = await gql(BOOKING_QUERY, {"id": booking["id"]}, uid="tourist-1")
    assert shown["data"]["booking"]["status"] == "CONFIRMED"


async def test_another_operators_staff_cannot_redeem(book: Book, gql: Gql) -> None:
    # given a free walking tour's ticket
    code = (await book())["ticket"]["code"]
    # when the staff of another tour scan it
    result = await redeem(gql, code, uid="other-guide", department="street-food-night")
    # then it is refused as another operator's, and stays valid for the right one
    assert codes_of(result) == ["TICKET_OTHER_OPERATOR"]
    assert (await redeem(gql, code))["booking"]["status"] == "REDEEMED"


async def test_tourism_staff_redeem_any_operators_ticket(book: Book, gql: Gql) -> None:
    code = (await book())["ticket"]["code"]
    result = await redeem(gql, code, uid="tourism-1", department="so-du-lich")
    assert result["errors"] == []
    assert result["booking"]["status"] == "REDEEMED"


async def test_a_cancelled_bookings_ticket_is_refused(book: Book, gql: Gql) -> None:
    # given a booking cancelled by its owner
    booking = await book()
    cancelled = await gql(BOOKING_CANCEL, {"input": {"bookingId": booking["id"]}}, uid="tourist-1")
    assert cancelled["data"]["bookingCancel"]["errors"] == []
    # when its ticket is scanned
    result = await redeem(gql, booking["ticket"]["code"])
    # then it is refused as cancelled, and the app no longer shows a ticket
    assert codes_of(result) == ["TICKET_CANCELLED"]
    shown = await gql(BOOKING_QUERY, {"id": booking["id"]}, uid="tourist-1")
    assert shown["data"]["booking"]["ticket"] is None


async def test_an_expired_ticket_is_refused(
    book: Book, gql: Gql, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a ticket valid until midnight after the departure
    booking = await book()
    until = datetime.fromisoformat(booking["ticket"]["validUntil"])
    # when it is scanned at that midnight
    monkeypatch.setattr(clock, "now", lambda: until.astimezone(UTC))
    result = await redeem(gql, booking["ticket"]["code"])
    # then it is refused as expired
    assert codes_of(result) == ["TICKET_EXPIRED"]
    # and a second earlier it was still good
    monkeypatch.setattr(clock, "now", lambda: until.astimezone(UTC) - timedelta(seconds=1))
    assert (await redeem(gql, booking["ticket"]["code"]))["errors"] == []


async def test_messages_are_in_the_viewers_language(
    book: Book, client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    code = (await book())["ticket"]["code"]
    token = make_token(uid="guide-1", claims={"role": "staff", "department": "street-food-night"})
    said = {}
    for lang in ("vi", "en"):
        response = await client.post(
            "/graphql",
            json={"query": BOOKING_REDEEM, "variables": {"input": {"code": code}}},
            headers={"Authorization": f"Bearer {token}", "Accept-Language": lang},
        )
        said[lang] = response.json()["data"]["bookingRedeem"]["errors"][0]["message"]
    assert said["vi"] == "Vé này dành cho dịch vụ của đơn vị khác"
    assert said["en"] == "This ticket is for another operator's service"


def test_production_refuses_to_start_without_a_signing_key() -> None:
    production = {
        "APP_ENV": "production",
        "MONGODB_URI": "mongodb://db.internal:27017/?replicaSet=rs0",
        "FIREBASE_PROJECT_ID": "thanglong-prod",
        "CURSOR_SECRET": "a-long-random-secret-shared-by-all-web-processes",
        "PUBLIC_BASE_URL": "https://api.thanglong.example",
    }
    with pytest.raises(SettingsError, match="TICKET_SIGNING_KEY"):
        load_settings(production)
    seed = b64(b"\x01" * 32)
    assert load_settings({**production, "TICKET_SIGNING_KEY": seed}).ticket_signing_key == seed
    with pytest.raises(SettingsError, match="TICKET_SIGNING_KEY"):
        codes.load_keys(load_settings({**production, "TICKET_SIGNING_KEY": "short"}))


async def test_a_configured_key_signs_and_retired_keys_stay_published(
    settings: Settings, serve: Any
) -> None:
    # given the key of the environment, and the public half of the key it replaced
    old = Ed25519PrivateKey.generate()
    old_public = old.public_key().public_bytes_raw()
    new_seed = b"\x07" * 32
    configured = with_settings(
        settings,
        ticket_signing_key=b64(new_seed),
        ticket_key_id="2026-12",
        ticket_retired_keys=(f"2026-06:{b64(old_public)}",),
    )
    async for client in serve(configured):
        published = (await client.get("/.well-known/ticket-keys.json")).json()["keys"]
    # then both are published, the current one derived from the configured seed
    by_id = {k["kid"]: k for k in published}
    current = Ed25519PrivateKey.from_private_bytes(new_seed).public_key().public_bytes_raw()
    assert unb64(by_id["2026-12"]["x"]) == current
    assert by_id["2026-06"]["status"] == "retired"
    assert unb64(by_id["2026-06"]["x"]) == old_public
    # and a ticket the old key signed still verifies while it is valid
    now = datetime.now(UTC)
    at = int(now.timestamp())
    body = {"v": 1, "kid": "2026-06", "bid": "0" * 24, "op": FREE_TOUR, "day": "2026-12-06",
            "n": 1, "nbf": at - 60, "exp": at + 3600}  # fmt: skip
    head = b64(json.dumps(body).encode())
    claims = codes.verify(f"{head}.{b64(old.sign(head.encode()))}", now=now)
    assert (claims.key_id, claims.operator) == ("2026-06", FREE_TOUR)


async def test_a_redeemed_booking_cannot_be_cancelled(book: Book, gql: Gql) -> None:
    # given a booking whose ticket was used at the door
    booking = await book()
    assert (await redeem(gql, booking["ticket"]["code"]))["errors"] == []
    # when its owner tries to cancel it afterwards
    body = await gql(BOOKING_CANCEL, {"input": {"bookingId": booking["id"]}}, uid="tourist-1")
    # then it is refused, and the booking stays redeemed
    assert codes_of(body["data"]["bookingCancel"]) == ["CANCELLATION_NOT_ALLOWED"]
    shown = await gql(BOOKING_QUERY, {"id": booking["id"]}, uid="tourist-1")
    assert shown["data"]["booking"]["status"] == "REDEEMED"


async def test_a_paid_booking_gets_its_ticket_when_the_payment_confirms_it(
    db: Any, gql: Gql, create_departure: Any, hold_tour: Any, confirm: Any
) -> None:
    departure = await create_departure(capacity=10)
    # given a priced booking not paid yet: no ticket, no confirmation email
    unpaid = await hold_tour(departure["id"], seats=1)
    waiting = (await confirm(unpaid["hold"]["id"], pay=False))["booking"]
    shown = await gql(BOOKING_QUERY, {"id": waiting["id"]}, uid="tourist-1")
    assert shown["data"]["booking"]["status"] == "HELD"
    assert shown["data"]["booking"]["ticket"] is None
    assert await db.outbox.count_documents({"kind": templates.CONFIRMED}) == 0
    # when another one is paid on the VNPay sandbox, whose IPN confirms it
    held = await hold_tour(departure["id"], seats=2)
    paid = (await confirm(held["hold"]["id"], guests=2))["booking"]
    # then it is confirmed with a ticket, and its confirmation email carries that ticket
    shown = await gql(BOOKING_QUERY, {"id": paid["id"]}, uid="tourist-1")
    booking = shown["data"]["booking"]
    assert booking["status"] == "CONFIRMED"
    assert booking["ticket"] is not None
    queued = await db.outbox.find_one({"kind": templates.CONFIRMED})
    assert queued["data"]["booking_id"] == paid["id"]
    assert queued["data"]["ticket_code"] == booking["ticket"]["code"]
    # and the tour's staff redeem it
    result = await redeem(gql, booking["ticket"]["code"], department="old-quarter-walking")
    assert result["booking"]["status"] == "REDEEMED"
