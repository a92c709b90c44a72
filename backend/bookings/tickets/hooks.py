"""What follows a booking's confirmation, cancellation and refund: its ticket and its emails.

The confirm path (wherever a booking becomes CONFIRMED: at once for a free booking, after
VNPay's IPN for a paid one) calls `on_confirmed` inside its transaction, so a confirmed booking
always has a ticket and its email is queued exactly when the change commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings import repository as booking_repository
from backend.bookings.models import HANOI, BookingDoc
from backend.bookings.tickets import codes
from backend.db import Database
from backend.email import queue as email_queue
from backend.email import templates as email_templates


def email_data(booking: BookingDoc) -> dict[str, Any]:
    """What the booking emails show (backend/email/templates.py)."""
    local = booking.starts_at.astimezone(HANOI)
    data: dict[str, Any] = {
        "booking_id": str(booking.id),
        "code": booking.code,
        "name": booking.contact.name,
        "service": dict(booking.title),
        "place": dict(booking.place),
        "date": local.strftime("%d/%m/%Y"),
        "time": local.strftime("%H:%M"),
        "guests": booking.guests,
        "amount_vnd": booking.amount_vnd,
    }
    if booking.nights:
        data["check_in"] = booking.nights[0].strftime("%d/%m/%Y")
        data["check_out"] = (booking.nights[-1] + timedelta(days=1)).strftime("%d/%m/%Y")
    if booking.ticket is not None:
        data["ticket_code"] = booking.ticket.code
        data["valid_until"] = booking.ticket.valid_until.astimezone(HANOI).strftime(
            "%H:%M %d/%m/%Y"
        )
    return data


async def on_confirmed(
    db: Database, booking: BookingDoc, *, now: datetime, session: AsyncClientSession
) -> BookingDoc:
    """Issue the ticket of a booking just confirmed and queue its confirmation email; returns
    the booking with its ticket. Call it in the transaction that confirms the booking."""
    ticket = codes.issue(booking, now=now)
    issued = await booking_repository.set_ticket(db, booking.id, ticket.to_mongo(), session=session)
    ticketed = issued or booking
    await email_queue.enqueue(
        db,
        kind=email_templates.CONFIRMED,
        to=booking.contact.email,
        data=email_data(ticketed),
        now=now,
        session=session,
    )
    return ticketed


async def _without_ticket(
    db: Database,
    booking: BookingDoc,
    kind: str,
    extra: dict[str, Any],
    *,
    now: datetime,
    session: AsyncClientSession,
) -> None:
    """Queue the email `kind` about a booking whose ticket no longer admits (no QR in it)."""
    data = {**email_data(booking), **extra}
    data.pop("ticket_code", None)
    await email_queue.enqueue(
        db, kind=kind, to=booking.contact.email, data=data, now=now, session=session
    )


async def on_cancelled(
    db: Database, booking: BookingDoc, *, now: datetime, session: AsyncClientSession
) -> None:
    """Queue the cancellation email (with the refund the policy gives) in the cancel's
    transaction. The ticket needs nothing: bookingRedeem refuses a cancelled booking's code."""
    extra = {
        "refund_vnd": booking.refund_vnd or 0,
        "refund_percent": booking.refund_percent or 0,
        "reason": booking.cancel_reason or "",
    }
    await _without_ticket(db, booking, email_templates.CANCELLED, extra, now=now, session=session)


async def on_no_show(
    db: Database, booking: BookingDoc, *, now: datetime, session: AsyncClientSession
) -> None:
    """Queue the email that tells the guest the restaurant marked them absent (deposit kept),
    in the transaction that marked it."""
    await _without_ticket(db, booking, email_templates.NO_SHOW, {}, now=now, session=session)


async def on_refunded(
    db: Database,
    booking: BookingDoc,
    *,
    amount_vnd: int,
    now: datetime,
    session: AsyncClientSession,
) -> None:
    """Queue the email that tells a refund was sent (call it where the refund is recorded)."""
    extra = {"refund_vnd": amount_vnd}
    await _without_ticket(db, booking, email_templates.REFUNDED, extra, now=now, session=session)
