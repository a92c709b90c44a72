"""bookingPay: a signed VNPay payment URL for a HELD booking, open no later than its hold."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from backend.auth.models import Viewer
from backend.bookings.models import BookingDoc, BookingStatus
from backend.bookings.service import settlement as booking_settlement
from backend.db import Database
from backend.i18n import Locale
from backend.ids import parse_object_id
from backend.payments import repository as payment_repository
from backend.payments import vnpay
from backend.payments.models import (
    PAYMENT_WINDOW,
    QUERY_AFTER,
    EntryKind,
    LedgerEntry,
    PaymentErrorCode,
    PaymentState,
)
from backend.payments.service.common import PaymentError

# A page handed out again must leave the customer this long to pay.
REUSE_MARGIN = timedelta(minutes=2)
# VNPay accepts vnp_TxnRef up to 100 characters; ours are short and never repeat.
TXN_REF_BYTES = 9


def new_txn_ref(booking: BookingDoc) -> str:
    """The booking's code and a random suffix: readable in VNPay's merchant portal, unique."""
    return f"{booking.code.replace('-', '')}{secrets.token_hex(TXN_REF_BYTES).upper()}"


def order_info(booking: BookingDoc) -> str:
    # VNPay asks for Vietnamese without diacritics or English here.
    return f"ThangLong booking {booking.code}"


def _not_payable(en: str, vi: str) -> PaymentError:
    return PaymentError(PaymentErrorCode.NOT_PAYABLE, en=en, vi=vi, field="bookingId")


async def start_payment(
    *,
    db: Database,
    merchant: vnpay.Merchant | None,
    viewer: Viewer,
    booking_id: str,
    ip_addr: str,
    return_url: str,
    now: datetime,
) -> tuple[BookingDoc, LedgerEntry]:
    """The payment page of the viewer's HELD booking (the open one again while it lives)."""
    oid = parse_object_id(booking_id)
    booking = await booking_settlement.get_booking(db, oid) if oid else None
    if booking is None or booking.user != viewer.uid:
        raise PaymentError(
            PaymentErrorCode.NOT_FOUND,
            en="No such booking",
            vi="Không tìm thấy đơn đặt chỗ này",
            field="bookingId",
        )
    if merchant is None:
        raise PaymentError(
            PaymentErrorCode.PAYMENTS_UNAVAILABLE,
            en="Payments are not available right now",
            vi="Hiện chưa thể thanh toán",
        )
    if booking.status is not BookingStatus.HELD:
        raise _not_payable(
            "This booking is not waiting for a payment", "Đơn này không chờ thanh toán"
        )
    hold = await booking_settlement.get_hold(db, booking.hold)
    if hold is None or hold.expire_at <= now + REUSE_MARGIN:
        raise PaymentError(
            PaymentErrorCode.HOLD_EXPIRED,
            en="The hold expires too soon to pay: hold again",
            vi="Lượt giữ chỗ sắp hết hạn, không kịp thanh toán: hãy giữ chỗ lại",
            field="bookingId",
        )
    open_page = await payment_repository.live_payment(db, booking.id, until=now + REUSE_MARGIN)
    if open_page is not None:
        return booking, open_page
    # Whole seconds: VNPay's times have no fractions, and the page must close before the hold.
    created = now.replace(microsecond=0)
    expire_at = min(created + PAYMENT_WINDOW, hold.expire_at.replace(microsecond=0))
    txn_ref = new_txn_ref(booking)
    url = vnpay.payment_url(
        merchant,
        vnpay.PaymentRequest(
            txn_ref=txn_ref,
            amount_vnd=booking.amount_vnd,
            order_info=order_info(booking),
            locale="en" if viewer.locale is Locale.EN else "vn",
            return_url=return_url,
            ip_addr=ip_addr,
            created_at=created,
            expire_at=expire_at,
        ),
    )
    entry = LedgerEntry(
        id=ObjectId(),
        kind=EntryKind.PAYMENT,
        booking=booking.id,
        user=booking.user,
        amount_vnd=booking.amount_vnd,
        state=PaymentState.PENDING.value,
        txn_ref=txn_ref,
        key=payment_repository.payment_key(txn_ref),
        created_at=now,
        expire_at=expire_at,
        url=url,
        # No IPN by then: querydr asks VNPay (backend.payments.service.worker).
        check_at=expire_at + QUERY_AFTER,
    )
    try:
        await payment_repository.insert_entry(db, entry)
    except DuplicateKeyError:  # a txn_ref clash (72 random bits): vanishingly rare
        raise _not_payable("Please try again", "Vui lòng thử lại") from None
    return booking, entry
