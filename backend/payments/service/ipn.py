"""VNPay's IPN: check the signature, the order, the amount and the state, then settle once.

The checks run in the order of VNPay's own sample (signature 97, order 01, amount 04, state 02),
and every answer but 99 tells VNPay to stop retrying. A payment is applied by one conditional
update (PENDING -> PAID), so a repeated IPN, or an IPN racing querydr, confirms nothing twice;
the booking changes in the same transaction (backend.bookings.service.settlement).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.bookings.models import BookingDoc, PaymentStatus
from backend.bookings.service import settlement as booking_settlement
from backend.db import Database, run_transaction
from backend.errors import BusyError
from backend.payments import repository as payment_repository
from backend.payments import vnpay
from backend.payments.models import LedgerEntry, PaymentState
from backend.payments.service.refunds import settle_refunds

log = logging.getLogger(__name__)


async def apply_result(
    db: Database,
    merchant: vnpay.Merchant,
    payment: LedgerEntry,
    *,
    paid: bool,
    transaction_no: str | None,
    pay_date: datetime | None,
    response_code: str,
    now: datetime,
) -> bool:
    """Settle a PENDING payment as VNPay reported it (IPN or querydr); False when something
    settled it first. A payment that cannot buy its booking any more is refunded."""

    async def work(session: AsyncClientSession) -> BookingDoc | bool | None:
        settled = await payment_repository.settle_payment(
            db,
            payment.id,
            state=PaymentState.PAID if paid else PaymentState.FAILED,
            transaction_no=transaction_no,
            pay_date=pay_date,
            response_code=response_code,
            now=now,
            session=session,
        )
        if settled is None:
            return False
        if not paid:
            return True
        return await booking_settlement.settle_payment(
            db, booking_id=payment.booking, now=now, session=session
        )

    outcome = await run_transaction(db, work)
    if outcome is False:
        return False
    if paid:  # read after the commit: what the transaction decided
        outcome = await booking_settlement.get_booking(db, payment.booking)
    if isinstance(outcome, BookingDoc) and outcome.payment_status is PaymentStatus.REFUND_PENDING:
        # Paid too late, or twice: give it back now (the worker retries what fails here).
        try:
            await settle_refunds(db, merchant, booking_id=outcome.id, now=now)
        except Exception:
            log.exception("refund of booking %s failed; the worker will retry", outcome.id)
    return True


async def handle_ipn(
    db: Database, merchant: vnpay.Merchant, params: Mapping[str, str], *, now: datetime
) -> tuple[str, str]:
    """Answer one IPN: (RspCode, Message)."""
    try:
        if not vnpay.verify_query(params, merchant.hash_secret):
            return vnpay.IPN_INVALID_SIGNATURE
        if params.get("vnp_TmnCode") != merchant.tmn_code:
            return vnpay.IPN_ORDER_NOT_FOUND
        payment = await payment_repository.get_payment(db, params.get("vnp_TxnRef", ""))
        if payment is None:
            return vnpay.IPN_ORDER_NOT_FOUND
        if params.get("vnp_Amount") != str(payment.amount_vnd * 100):
            return vnpay.IPN_INVALID_AMOUNT
        if payment.payment_state is not PaymentState.PENDING:
            return vnpay.IPN_ALREADY_CONFIRMED
        code = params.get("vnp_ResponseCode", "")
        paid = code == vnpay.PAID and params.get("vnp_TransactionStatus") == vnpay.PAID
        pay_date = params.get("vnp_PayDate")
        applied = await apply_result(
            db,
            merchant,
            payment,
            paid=paid,
            transaction_no=params.get("vnp_TransactionNo"),
            pay_date=vnpay.parse_hanoi_time(pay_date) if pay_date else None,
            response_code=code,
            now=now,
        )
        return vnpay.IPN_SUCCESS if applied else vnpay.IPN_ALREADY_CONFIRMED
    except BusyError:
        # Kept losing to another delivery of this IPN: if that one settled it, say so; else
        # 99 makes VNPay send it again.
        latest = await payment_repository.get_payment(db, params.get("vnp_TxnRef", ""))
        if latest is not None and latest.payment_state is not PaymentState.PENDING:
            return vnpay.IPN_ALREADY_CONFIRMED
        log.warning("IPN %s kept conflicting; VNPay will retry it", params.get("vnp_TxnRef"))
        return vnpay.IPN_OTHER
    except Exception:
        log.exception("IPN %s failed", params.get("vnp_TxnRef"))
        return vnpay.IPN_OTHER
