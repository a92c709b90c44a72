"""Collections of the bookings domain; the only code that touches them.

One module per seam, each naming its collections and declaring their indexes: `catalogue` (tours,
hotels, room_types), `inventory` (tour_departures, room_nights: seats and rooms left), `holds`
(booking_holds) and `bookings` (bookings). Import as
`from backend.bookings import repository as booking_repository`.

Inventory (`tour_departures.seats_left`, `room_nights.rooms_left`) changes only through conditional
updates whose filter carries the condition, so no interleaving of requests can oversell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pymongo import IndexModel

from backend.bookings.repository import bookings, catalogue, holds, inventory
from backend.bookings.repository.bookings import (
    BOOKINGS,
    cancel_booking,
    created_between,
    expire_held_booking,
    get_booking,
    get_bookings,
    insert_booking,
    mark_reminder_due,
    my_bookings,
    my_bookings_filter,
    owing_refunds,
    redeem_booking,
    set_payment_status,
    set_ticket,
    settle_held_booking,
)
from backend.bookings.repository.catalogue import (
    HOTELS,
    MAX_CANDIDATES,
    ROOM_TYPES,
    TOURS,
    find_hotels,
    find_tours,
    get_hotel,
    get_room_type,
    get_room_types,
    get_tour,
    get_tours,
    hotels_with_capacity,
    retire_hotels,
    retire_tours,
    room_types_of,
    upsert_hotel,
    upsert_room_type,
    upsert_tour,
)
from backend.bookings.repository.holds import (
    HOLDS,
    claim_expired_hold,
    claim_live_hold,
    get_hold,
    get_holds,
    has_expired_hold,
    insert_hold,
    release_hold,
    reserve_live_hold,
)
from backend.bookings.repository.inventory import (
    DEPARTURES,
    ROOM_NIGHTS,
    departures,
    departures_filter,
    get_departure,
    get_departures,
    insert_departure,
    open_departures,
    open_room_nights,
    return_room_nights,
    return_seats,
    room_nights,
    room_nights_filter,
    room_types_with_rooms,
    set_room_night,
    take_room_night,
    take_seats,
    tours_departing_between,
)

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    **catalogue.INDEXES,
    **inventory.INDEXES,
    **holds.INDEXES,
    **bookings.INDEXES,
}

__all__ = [
    "BOOKINGS",
    "DEPARTURES",
    "HOLDS",
    "HOTELS",
    "INDEXES",
    "MAX_CANDIDATES",
    "ROOM_NIGHTS",
    "ROOM_TYPES",
    "TOURS",
    "cancel_booking",
    "claim_expired_hold",
    "claim_live_hold",
    "created_between",
    "departures",
    "departures_filter",
    "expire_held_booking",
    "find_hotels",
    "find_tours",
    "get_booking",
    "get_bookings",
    "get_departure",
    "get_departures",
    "get_hold",
    "get_holds",
    "get_hotel",
    "get_room_type",
    "get_room_types",
    "get_tour",
    "get_tours",
    "has_expired_hold",
    "hotels_with_capacity",
    "insert_booking",
    "insert_departure",
    "insert_hold",
    "mark_reminder_due",
    "my_bookings",
    "my_bookings_filter",
    "open_departures",
    "open_room_nights",
    "owing_refunds",
    "redeem_booking",
    "release_hold",
    "reserve_live_hold",
    "retire_hotels",
    "retire_tours",
    "return_room_nights",
    "return_seats",
    "room_nights",
    "room_nights_filter",
    "room_types_of",
    "room_types_with_rooms",
    "set_payment_status",
    "set_room_night",
    "set_ticket",
    "settle_held_booking",
    "take_room_night",
    "take_seats",
    "tours_departing_between",
    "upsert_hotel",
    "upsert_room_type",
    "upsert_tour",
]
