"""The payments worker job: querydr for payments whose IPN never came, refunds still owed.

Both take leases (`check_at` moves forward when claimed), so several workers share the work,
and both go through the same settling code as the IPN, so a late IPN and querydr agree.
"""

from __future__ import annotations

import functools
import logging
import uuid
from datetime import datetime

from backend.bookings.service import settlement as booking_settlement
from backend.db import Database
from backend.payments import repository as payment_repository
from backend.payments import vnpay
from backend.payments.models import ABANDON_AFTER, LEASE, EntryKind
from backend.payments.service.common import SERVER_IP, call_api, merchant_of
from backend.payments.service.ipn import apply_result
from backend.payments.service.refunds import send_refund, settle_refunds
from backend.settings import load_settings

log = logging.getLogger(__name__)
BATCH = 100


async def _query(db: Database, merchant: vnpay.Merchant, now: datetime) -> bool:
    """querydr for one due PENDING payment; False when none is due."""
    payment = await payment_repository.claim_due(db, kind=EntryKind.PAYMENT, now=now, lease=LEASE)
    if payment is None:
        return False
    body = vnpay.querydr_body(
        merchant,
        request_id=uuid.uuid4().hex,
        txn_ref=payment.txn_ref,
        transaction_date=payment.created_at,
        now=now,
        ip_addr=SERVER_IP,
    )
    answer = await call_api(merchant, body)
    if not vnpay.verify_response(answer, vnpay.QUERYDR_RESPONSE_FIELDS, merchant.hash_secret):
        log.warning("querydr answer for %s has a bad checksum", payment.txn_ref)
        return True
    code = str(answer.get("vnp_ResponseCode"))
    abandoned = payment.expire_at is not None and now >= payment.expire_at + ABANDON_AFTER
    if code == vnpay.API_OK:
        if str(answer.get("vnp_Amount")) != str(payment.amount_vnd * 100):
            log.error("querydr of %s reports another amount", payment.txn_ref)
            return True
        status = str(answer.get("vnp_TransactionStatus"))
        if status == "01" and not abandoned:  # not finished at VNPay yet: ask again later
            return True
        pay_date = answer.get("vnp_PayDate")
        await apply_result(
            db,
            merchant,
            payment,
            paid=status == vnpay.PAID,
            transaction_no=str(answer.get("vnp_TransactionNo") or "") or None,
            pay_date=vnpay.parse_hanoi_time(str(pay_date)) if pay_date else None,
            response_code=status,
            now=now,
        )
    elif code == vnpay.API_NOT_FOUND and abandoned:
        # The customer never got as far as paying: the page is long closed.
        await apply_result(
            db,
            merchant,
            payment,
            paid=False,
            transaction_no=None,
            pay_date=None,
            response_code=code,
            now=now,
        )
    return True


async def check_pending(
    db: Database, merchant: vnpay.Merchant, now: datetime, *, limit: int = BATCH
) -> int:
    """Reconcile due PENDING payments with querydr; returns how many were looked at."""
    done = 0
    while done < limit and await _query(db, merchant, now):
        done += 1
    return done


async def run_due(db: Database, merchant: vnpay.Merchant, now: datetime) -> int:
    """querydr what is due, then send the refunds owed; returns how much was done."""
    done = await check_pending(db, merchant, now)
    for _ in range(BATCH):
        refund = await payment_repository.claim_due(db, kind=EntryKind.REFUND, now=now, lease=LEASE)
        if refund is None:
            break
        if await send_refund(db, merchant, refund, now=now):
            done += 1
        # Owes anything else and, when all is given back, settles the booking's status.
        done += await settle_refunds(db, merchant, booking_id=refund.booking, now=now)
    for booking in await booking_settlement.owing_refunds(db, limit=BATCH):
        done += await settle_refunds(db, merchant, booking_id=booking.id, now=now)
    return done


@functools.cache
def _configured_merchant() -> vnpay.Merchant | None:
    return merchant_of(load_settings())


async def scheduled(db: Database, now: datetime) -> int:
    """The worker's job (backend.domains.JOBS); nothing to do where VNPay is not configured."""
    merchant = _configured_merchant()
    if merchant is None:
        return 0
    return await run_due(db, merchant, now)
