"""Priced bookings and their money: a payment confirms a HELD booking (or finds it too late),
and refunds owed are marked and settled. The payments domain calls these; the payments ledger
(backend/payments) holds the amounts, the booking holds where its money stands."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    HOLD_PURGE_AFTER,
    BookingDoc,
    BookingStatus,
    HoldDoc,
    PaymentStatus,
)
from backend.bookings.service.bookings import on_confirmed
from backend.bookings.service.common import in_transaction
from backend.bookings.tickets import hooks as ticket_hooks
from backend.db import Database

# A booking that stands (or was used) keeps its whole price.
# A no-show keeps its deposit.
KEEPS_PRICE = frozenset({BookingStatus.CONFIRMED, BookingStatus.REDEEMED, BookingStatus.NO_SHOW})


def net_due(booking: BookingDoc) -> int:
    """VND the merchant keeps for this booking once every refund is done."""
    if booking.status in KEEPS_PRICE:
        return booking.amount_vnd
    if booking.status is BookingStatus.CANCELLED and booking.payment_status is not (
        PaymentStatus.NOT_REQUIRED
    ):
        return booking.amount_vnd - (booking.refund_vnd or 0)
    return 0


def settled_status(booking: BookingDoc) -> PaymentStatus:
    """The payment status once nothing is owed back any more."""
    if booking.status in KEEPS_PRICE:
        return PaymentStatus.PAID
    if booking.status is BookingStatus.CANCELLED and not booking.refund_vnd:
        return PaymentStatus.PAID
    return PaymentStatus.REFUNDED


async def settle_payment(
    db: Database, *, booking_id: ObjectId, now: datetime, session: AsyncClientSession
) -> BookingDoc | None:
    """A payment of this booking succeeded: HELD -> CONFIRMED while its hold is live (exactly
    once, with `on_confirmed`), else HELD -> EXPIRED owing the money back. A booking that was
    not HELD any more is marked as owing a refund (a second or late payment). None: unknown."""
    booking = await booking_repository.get_booking(db, booking_id)
    if booking is None:
        return None
    if booking.status is BookingStatus.HELD:
        claimed = await booking_repository.claim_live_hold(
            db,
            booking.hold,
            booking.user,
            now=now,
            purge_at=now + HOLD_PURGE_AFTER,
            session=session,
        )
        settled = await booking_repository.settle_held_booking(
            db,
            booking.id,
            status=BookingStatus.CONFIRMED if claimed else BookingStatus.EXPIRED,
            payment_status=PaymentStatus.PAID if claimed else PaymentStatus.REFUND_PENDING,
            paid_at=now,
            session=session,
        )
        if settled is not None:
            if claimed is not None:
                await on_confirmed(db, settled, now=now, session=session)
            return settled
        # Not HELD any more (the sweep expired it meanwhile): fall through, it owes a refund.
    await owe_refund(db, booking_id=booking_id, session=session)
    return await booking_repository.get_booking(db, booking_id)


async def owe_refund(
    db: Database, *, booking_id: ObjectId, session: AsyncClientSession | None = None
) -> None:
    """Mark the booking as owing money back, whatever its payment status was."""
    for expected in (PaymentStatus.PAID, PaymentStatus.UNPAID, PaymentStatus.REFUNDED):
        if await booking_repository.set_payment_status(
            db,
            booking_id,
            expected=expected,
            new=PaymentStatus.REFUND_PENDING,
            session=session,
        ):
            return


async def refund_settled(
    db: Database, *, booking: BookingDoc, refunded_vnd: int, now: datetime
) -> None:
    """Nothing is owed back any more: REFUND_PENDING -> PAID or REFUNDED, and the email that
    says what was given back (once: the status change decides)."""

    async def work(session: AsyncClientSession) -> None:
        if await booking_repository.set_payment_status(
            db,
            booking.id,
            expected=PaymentStatus.REFUND_PENDING,
            new=settled_status(booking),
            session=session,
        ):
            await ticket_hooks.on_refunded(
                db, booking, amount_vnd=refunded_vnd, now=now, session=session
            )

    await in_transaction(db, work)


async def owing_refunds(db: Database, *, limit: int) -> list[BookingDoc]:
    """Bookings whose money is owed back, oldest first."""
    return await booking_repository.owing_refunds(db, limit=limit)


async def get_booking(db: Database, booking_id: ObjectId) -> BookingDoc | None:
    """One booking by id, for the payments domain (no viewer: the IPN is VNPay's)."""
    return await booking_repository.get_booking(db, booking_id)


async def get_bookings(db: Database, ids: list[ObjectId]) -> list[BookingDoc]:
    """Bookings by id (any order)."""
    return await booking_repository.get_bookings(db, ids)


def created_between(db: Database, start: datetime, end: datetime) -> AsyncIterator[BookingDoc]:
    """Bookings created in [start, end), streamed."""
    return booking_repository.created_between(db, start, end)


async def get_hold(db: Database, hold_id: ObjectId) -> HoldDoc | None:
    """The hold a booking waits on (its expiry bounds the payment page)."""
    return await booking_repository.get_hold(db, hold_id)
