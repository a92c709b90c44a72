"""GraphQL type of a booking's ticket (Booking.ticket)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend.bookings.models import TicketDoc
from backend.bookings.tickets import qr


@strawberry.type(
    description="A confirmed booking's ticket: show `qrSvg` at the door. The QR code's content "
    "is `code`, signed by ThangLong (Ed25519; public keys at /.well-known/ticket-keys.json), so "
    "an operator checks it offline; it is accepted once."
)
class BookingTicket:
    code: str = strawberry.field(
        description="The QR code's content: base64url(payload).base64url(signature)."
    )
    key_id: str = strawberry.field(description="The id of the key that signed it.")
    valid_from: datetime = strawberry.field(description="Accepted from then on.")
    valid_until: datetime = strawberry.field(
        description="Accepted until then (midnight, Hanoi, after the service's last day)."
    )
    download_url: str = strawberry.field(
        description="The ticket as an SVG file to keep offline (send the same Authorization)."
    )
    booking_id: strawberry.Private[str]

    @strawberry.field(description="The QR code as an SVG document.")
    def qr_svg(self) -> str:
        return qr.svg(self.code)

    @classmethod
    def from_doc(cls, ticket: TicketDoc, *, booking_id: str) -> BookingTicket:
        return cls(
            code=ticket.code,
            key_id=ticket.key_id,
            valid_from=ticket.valid_from,
            valid_until=ticket.valid_until,
            download_url=f"/tickets/{booking_id}.svg",
            booking_id=booking_id,
        )
