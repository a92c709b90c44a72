"""The business rules of bookings; resolvers and the worker import from here."""

from backend.bookings.service.bookings import (
    ConfirmRequest,
    confirm,
    enqueue_reminders,
    get_booking,
    my_bookings,
    new_code,
)
from backend.bookings.service.cancellation import cancel
from backend.bookings.service.catalogue import (
    Availability,
    Near,
    availability,
    departures,
    get_hotel,
    get_tour,
    list_hotels,
    list_tours,
)
from backend.bookings.service.common import BookingError, BookingInputErrors, is_booking_staff
from backend.bookings.service.holds import (
    RoomHoldRequest,
    TourHoldRequest,
    release_expired_holds,
    sweep,
)
from backend.bookings.service.inventory import create_departure, set_inventory
from backend.bookings.service.restaurants import (
    Slot,
    get_restaurant,
    list_restaurants,
    slot_of,
    slots,
)
from backend.bookings.service.table_settings import TablesSetting, set_tables
from backend.bookings.service.tables import TableHoldRequest, hold, no_show

__all__ = [
    "Availability",
    "BookingError",
    "BookingInputErrors",
    "ConfirmRequest",
    "Near",
    "RoomHoldRequest",
    "Slot",
    "TableHoldRequest",
    "TablesSetting",
    "TourHoldRequest",
    "availability",
    "cancel",
    "confirm",
    "create_departure",
    "departures",
    "enqueue_reminders",
    "get_booking",
    "get_hotel",
    "get_restaurant",
    "get_tour",
    "hold",
    "is_booking_staff",
    "list_hotels",
    "list_restaurants",
    "list_tours",
    "my_bookings",
    "new_code",
    "no_show",
    "release_expired_holds",
    "set_inventory",
    "set_tables",
    "slot_of",
    "slots",
    "sweep",
]
