"""GraphQL inputs of the reports domain."""

from __future__ import annotations

import strawberry

from backend.geopoint import GeoPointInput


@strawberry.input(description="A new report.")
class ReportCreateInput:
    category_id: strawberry.ID = strawberry.field(description="From `reportCategories`.")
    description: str = strawberry.field(description="What is wrong: 10 to 4,000 characters.")
    location: GeoPointInput = strawberry.field(description="Where; must be in Hanoi.")
    idempotency_key: str = strawberry.field(
        description="A fresh random key per report (e.g. a UUID), reused when retrying the same "
        "report: a retry returns the first report instead of a second one. Kept 24 hours."
    )
    address: str | None = strawberry.field(default=None, description="Street address, optional.")
    photo_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Up to 5 photos uploaded by the viewer (POST /media)."
    )
    anonymous: bool = strawberry.field(
        default=False, description="Hide the reporter's identity from everyone but city staff."
    )


@strawberry.input(description='Say "me too" on a report.')
class ReportMeTooInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")


@strawberry.input(description="Follow a report to get its updates.")
class ReportFollowInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")


@strawberry.input(description="Stop following a report.")
class ReportUnfollowInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")


@strawberry.input(description="Reopen a report resolved in the last 30 days.")
class ReportReopenInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    reason: str = strawberry.field(description="Why it is not fixed: 10 to 2,000 characters.")
    photo_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Up to 5 photos uploaded by the viewer."
    )


@strawberry.input(description="Rate how a resolved or rejected report was handled.")
class ReportRateInput:
    report_id: strawberry.ID = strawberry.field(description="The report.")
    stars: int = strawberry.field(description="1 to 5.")
    comment: str | None = strawberry.field(default=None, description="Up to 1,000 characters.")
