"""Refunds through VNPay's refund API: whatever a booking owes back, each refund once.

What is owed is computed from the ledger, not remembered: the booking's PAID payments, minus
its refunds (done or pending), minus what the merchant keeps (`net_due`: the price of a
confirmed booking, the price less the policy's refund of a cancelled one, nothing for an
expired one). So a cancellation, a payment after the hold expired and a second payment of one
booking are all the same case. Refund keys are unique per booking and sequence number: two
workers computing the same debt insert one refund.
"""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from backend.bookings.models import PaymentStatus
from backend.bookings.service import settlement as booking_settlement
from backend.db import Database
from backend.payments import repository as payment_repository
from backend.payments import vnpay
from backend.payments.models import LEASE, EntryKind, LedgerEntry, PaymentState, RefundState
from backend.payments.service.common import SERVER_IP, call_api

REFUND_BY = "thanglong"


def refunded_of(entries: list[LedgerEntry], payment: ObjectId) -> int:
    return sum(e.amount_vnd for e in entries if e.kind is EntryKind.REFUND and e.payment == payment)


def owed_back(entries: list[LedgerEntry], net_due: int) -> int:
    """VND still to give back: paid, less refunds made or pending, less what is kept."""
    paid = sum(
        e.amount_vnd
        for e in entries
        if e.kind is EntryKind.PAYMENT and e.state == PaymentState.PAID.value
    )
    refunded = sum(e.amount_vnd for e in entries if e.kind is EntryKind.REFUND)
    return max(paid - refunded - net_due, 0)


async def _owe(db: Database, booking_id: ObjectId, now: datetime) -> list[LedgerEntry]:
    """Insert the refunds the booking owes (none when another worker just did)."""
    booking = await booking_settlement.get_booking(db, booking_id)
    if booking is None:
        return []
    entries = await payment_repository.entries_of(db, booking_id)
    owed = owed_back(entries, booking_settlement.net_due(booking))
    sequence = sum(1 for e in entries if e.kind is EntryKind.REFUND)
    # Newest payments first: a second payment is given back whole.
    payments = [
        e for e in entries if e.kind is EntryKind.PAYMENT and e.state == PaymentState.PAID.value
    ]
    for payment in reversed(payments):
        if owed <= 0:
            break
        amount = min(owed, payment.amount_vnd - refunded_of(entries, payment.id))
        if amount <= 0:
            continue
        refund = LedgerEntry(
            id=ObjectId(),
            kind=EntryKind.REFUND,
            booking=booking_id,
            user=booking.user,
            amount_vnd=amount,
            state=RefundState.PENDING.value,
            txn_ref=payment.txn_ref,
            payment=payment.id,
            key=payment_repository.refund_key(booking_id, sequence),
            created_at=now,
            check_at=now,
        )
        try:
            await payment_repository.insert_entry(db, refund)
        except DuplicateKeyError:
            break  # another worker is settling this booking: it owes the rest
        entries.append(refund)
        sequence += 1
        owed -= amount
    return entries


async def send_refund(
    db: Database, merchant: vnpay.Merchant, refund: LedgerEntry, *, now: datetime
) -> bool:
    """Ask VNPay for one leased refund; True once it is DONE."""
    payments = [
        e for e in await payment_repository.entries_of(db, refund.booking) if e.id == refund.payment
    ]
    if not payments or payments[0].transaction_no is None or payments[0].pay_date is None:
        return False
    payment = payments[0]
    body = vnpay.refund_body(
        merchant,
        # The same request id on every retry: VNPay answers 94 to a refund it already made.
        request_id=str(refund.id),
        txn_ref=refund.txn_ref,
        amount_vnd=refund.amount_vnd,
        full=refund.amount_vnd == payment.amount_vnd,
        transaction_no=payment.transaction_no or "",
        transaction_date=payment.pay_date or payment.created_at,
        created_by=REFUND_BY,
        now=now,
        ip_addr=SERVER_IP,
    )
    answer = await call_api(merchant, body)
    if not vnpay.verify_response(answer, vnpay.REFUND_RESPONSE_FIELDS, merchant.hash_secret):
        return False
    code = str(answer.get("vnp_ResponseCode"))
    if code in (vnpay.API_OK, vnpay.API_DUPLICATE):
        await payment_repository.refund_done(
            db,
            refund.id,
            transaction_no=str(answer.get("vnp_TransactionNo") or "") or None,
            response_code=code,
            now=now,
        )
        return True
    await payment_repository.note_response(db, refund.id, response_code=code)
    return False


async def settle_refunds(
    db: Database, merchant: vnpay.Merchant, *, booking_id: ObjectId, now: datetime
) -> int:
    """Owe and send what the booking owes back; when all is given back, the booking's payment
    status leaves REFUND_PENDING. Returns how many refunds VNPay accepted now."""
    entries = await _owe(db, booking_id, now)
    sent = 0
    pending = [
        e for e in entries if e.kind is EntryKind.REFUND and e.state == RefundState.PENDING.value
    ]
    for refund in pending:
        leased = await payment_repository.claim_refund(db, refund.id, now=now, lease=LEASE)
        if leased is not None and await send_refund(db, merchant, leased, now=now):
            sent += 1
    booking = await booking_settlement.get_booking(db, booking_id)
    if booking is None or booking.payment_status is not PaymentStatus.REFUND_PENDING:
        return sent
    entries = await payment_repository.entries_of(db, booking_id)
    settled = (
        all(e.state == RefundState.DONE.value for e in entries if e.kind is EntryKind.REFUND)
        and owed_back(entries, booking_settlement.net_due(booking)) == 0
    )
    if settled:
        refunded = sum(e.amount_vnd for e in entries if e.kind is EntryKind.REFUND)
        await booking_settlement.refund_settled(db, booking=booking, refunded_vnd=refunded, now=now)
    return sent
