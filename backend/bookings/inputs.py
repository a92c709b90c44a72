"""GraphQL inputs of bookings."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from backend.geopoint import GeoPointInput


@strawberry.input(description="Which tours to list.")
class TourFilter:
    near: GeoPointInput | None = strawberry.field(
        default=None,
        description="Nearest meeting point first, within `radiusMeters`, with "
        "`TourEdge.distanceMeters`.",
    )
    radius_meters: float = strawberry.field(
        default=20_000.0, description="With `near`: at most this far (up to 50,000)."
    )
    language: str | None = strawberry.field(
        default=None, description="Only tours guided in this language (ISO 639-1, e.g. `en`)."
    )
    date: date | None = strawberry.field(
        default=None, description="Only tours with seats left on this day (Hanoi time)."
    )


@strawberry.input(description="Which hotels to list.")
class HotelFilter:
    near: GeoPointInput | None = strawberry.field(
        default=None,
        description="Nearest first, within `radiusMeters`, with `HotelEdge.distanceMeters`.",
    )
    radius_meters: float = strawberry.field(
        default=20_000.0, description="With `near`: at most this far (up to 50,000)."
    )
    check_in: date | None = strawberry.field(
        default=None, description="With checkOut: only hotels with rooms free every night."
    )
    check_out: date | None = strawberry.field(
        default=None, description="The morning of leaving (exclusive)."
    )
    guests: int | None = strawberry.field(
        default=None, description="Only hotels whose free rooms of one type sleep this many."
    )


@strawberry.input(description="Seats of a tour departure.")
class TourHoldInput:
    departure_id: strawberry.ID = strawberry.field(description="From `tour.departures`.")
    seats: int = strawberry.field(description="1 to 20 seats.")


@strawberry.input(description="Rooms of one type for every night of a stay.")
class RoomHoldInput:
    room_type_id: strawberry.ID = strawberry.field(description="From `hotel.roomTypes`.")
    check_in: date = strawberry.field(description="First night (today or later).")
    check_out: date = strawberry.field(description="Day of leaving: 1 to 30 nights later.")
    rooms: int = strawberry.field(description="1 to 9 rooms.")


@strawberry.input(description="A restaurant table for one seating.")
class TableHoldInput:
    restaurant_id: strawberry.ID = strawberry.field(description="The restaurant.")
    starts_at: datetime = strawberry.field(
        description="A seating, from `restaurant.slots` (with a time zone)."
    )
    party_size: int = strawberry.field(
        description="Guests: the smallest table that seats them is taken."
    )


@strawberry.input(description="What to hold: exactly one of `tour`, `room` or `table`.")
class BookingHoldInput:
    idempotency_key: str = strawberry.field(
        description="A fresh random key per hold (e.g. a UUID), reused when retrying: a retry "
        "returns the first hold. Kept 24 hours."
    )
    tour: TourHoldInput | None = strawberry.field(default=None, description="Tour seats.")
    room: RoomHoldInput | None = strawberry.field(default=None, description="Hotel rooms.")
    table: TableHoldInput | None = strawberry.field(
        default=None,
        description="A restaurant table; with a deposit the booking is paid through VNPay.",
    )


@strawberry.input(description="Who to reach about a booking.")
class BookingContactInput:
    name: str = strawberry.field(description="Full name, 1 to 100 characters.")
    phone: str = strawberry.field(description="Phone number, e.g. +84 912 345 678.")
    email: str = strawberry.field(description="Email address for the confirmation.")


@strawberry.input(description="Turn a live hold into a booking.")
class BookingConfirmInput:
    hold_id: strawberry.ID = strawberry.field(description="From bookingHold.")
    idempotency_key: str = strawberry.field(
        description="A fresh random key per confirmation, reused when retrying it."
    )
    contact: BookingContactInput = strawberry.field(description="Who to reach.")
    guests: int = strawberry.field(
        description="People coming: at most the seats held, or the rooms' capacity."
    )


@strawberry.input(description="Cancel a booking.")
class BookingCancelInput:
    booking_id: strawberry.ID = strawberry.field(description="The booking.")
    reason: str | None = strawberry.field(default=None, description="Why, up to 500 characters.")


@strawberry.input(description="A new departure of a tour (tourism staff).")
class TourDepartureCreateInput:
    tour_id: strawberry.ID = strawberry.field(description="The tour.")
    starts_at: datetime = strawberry.field(description="When it leaves, with a time zone.")
    capacity: int | None = strawberry.field(
        default=None, description="Seats (1-500); default the tour's capacity."
    )


@strawberry.input(description="Rooms for sale per night for a range of nights (tourism staff).")
class RoomInventorySetInput:
    room_type_id: strawberry.ID = strawberry.field(description="The room type.")
    from_: date = strawberry.field(name="from", description="First night.")
    to: date = strawberry.field(description="Last night (inclusive).")
    rooms: int = strawberry.field(
        description="Rooms in all per night; never fewer than are already held or sold."
    )
