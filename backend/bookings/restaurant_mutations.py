"""Restaurant mutations: a table booking's no-show (the restaurant's staff) and the tables,
hours and deposit of a restaurant (tourism staff). Table holds go through bookingHold."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.bookings import dataloaders
from backend.bookings import service as booking_service
from backend.bookings.models import BookingErrorCode
from backend.bookings.permissions import IsBookingStaff
from backend.bookings.restaurant_inputs import BookingNoShowInput, RestaurantTablesSetInput
from backend.bookings.restaurant_types import Restaurant
from backend.bookings.tickets.mutations import IsOperatorStaff
from backend.bookings.types import Booking, BookingError
from backend.context import Info
from backend.errors import returns_errors


@strawberry.type(description="The result of bookingNoShow.")
class BookingNoShowPayload:
    booking: Booking | None = strawberry.field(
        default=None, description="The booking, now NO_SHOW (its deposit is kept)."
    )
    errors: list[BookingError] = strawberry.field(
        default_factory=list,
        description="Why not: NO_SHOW_NOT_ALLOWED (too early, or not CONFIRMED), FORBIDDEN "
        "(another restaurant's staff), NOT_FOUND.",
    )


@strawberry.type(description="The result of restaurantTablesSet.")
class RestaurantTablesSetPayload:
    restaurant: Restaurant | None = strawberry.field(
        default=None, description="The restaurant with its new settings."
    )
    errors: list[BookingError] = strawberry.field(
        default_factory=list, description="Why nothing changed (INVENTORY_BELOW_SOLD, ...)."
    )


@strawberry.type
class RestaurantMutations:
    @strawberry.mutation(
        description="Mark a confirmed table booking whose guests did not come NO_SHOW, from 15 "
        "minutes after the seating; the deposit is kept. For the restaurant's staff (a "
        "`department` claim naming the restaurant), tourism staff and admins.",
        permission_classes=[IsOperatorStaff],
    )
    @returns_errors(BookingNoShowPayload, BookingError, BookingErrorCode)
    async def booking_no_show(self, info: Info, input: BookingNoShowInput) -> BookingNoShowPayload:
        doc = await booking_service.no_show(
            db=info.context.db,
            viewer=info.context.viewer,
            booking_id=str(input.booking_id),
            now=clock.now(),
        )
        dataloaders.forget(info)
        return BookingNoShowPayload(booking=Booking.from_doc(doc, info.context.viewer.locale))

    @strawberry.mutation(
        description="Set a restaurant's tables per size, and optionally its weekly hours and "
        "deposit per guest; refused with INVENTORY_BELOW_SOLD below what is held or booked for "
        "a future seating (Department of Tourism staff and admins).",
        permission_classes=[IsBookingStaff],
    )
    @returns_errors(RestaurantTablesSetPayload, BookingError, BookingErrorCode)
    async def restaurant_tables_set(
        self, info: Info, input: RestaurantTablesSetInput
    ) -> RestaurantTablesSetPayload:
        hours = None
        if input.opening_hours is not None:
            weekly: dict[str, list[list[str]]] = {}
            for item in input.opening_hours:
                weekly.setdefault(item.day, []).append([item.opens, item.closes])
            hours = {"weekly": weekly}  # dated exceptions stay as they are (set_tables)
        doc = await booking_service.set_tables(
            db=info.context.db,
            viewer=info.context.viewer,
            restaurant_id=str(input.restaurant_id),
            tables=[
                booking_service.TablesSetting(party_size=t.party_size, count=t.count)
                for t in input.tables
            ],
            opening_hours=hours,
            deposit_per_person_vnd=input.deposit_per_person_vnd,
            now=clock.now(),
        )
        dataloaders.forget(info)
        return RestaurantTablesSetPayload(
            restaurant=Restaurant.from_doc(doc, info.context.viewer.locale)
        )
