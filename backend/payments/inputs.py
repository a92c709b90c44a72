"""GraphQL inputs of payments."""

from __future__ import annotations

import strawberry


@strawberry.input(description="Which booking to pay.")
class BookingPayInput:
    booking_id: strawberry.ID = strawberry.field(description="A HELD booking of the viewer's.")
