"""bookingRedeem: an operator's staff accept a ticket at the door (BookingMutations inherits it)."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.models import Role
from backend.auth.permissions import HasRole
from backend.bookings import dataloaders
from backend.bookings.models import BookingErrorCode
from backend.bookings.tickets import service as ticket_service
from backend.bookings.types import Booking, BookingError
from backend.context import Info
from backend.errors import returns_errors


class IsOperatorStaff(HasRole):
    """Staff (of an operator, or of the Department of Tourism) and admins; which tickets each
    may accept is the service's rule."""

    roles = frozenset({Role.STAFF, Role.ADMIN})


@strawberry.input(description="A ticket's code, as read from its QR code.")
class BookingRedeemInput:
    code: str = strawberry.field(description="The QR code's content.")


@strawberry.type(description="The result of bookingRedeem.")
class BookingRedeemPayload:
    booking: Booking | None = strawberry.field(
        default=None, description="The booking, now REDEEMED: check its party size and name."
    )
    errors: list[BookingError] = strawberry.field(
        default_factory=list,
        description="Why the ticket was refused: TICKET_INVALID (forged or altered), "
        "TICKET_ALREADY_REDEEMED, TICKET_CANCELLED, TICKET_EXPIRED, TICKET_NOT_YET_VALID, "
        "TICKET_OTHER_OPERATOR, TICKET_NOT_CONFIRMED.",
    )


@strawberry.type
class TicketMutations:
    @strawberry.mutation(
        description="Accept a ticket at the door: the booking becomes REDEEMED, once. For the "
        "operator's staff (a `department` claim naming the tour or hotel), tourism staff and "
        "admins.",
        permission_classes=[IsOperatorStaff],
    )
    @returns_errors(BookingRedeemPayload, BookingError, BookingErrorCode)
    async def booking_redeem(self, info: Info, input: BookingRedeemInput) -> BookingRedeemPayload:
        doc = await ticket_service.redeem(
            db=info.context.db, viewer=info.context.viewer, code=input.code, now=clock.now()
        )
        dataloaders.forget(info)
        return BookingRedeemPayload(booking=Booking.from_doc(doc, info.context.viewer.locale))
