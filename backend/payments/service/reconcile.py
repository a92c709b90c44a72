"""`payments reconcile --date D`: bookings, payments and refunds of a Hanoi day that disagree.

For every booking created that day, or with a ledger entry that day: what it was paid (PAID
payments) less what was given back (DONE refunds) must equal what the merchant keeps
(`net_due`), and no refund may still be pending; a confirmed priced booking must have a
payment, and a payment must not stay PENDING after its page closed (querydr settles those).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bson import ObjectId

from backend.bookings.models import BookingDoc, PaymentStatus
from backend.bookings.service import settlement as booking_settlement
from backend.clock import HANOI
from backend.db import Database
from backend.payments import repository as payment_repository
from backend.payments.models import QUERY_AFTER, EntryKind, LedgerEntry, PaymentState, RefundState

BATCH = 200


@dataclass(frozen=True)
class Disagreement:
    booking: str
    code: str
    problem: str


def _check(booking: BookingDoc, entries: list[LedgerEntry], now: datetime) -> list[str]:
    paid = sum(
        e.amount_vnd
        for e in entries
        if e.kind is EntryKind.PAYMENT and e.state == PaymentState.PAID.value
    )
    refunded = sum(
        e.amount_vnd
        for e in entries
        if e.kind is EntryKind.REFUND and e.state == RefundState.DONE.value
    )
    problems = []
    due = booking_settlement.net_due(booking)
    if booking.payment_status is PaymentStatus.NOT_REQUIRED and booking.amount_vnd > 0:
        if paid:
            problems.append(f"free booking was paid {paid} VND")
    elif paid - refunded != due:
        problems.append(
            f"{booking.status.value}: paid {paid} - refunded {refunded} = {paid - refunded} VND, "
            f"expected {due} VND"
        )
    for e in entries:
        if e.kind is EntryKind.REFUND and e.state == RefundState.PENDING.value:
            problems.append(f"refund {e.id} of {e.amount_vnd} VND still pending")
        stuck = e.expire_at is not None and now > e.expire_at + QUERY_AFTER
        if e.kind is EntryKind.PAYMENT and e.state == PaymentState.PENDING.value and stuck:
            problems.append(f"payment {e.txn_ref} still pending after its page closed")
    return problems


async def _booking_ids(db: Database, start: datetime, end: datetime) -> AsyncIterator[ObjectId]:
    """Bookings of the day, then those with ledger entries that day (possibly repeated)."""
    async for booking in booking_settlement.created_between(db, start, end):
        yield booking.id
    async for entry in payment_repository.created_between(db, start, end):
        yield entry.booking


async def reconcile_day(db: Database, day: date, *, now: datetime) -> list[Disagreement]:
    """What disagrees on `day` (Hanoi), in pages of bookings."""
    start = datetime(day.year, day.month, day.day, tzinfo=HANOI)
    end = start + timedelta(days=1)
    found: list[Disagreement] = []
    seen: set[ObjectId] = set()
    batch: list[ObjectId] = []

    async def flush() -> None:
        for booking in await booking_settlement.get_bookings(db, batch):
            entries = await payment_repository.entries_of(db, booking.id)
            found.extend(
                Disagreement(str(booking.id), booking.code, problem)
                for problem in _check(booking, entries, now)
            )
        batch.clear()

    async for booking_id in _booking_ids(db, start, end):
        if booking_id in seen:
            continue
        seen.add(booking_id)
        batch.append(booking_id)
        if len(batch) >= BATCH:
            await flush()
    await flush()
    return found
