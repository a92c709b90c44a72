"""GraphQL inputs of air quality."""

from __future__ import annotations

import strawberry

from backend.notifications.inputs import LocalizedTextInput


@strawberry.input(description="Change the text of an automatic air quality alert.")
class AirAlertEditInput:
    id: strawberry.ID = strawberry.field(description="The alert's id.")
    title: LocalizedTextInput | None = strawberry.field(
        default=None, description="New title (at most 120 characters per language)."
    )
    body: LocalizedTextInput | None = strawberry.field(
        default=None, description="New text (at most 1,000 characters per language)."
    )
    reason: str = strawberry.field(description="Why (kept in the audit log).")


@strawberry.input(description="End an automatic air quality alert now.")
class AirAlertCancelInput:
    id: strawberry.ID = strawberry.field(description="The alert's id.")
    reason: str = strawberry.field(description="Why (kept in the audit log).")
