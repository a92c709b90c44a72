"""Payment mutations: bookingPay. bookingConfirm also hands out the page (`payment_page`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from backend import clock
from backend.auth.permissions import IsSignedIn
from backend.bookings import dataloaders as booking_dataloaders
from backend.bookings.types import Booking
from backend.context import Info
from backend.errors import returns_errors
from backend.media.models import public_base
from backend.payments import service as payment_service
from backend.payments.inputs import BookingPayInput
from backend.payments.models import LedgerEntry, PaymentErrorCode
from backend.payments.types import PaymentError

RETURN_PATH = "/payments/vnpay/return"


async def payment_page(info: Info, booking_id: str) -> tuple[Booking, LedgerEntry]:
    """Start (or hand out again) the VNPay page of the viewer's HELD booking."""
    context = info.context
    client = context.request.client
    booking, entry = await payment_service.start_payment(
        db=context.db,
        merchant=payment_service.merchant_of(context.settings),
        viewer=context.viewer,
        booking_id=booking_id,
        ip_addr=client.host if client else "127.0.0.1",
        return_url=public_base(context.settings.public_base_url, context.request) + RETURN_PATH,
        now=clock.now(),
    )
    booking_dataloaders.forget(info)
    return Booking.from_doc(booking, context.viewer.locale), entry


@strawberry.type(description="The result of bookingPay.")
class BookingPayPayload:
    booking: Booking | None = strawberry.field(default=None, description="The booking to pay.")
    payment_url: str | None = strawberry.field(
        default=None,
        description="Open this VNPay page to pay; the booking becomes CONFIRMED when VNPay "
        "reports the payment (never by the return page alone).",
    )
    expires_at: datetime | None = strawberry.field(
        default=None, description="The page closes then (never after the hold)."
    )
    errors: list[PaymentError] = strawberry.field(
        default_factory=list, description="Why there is no page to pay on."
    )


@strawberry.type
class PaymentMutations:
    @strawberry.mutation(
        description="The VNPay payment page of a HELD booking (the same page again while it is "
        "open); a failed or cancelled payment can be tried again until the hold expires.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(BookingPayPayload, PaymentError, PaymentErrorCode)
    async def booking_pay(self, info: Info, input: BookingPayInput) -> BookingPayPayload:
        booking, entry = await payment_page(info, str(input.booking_id))
        return BookingPayPayload(booking=booking, payment_url=entry.url, expires_at=entry.expire_at)
