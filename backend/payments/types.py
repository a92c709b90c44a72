"""GraphQL types of payments."""

from __future__ import annotations

import strawberry

from backend.errors import UserError
from backend.payments.models import PaymentErrorCode

PaymentErrorCodeEnum = strawberry.enum(
    PaymentErrorCode, name="PaymentErrorCode", description="Why a payment could not start."
)


@strawberry.type(description="A payment mutation's problem, with a code the app can act on.")
class PaymentError(UserError):
    code: PaymentErrorCodeEnum = strawberry.field(description="What went wrong.")  # type: ignore[valid-type]
