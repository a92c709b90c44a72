"""Bookings' constants and states: limits, error codes, hold, booking and payment statuses."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

Text = dict[str, str]  # {"vi": ..., "en": ...}

# Vietnam keeps UTC+7 all year: departure times and hotel dates are Hanoi wall-clock.
HOLD_TTL = timedelta(minutes=10)
# Released and confirmed holds stay this long after expiry (for support), then TTL removes them.
HOLD_PURGE_AFTER = timedelta(days=1)
CHECK_IN_HOUR = 14  # a stay "starts" at 14:00 on the check-in day, for cancellation windows
DEPARTURE_DAYS = 60
ROOM_NIGHT_DAYS = 120
MAX_SEATS = 20
MAX_ROOMS = 9
MAX_NIGHTS = 30
REMINDER_BEFORE = timedelta(hours=24)
# Staff cancellations (weather, a guide falls ill) refund in full.
STAFF_REFUND_PERCENT = 100


class BookingErrorCode(StrEnum):
    SOLD_OUT = "SOLD_OUT"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    HOLD_ALREADY_CONFIRMED = "HOLD_ALREADY_CONFIRMED"
    INVALID_DATES = "INVALID_DATES"
    TOO_MANY_GUESTS = "TOO_MANY_GUESTS"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_INPUT = "INVALID_INPUT"
    DEPARTED = "DEPARTED"
    CANCELLATION_NOT_ALLOWED = "CANCELLATION_NOT_ALLOWED"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    INVENTORY_BELOW_SOLD = "INVENTORY_BELOW_SOLD"
    DEPARTURE_EXISTS = "DEPARTURE_EXISTS"
    FORBIDDEN = "FORBIDDEN"
    # bookingRedeem: why a ticket's code was refused at the door.
    TICKET_INVALID = "TICKET_INVALID"  # not a code we signed (forged, altered, unknown key)
    TICKET_ALREADY_REDEEMED = "TICKET_ALREADY_REDEEMED"
    TICKET_CANCELLED = "TICKET_CANCELLED"
    TICKET_EXPIRED = "TICKET_EXPIRED"
    TICKET_NOT_YET_VALID = "TICKET_NOT_YET_VALID"
    TICKET_OTHER_OPERATOR = "TICKET_OTHER_OPERATOR"
    TICKET_NOT_CONFIRMED = "TICKET_NOT_CONFIRMED"  # the booking is not (or not yet) confirmed
    # bookingNoShow before 15 minutes after the seating, or of a booking that is not CONFIRMED.
    NO_SHOW_NOT_ALLOWED = "NO_SHOW_NOT_ALLOWED"


class ItemKind(StrEnum):
    TOUR = "TOUR"
    ROOM = "ROOM"
    TABLE = "TABLE"  # a restaurant table for one seating


class HoldState(StrEnum):
    ACTIVE = "ACTIVE"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"


class BookingStatus(StrEnum):
    # A priced booking waits in HELD (its hold keeps the inventory) until VNPay's IPN reports
    # the payment; EXPIRED when the hold ran out first (a late payment is refunded).
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    # The ticket was checked at the door (bookingRedeem), once.
    REDEEMED = "REDEEMED"
    # A table booking whose guests did not come (bookingNoShow): the deposit is kept.
    NO_SHOW = "NO_SHOW"


class PaymentStatus(StrEnum):
    """Where the booking's money is; the payments ledger holds the details."""

    NOT_REQUIRED = "NOT_REQUIRED"  # free
    UNPAID = "UNPAID"
    PAID = "PAID"
    REFUND_PENDING = "REFUND_PENDING"  # owed back (cancelled or paid too late), not yet refunded
    REFUNDED = "REFUNDED"
