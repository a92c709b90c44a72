"""bookingCancel: its owner within the booking's policy, or staff at any time (full refund)."""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.auth.models import Viewer
from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    STAFF_REFUND_PERCENT,
    BookingDoc,
    BookingErrorCode,
    BookingStatus,
    PaymentStatus,
    refund_percent,
)
from backend.bookings.service.bookings import get_booking, notice_data
from backend.bookings.service.common import BookingError, in_transaction, not_found
from backend.bookings.service.holds import return_inventory
from backend.bookings.tickets import hooks as ticket_hooks
from backend.db import Database

REASON_MAX = 500


async def cancel(
    *, db: Database, viewer: Viewer, booking_id: str, reason: str | None, now: datetime
) -> BookingDoc:
    """Cancel a booking: its owner within the policy, or staff at any time (full refund)."""
    booking = await get_booking(db=db, viewer=viewer, booking_id=booking_id)
    if booking is None:
        raise not_found(en="booking", vi="đơn đặt chỗ này", field="bookingId")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en=f"At most {REASON_MAX} characters",
            vi=f"Tối đa {REASON_MAX} ký tự",
            field="reason",
        )
    if booking.status is BookingStatus.CANCELLED:
        raise BookingError(
            BookingErrorCode.ALREADY_CANCELLED, en="Already cancelled", vi="Đơn này đã được hủy"
        )
    if booking.status is BookingStatus.NO_SHOW:
        raise BookingError(
            BookingErrorCode.CANCELLATION_NOT_ALLOWED,
            en="The guests did not come: the deposit is kept",
            vi="Khách đã không đến: tiền đặt cọc không được hoàn",
        )
    if booking.status is BookingStatus.REDEEMED:
        raise BookingError(
            BookingErrorCode.CANCELLATION_NOT_ALLOWED,
            en="The ticket was already used",
            vi="Vé của đơn này đã được sử dụng",
        )
    held = booking.status is BookingStatus.HELD
    percent: int | None
    if held:
        percent = 0  # nothing was paid: nothing to refund, and no policy to meet
    elif booking.user == viewer.uid:
        hours_left = (booking.starts_at - now).total_seconds() / 3600
        percent = refund_percent(booking.policy, hours_left=hours_left) if hours_left > 0 else None
        if percent is None:
            raise BookingError(
                BookingErrorCode.CANCELLATION_NOT_ALLOWED,
                en="Too late to cancel under this booking's policy",
                vi="Đã quá thời hạn hủy theo chính sách của đơn đặt chỗ này",
            )
    else:
        percent = STAFF_REFUND_PERCENT
    changes = {
        "cancelled_at": now,
        "cancelled_by": str(viewer.uid),
        "cancel_reason": reason,
        "refund_percent": percent,
        "refund_vnd": booking.amount_vnd * percent // 100,
    }
    if booking.payment_status is PaymentStatus.PAID and changes["refund_vnd"]:
        # The payments worker refunds it through VNPay (and sets REFUNDED).
        changes["payment_status"] = PaymentStatus.REFUND_PENDING.value

    async def work(session: AsyncClientSession) -> BookingDoc:
        # The CONFIRMED -> CANCELLED update decides which of two racing cancels returns stock.
        cancelled = await booking_repository.cancel_booking(
            db, booking.id, changes=changes, from_status=booking.status, session=session
        )
        if cancelled is None:
            raise BookingError(
                BookingErrorCode.ALREADY_CANCELLED, en="Already cancelled", vi="Đơn này đã được hủy"
            )
        # A HELD booking's inventory is still out on its ACTIVE hold: it comes back with the
        # hold (unless the sweep released it first).
        if not held or await booking_repository.release_hold(
            db, cancelled.hold, now=now, session=session
        ):
            await return_inventory(
                db,
                kind=cancelled.kind,
                item=cancelled.item,
                quantity=cancelled.quantity,
                stay=cancelled.nights,
                session=session,
            )
        notice = outbox.message(
            kind="booking.cancelled",
            uids=[cancelled.user],
            data={**notice_data(cancelled), "refund_percent": percent},
            now=now,
        )
        await outbox.enqueue(db, [notice], session=session)
        await ticket_hooks.on_cancelled(db, cancelled, now=now, session=session)
        return cancelled

    return await in_transaction(db, work)
