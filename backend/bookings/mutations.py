"""Booking mutations: hold, confirm, cancel; staff inventory. Each returns a payload."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.models import Locale
from backend.auth.permissions import IsSignedIn
from backend.bookings import dataloaders
from backend.bookings import service as booking_service
from backend.bookings.inputs import (
    BookingCancelInput,
    BookingConfirmInput,
    BookingHoldInput,
    RoomInventorySetInput,
    TourDepartureCreateInput,
)
from backend.bookings.models import BookingErrorCode, BookingStatus, Contact
from backend.bookings.permissions import IsBookingStaff
from backend.bookings.restaurant_mutations import RestaurantMutations
from backend.bookings.tickets.mutations import TicketMutations
from backend.bookings.types import (
    Booking,
    BookingError,
    BookingHold,
    RoomType,
    Tour,
    TourDeparture,
)
from backend.context import Info
from backend.errors import DomainError, payload_errors, returns_errors
from backend.payments.mutations import payment_page


def booking_errors(error: DomainError, locale: Locale) -> list[BookingError]:
    """Payload errors from a DomainError (several for a form with several bad fields)."""
    return payload_errors(error, BookingError, BookingErrorCode, locale=locale)


@strawberry.type(description="The result of bookingHold.")
class BookingHoldPayload:
    hold: BookingHold | None = strawberry.field(
        default=None,
        description="The hold (or the first one made with this idempotency key); its "
        "`departure` or `roomType` shows what is left after it.",
    )
    errors: list[BookingError] = strawberry.field(
        default_factory=list, description="Why nothing was held."
    )


@strawberry.type(description="A booking after a change, or why the change did not happen.")
class BookingPayload:
    booking: Booking | None = strawberry.field(
        default=None,
        description="The booking as it is now; its `departure` or `roomType` shows the "
        "inventory after the change.",
    )
    hold: BookingHold | None = strawberry.field(
        default=None,
        description="bookingConfirm: the hold, CONFIRMED (or still ACTIVE while a priced "
        "booking waits for its payment); else null.",
    )
    payment_url: str | None = strawberry.field(
        default=None,
        description="bookingConfirm of a priced booking (HELD): the VNPay page to pay on before "
        "the hold expires; the booking is CONFIRMED when VNPay reports the payment. A new page: "
        "bookingPay.",
    )
    errors: list[BookingError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of tourDepartureCreate.")
class TourDepartureCreatePayload:
    departure: TourDeparture | None = strawberry.field(
        default=None, description="The new departure."
    )
    tour: Tour | None = strawberry.field(
        default=None, description="Its tour, whose `departures` now include it."
    )
    errors: list[BookingError] = strawberry.field(
        default_factory=list, description="Why nothing was created."
    )


@strawberry.type(description="The result of roomInventorySet.")
class RoomInventorySetPayload:
    room_type: RoomType | None = strawberry.field(
        default=None, description="The room type changed."
    )
    nights: int = strawberry.field(description="How many nights were set (0 on error).")
    errors: list[BookingError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type
class BookingMutations(TicketMutations, RestaurantMutations):
    @strawberry.mutation(
        description="Hold tour seats, every night of a hotel stay (all or nothing) or a "
        "restaurant table for 10 minutes; confirm with bookingConfirm before `expiresAt`.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(BookingHoldPayload, BookingError, BookingErrorCode)
    async def booking_hold(self, info: Info, input: BookingHoldInput) -> BookingHoldPayload:
        tour = (
            booking_service.TourHoldRequest(
                departure_id=str(input.tour.departure_id), seats=input.tour.seats
            )
            if input.tour is not None
            else None
        )
        room = (
            booking_service.RoomHoldRequest(
                room_type_id=str(input.room.room_type_id),
                check_in=input.room.check_in,
                check_out=input.room.check_out,
                rooms=input.room.rooms,
            )
            if input.room is not None
            else None
        )
        table = (
            booking_service.TableHoldRequest(
                restaurant_id=str(input.table.restaurant_id),
                starts_at=input.table.starts_at,
                party_size=input.table.party_size,
            )
            if input.table is not None
            else None
        )
        doc = await booking_service.hold(
            db=info.context.db,
            viewer=info.context.viewer,
            idempotency_key=input.idempotency_key,
            tour=tour,
            room=room,
            table=table,
            now=clock.now(),
        )
        dataloaders.forget(info)  # seats or rooms just changed
        return BookingHoldPayload(hold=BookingHold.from_doc(doc))

    @strawberry.mutation(
        description="Turn a live hold into a booking with a code: CONFIRMED when free, else "
        "HELD with `paymentUrl` until VNPay reports the payment; an expired hold gets "
        "HOLD_EXPIRED.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(BookingPayload, BookingError, BookingErrorCode)
    async def booking_confirm(self, info: Info, input: BookingConfirmInput) -> BookingPayload:
        request = booking_service.ConfirmRequest(
            hold_id=str(input.hold_id),
            idempotency_key=input.idempotency_key,
            contact=Contact(
                name=input.contact.name, phone=input.contact.phone, email=input.contact.email
            ),
            guests=input.guests,
        )
        doc = await booking_service.confirm(
            db=info.context.db, viewer=info.context.viewer, request=request, now=clock.now()
        )
        dataloaders.forget(info)  # the hold is confirmed now
        hold = await dataloaders.loaders(info).hold.load(str(doc.hold))
        payment_url = None
        if doc.status is BookingStatus.HELD:
            try:  # the page to pay on; bookingPay says why when there is none
                payment_url = (await payment_page(info, str(doc.id)))[1].url
            except DomainError:
                payment_url = None
        return BookingPayload(
            booking=Booking.from_doc(doc, info.context.viewer.locale),
            hold=BookingHold.from_doc(hold) if hold else None,
            payment_url=payment_url,
        )

    @strawberry.mutation(
        description="Cancel a booking: its owner within the cancellation policy (refund by "
        "notice), or tourism staff at any time (full refund). Inventory returns once.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(BookingPayload, BookingError, BookingErrorCode)
    async def booking_cancel(self, info: Info, input: BookingCancelInput) -> BookingPayload:
        doc = await booking_service.cancel(
            db=info.context.db,
            viewer=info.context.viewer,
            booking_id=str(input.booking_id),
            reason=input.reason,
            now=clock.now(),
        )
        dataloaders.forget(info)  # the seats or rooms are back on sale
        return BookingPayload(booking=Booking.from_doc(doc, info.context.viewer.locale))

    @strawberry.mutation(
        description="Add a departure to a tour (Department of Tourism staff and admins).",
        permission_classes=[IsBookingStaff],
    )
    @returns_errors(TourDepartureCreatePayload, BookingError, BookingErrorCode)
    async def tour_departure_create(
        self, info: Info, input: TourDepartureCreateInput
    ) -> TourDepartureCreatePayload:
        doc = await booking_service.create_departure(
            db=info.context.db,
            tour_id=str(input.tour_id),
            starts_at=input.starts_at,
            capacity=input.capacity,
            now=clock.now(),
        )
        dataloaders.forget(info)
        tour = await booking_service.get_tour(db=info.context.db, tour_id=doc.tour)
        return TourDepartureCreatePayload(
            departure=TourDeparture.from_doc(doc),
            tour=Tour.from_doc(tour, info.context.viewer.locale) if tour else None,
        )

    @strawberry.mutation(
        description="Set the rooms for sale of a room type on nights `from`..`to` (inclusive), "
        "all nights or none; refused with INVENTORY_BELOW_SOLD below what is held or sold "
        "(Department of Tourism staff and admins).",
        permission_classes=[IsBookingStaff],
    )
    @returns_errors(RoomInventorySetPayload, BookingError, BookingErrorCode, nights=0)
    async def room_inventory_set(
        self, info: Info, input: RoomInventorySetInput
    ) -> RoomInventorySetPayload:
        room_type, count = await booking_service.set_inventory(
            db=info.context.db,
            room_type_id=str(input.room_type_id),
            start=input.from_,
            end=input.to,
            rooms=input.rooms,
            now=clock.now(),
        )
        dataloaders.forget(info)  # the rooms for sale just changed
        return RoomInventorySetPayload(
            room_type=RoomType.from_doc(room_type, info.context.viewer.locale),
            nights=count,
            errors=[],
        )
