"""Storage models of the bookings domain: tours, departures, hotels, room types, holds, bookings.

One module per job; every name is re-exported here, so callers import from
`backend.bookings.models`.
"""

from __future__ import annotations

from backend.bookings.models.bookings import BookingDoc, Contact, TicketDoc
from backend.bookings.models.catalogue import (
    DepartureDoc,
    HotelDoc,
    RoomNightDoc,
    RoomTypeDoc,
    TourDoc,
)
from backend.bookings.models.holds import HoldDoc
from backend.bookings.models.policy import (
    PolicyRule,
    hanoi_date,
    nights,
    parse_policy,
    refund_percent,
    stay_start,
)
from backend.bookings.models.restaurants import (
    NO_SHOW_AFTER,
    NO_SHOW_UNTIL,
    TABLE_POLICY,
    RestaurantDoc,
    TableSlotDoc,
    slot_id,
)
from backend.bookings.models.statuses import (
    CHECK_IN_HOUR,
    DEPARTURE_DAYS,
    HOLD_PURGE_AFTER,
    HOLD_TTL,
    MAX_NIGHTS,
    MAX_ROOMS,
    MAX_SEATS,
    REMINDER_BEFORE,
    ROOM_NIGHT_DAYS,
    STAFF_REFUND_PERCENT,
    BookingErrorCode,
    BookingStatus,
    HoldState,
    ItemKind,
    PaymentStatus,
    Text,
)
from backend.clock import HANOI

__all__ = [
    "CHECK_IN_HOUR",
    "DEPARTURE_DAYS",
    "HANOI",
    "HOLD_PURGE_AFTER",
    "HOLD_TTL",
    "MAX_NIGHTS",
    "MAX_ROOMS",
    "MAX_SEATS",
    "NO_SHOW_AFTER",
    "NO_SHOW_UNTIL",
    "REMINDER_BEFORE",
    "ROOM_NIGHT_DAYS",
    "STAFF_REFUND_PERCENT",
    "TABLE_POLICY",
    "BookingDoc",
    "BookingErrorCode",
    "BookingStatus",
    "Contact",
    "DepartureDoc",
    "HoldDoc",
    "HoldState",
    "HotelDoc",
    "ItemKind",
    "PaymentStatus",
    "PolicyRule",
    "RestaurantDoc",
    "RoomNightDoc",
    "RoomTypeDoc",
    "TableSlotDoc",
    "Text",
    "TicketDoc",
    "TourDoc",
    "hanoi_date",
    "nights",
    "parse_policy",
    "refund_percent",
    "slot_id",
    "stay_start",
]
