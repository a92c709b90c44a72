"""Booking emails: queued in the outbox with the change, sent by the worker over SMTP to the
local sink (a real SMTP server on a loopback port), bilingual, the ticket's QR code inside."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import firebase_admin
import httpx
import pytest
from bson import ObjectId

from backend import firebase
from backend.bookings import repository as booking_repository
from backend.bookings.tickets import hooks as ticket_hooks
from backend.bookings.tickets import qr
from backend.db import run_transaction
from backend.email import templates
from backend.email.smtp import Mailer
from backend.notifications.models import OutboxState
from backend.settings import Settings, SettingsError, load_settings
from notifications.smtp_local import LocalSmtp
from notifications.worker import Worker
from tests.bookings.conftest import BOOKING_CANCEL, CONTACT, Gql
from tests.bookings.tickets_support import add_free_tour, book_free_tour

Book = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture(scope="module")
def smtp_sink() -> Iterator[LocalSmtp]:
    with LocalSmtp() as sink:
        yield sink


@pytest.fixture
async def sink(smtp_sink: LocalSmtp) -> AsyncIterator[httpx.AsyncClient]:
    """The sink's control API, emptied before each test."""
    async with httpx.AsyncClient(base_url=smtp_sink.url, trust_env=False, timeout=10) as http:
        (await http.delete("/_local/messages")).raise_for_status()
        yield http


async def received(sink: httpx.AsyncClient, to: str = CONTACT["email"]) -> list[dict[str, Any]]:
    response = await sink.get("/_local/messages", params={"to": to})
    response.raise_for_status()
    return list(response.json()["messages"])


class Clock:
    """The worker's clock: real time, moved ahead by `ahead` when a test needs a later hour."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture
async def firebase_app(settings: Settings) -> AsyncIterator[firebase_admin.App]:
    app = firebase.initialize(settings)
    yield app
    await firebase.close_async(app)


@pytest.fixture
def mailer(smtp_sink: LocalSmtp) -> Mailer:
    return Mailer(
        host=smtp_sink.host, port=smtp_sink.smtp_port, tls="none", sender="ThangLong <a@b.vn>"
    )


@pytest.fixture
def worker(db: Any, firebase_app: firebase_admin.App, mailer: Mailer) -> Worker:
    return Worker(db, firebase_app, mailer=mailer, clock=Clock())


@pytest.fixture
async def book(db: Any, gql: Gql, create_departure: Any) -> Book:
    await add_free_tour(db)
    return book_free_tour(gql, create_departure)


async def test_the_confirmation_email_carries_the_ticket(
    book: Book, worker: Worker, sink: httpx.AsyncClient, db: Any
) -> None:
    # given a booking just confirmed: its email waits in the outbox, written with it
    booking = await book(guests=2)
    queued = await db.outbox.find_one({"kind": templates.CONFIRMED})
    assert queued["recipients"] == {"email": CONTACT["email"]}
    assert queued["state"] == "pending"
    # when the worker runs
    await worker.run_once()
    # then the sink received one message over SMTP, in both languages
    [message] = await received(sink)
    assert message["subject"] == f"Xác nhận đặt chỗ / Booking confirmed {booking['code']}"
    assert "Đơn đặt chỗ của bạn đã được xác nhận" in message["text"]
    assert "Your booking is confirmed" in message["text"]
    assert "Số khách: 2" in message["text"] and "Guests: 2" in message["text"]
    assert message["headers"]["Message-ID"] == f"<{queued['_id']}@thanglong>"
    # with the ticket's QR code inline (PNG) and attached (SVG of the very code)
    assert "cid:ticket-qr" in message["html"]
    parts = {part["content_type"]: part for part in message["parts"]}
    assert parts["image/png"]["content_id"] == "<ticket-qr>"
    png = await sink.get(f"/_local/messages/{message['id']}/parts/{parts['image/png']['index']}")
    assert png.content.startswith(b"\x89PNG")
    assert png.content == qr.png(booking["ticket"]["code"])
    svg = await sink.get(
        f"/_local/messages/{message['id']}/parts/{parts['image/svg+xml']['index']}"
    )
    assert svg.text == qr.svg(booking["ticket"]["code"])
    # and the outbox records it sent
    sent = await db.outbox.find_one({"_id": queued["_id"]})
    assert sent["state"] == OutboxState.SENT.value and sent["sent_at"] is not None


async def test_a_cancellation_email_follows_the_cancel(
    book: Book, gql: Gql, worker: Worker, sink: httpx.AsyncClient
) -> None:
    # given a confirmed booking, its email sent
    booking = await book()
    await worker.run_once()
    # when its owner cancels it
    body = await gql(
        BOOKING_CANCEL,
        {"input": {"bookingId": booking["id"], "reason": "Trời mưa"}},
        uid="tourist-1",
    )
    assert body["data"]["bookingCancel"]["errors"] == []
    await worker.run_once()
    # then a second, bilingual email says so, without a ticket
    _confirmation, cancellation = await received(sink)
    assert cancellation["subject"] == f"Đã hủy đặt chỗ / Booking cancelled {booking['code']}"
    assert "Lý do: Trời mưa" in cancellation["text"]
    assert "Your booking was cancelled" in cancellation["text"]
    assert "cid:ticket-qr" not in cancellation["html"]
    assert [p["content_type"] for p in cancellation["parts"]] == ["text/plain", "text/html"]


async def test_a_refund_email_is_queued_with_the_refund(
    book: Book, worker: Worker, sink: httpx.AsyncClient, db: Any
) -> None:
    # given a booking whose refund was just sent (the payments code records it)
    booking_id = (await book())["id"]
    doc = await booking_repository.get_booking(db, ObjectId(booking_id))
    assert doc is not None

    async def work(session: Any) -> None:
        await ticket_hooks.on_refunded(
            db, doc, amount_vnd=225_000, now=datetime.now(UTC), session=session
        )

    await run_transaction(db, work)
    await worker.run_once()
    # then the email says how much, as each language writes money
    refund = (await received(sink))[-1]
    assert refund["subject"].startswith("Đã hoàn tiền / Refund sent")
    assert "225.000 ₫" in refund["text"] and "VND 225,000" in refund["text"]


async def test_a_busy_server_is_retried_later(
    book: Book, worker: Worker, sink: httpx.AsyncClient, db: Any
) -> None:
    # given a server that answers the next message with 451 (try again later)
    await book()
    (await sink.put("/_local/failure", json={"code": 451, "times": 1})).raise_for_status()
    # when the worker sends
    await worker.run_once()
    # then the email waits with an error and a later attempt time, and nothing arrived
    waiting = await db.outbox.find_one({"kind": templates.CONFIRMED})
    assert waiting["state"] == "pending"
    assert waiting["attempts"] == 1
    assert "451" in waiting["last_error"]
    due = waiting["next_attempt_at"].replace(tzinfo=UTC)
    assert due > datetime.now(UTC)
    assert (await received(sink)) == []
    # and once that time comes, it is sent
    clock: Any = worker.clock
    clock.ahead = due - datetime.now(UTC) + timedelta(seconds=1)
    await worker.run_once()
    assert len(await received(sink)) == 1
    assert (await db.outbox.find_one({"_id": waiting["_id"]}))["state"] == "sent"


async def test_a_refused_address_ends_dead(
    book: Book, worker: Worker, sink: httpx.AsyncClient, db: Any
) -> None:
    await book()
    (await sink.put("/_local/failure", json={"code": 550, "times": 1})).raise_for_status()
    await worker.run_once()
    dead = await db.outbox.find_one({"kind": templates.CONFIRMED})
    assert dead["state"] == OutboxState.DEAD.value
    assert "550" in dead["last_error"]


async def test_without_an_smtp_server_the_email_is_kept_dead_for_a_retry(
    book: Book, db: Any, firebase_app: firebase_admin.App, sink: httpx.AsyncClient
) -> None:
    await book()
    await Worker(db, firebase_app, mailer=None).run_once()
    kept = await db.outbox.find_one({"kind": templates.CONFIRMED})
    assert kept["state"] == OutboxState.DEAD.value
    assert kept["last_error"] == "SMTP_HOST is not set"
    assert (await received(sink)) == []


def test_templates_escape_what_people_typed() -> None:
    data = {
        "code": "TL-ABC234",
        "name": "<script>alert(1)</script>",
        "service": {"vi": "Đi bộ", "en": "Walk"},
        "place": {"vi": "Hồ Gươm", "en": "Hoan Kiem Lake"},
        "date": "06/12/2026",
        "time": "08:30",
        "guests": 1,
        "amount_vnd": 450_000,
        "refund_vnd": 225_000,
        "refund_percent": 50,
        "reason": "<b>x</b>",
    }
    rendered = templates.render(templates.CANCELLED, data)
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html
    assert "<b>x</b>" not in rendered.html
    assert "Số tiền được hoàn: 225.000 ₫ (50%)." in rendered.text
    assert "Refund: VND 225,000 (50%)." in rendered.text
    assert "Tổng tiền: 450.000 ₫" in rendered.text


def test_smtp_settings_come_from_the_environment_and_production_refuses_the_sink() -> None:
    settings = load_settings(
        {"SMTP_HOST": "smtp.example.vn", "SMTP_PORT": "465", "SMTP_TLS": "tls",
         "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p", "EMAIL_FROM": "ThangLong <x@y.vn>"}
    )  # fmt: skip
    mailer = Mailer.from_settings(settings)
    assert mailer == Mailer(
        host="smtp.example.vn", port=465, tls="tls", sender="ThangLong <x@y.vn>",
        username="u", password="p",
    )  # fmt: skip
    assert Mailer.from_settings(load_settings({})) is None
    production = {
        "APP_ENV": "production",
        "MONGODB_URI": "mongodb://db.internal:27017/?replicaSet=rs0",
        "FIREBASE_PROJECT_ID": "thanglong-prod",
        "CURSOR_SECRET": "a-long-random-secret-shared-by-all-web-processes",
        "TICKET_SIGNING_KEY": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        "PUBLIC_BASE_URL": "https://api.thanglong.example",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": "1025",
    }
    assert load_settings(production).smtp_tls == "starttls"
    with pytest.raises(SettingsError, match="SMTP_TLS is none"):
        load_settings({**production, "SMTP_TLS": "none"})
    with pytest.raises(SettingsError, match="SMTP_TLS must be"):
        load_settings({"SMTP_TLS": "ssl"})
