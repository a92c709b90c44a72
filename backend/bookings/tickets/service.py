"""Redeeming a ticket at the door, and who may see or download one."""

from __future__ import annotations

from datetime import datetime

from backend.auth.models import Viewer
from backend.bookings import repository as booking_repository
from backend.bookings.models import BookingDoc, BookingErrorCode, BookingStatus
from backend.bookings.service.common import BookingError, is_booking_staff, is_operator_staff
from backend.bookings.tickets import codes
from backend.db import Database
from backend.error_messages import code_message
from backend.ids import parse_object_id

# Statuses whose booking has a ticket to show (REDEEMED: as a record of the visit).
TICKETED = frozenset({BookingStatus.CONFIRMED, BookingStatus.REDEEMED})
REFUSED_FOR_STATUS = {
    BookingStatus.REDEEMED: BookingErrorCode.TICKET_ALREADY_REDEEMED,
    BookingStatus.CANCELLED: BookingErrorCode.TICKET_CANCELLED,
}


def refused(code: BookingErrorCode) -> BookingError:
    message = code_message(code.value)
    return BookingError(code, en=message.en, vi=message.vi, field="code")


def may_redeem_for(viewer: Viewer, operator: str) -> bool:
    """An operator's staff redeem its tickets: staff whose `department` claim is the operator
    (the tour's or hotel's id); the Department of Tourism's staff and admins redeem any."""
    return is_operator_staff(viewer, operator)


async def redeem(*, db: Database, viewer: Viewer, code: str, now: datetime) -> BookingDoc:
    """Turn the booking of a valid ticket code REDEEMED, once; a typed refusal otherwise."""
    try:
        claims = codes.verify(code, now=now)
    except codes.TicketCodeError as error:
        raise refused(BookingErrorCode(error.problem.value)) from None
    if not may_redeem_for(viewer, claims.operator):
        raise refused(BookingErrorCode.TICKET_OTHER_OPERATOR)
    booking_id = parse_object_id(claims.booking_id)
    booking = await booking_repository.get_booking(db, booking_id) if booking_id else None
    # Signed by us, but not this booking's ticket (none issued, or another): not accepted.
    if booking is None or booking.ticket is None or booking.ticket.code != code.strip():
        raise refused(BookingErrorCode.TICKET_INVALID)
    for _attempt in range(2):
        if booking.status in REFUSED_FOR_STATUS:
            raise refused(REFUSED_FOR_STATUS[booking.status])
        if booking.status is not BookingStatus.CONFIRMED:
            raise refused(BookingErrorCode.TICKET_NOT_CONFIRMED)
        # The filter holds the condition: of two scans at two doors, one wins.
        redeemed = await booking_repository.redeem_booking(
            db, booking.id, by=str(viewer.uid), now=now
        )
        if redeemed is not None:
            return redeemed
        latest = await booking_repository.get_booking(db, booking.id)
        if latest is None:
            break
        booking = latest
    raise refused(BookingErrorCode.TICKET_ALREADY_REDEEMED)


async def ticket_booking(*, db: Database, viewer: Viewer, booking_id: str) -> BookingDoc | None:
    """The booking whose ticket the viewer may download: its owner's or, for booking staff,
    anyone's, while it has a ticket; None otherwise (and for bad ids)."""
    oid = parse_object_id(booking_id)
    if oid is None or not viewer.is_authenticated:
        return None
    booking = await booking_repository.get_booking(db, oid)
    if booking is None or booking.ticket is None or booking.status not in TICKETED:
        return None
    if booking.user != viewer.uid and not is_booking_staff(viewer):
        return None
    return booking
