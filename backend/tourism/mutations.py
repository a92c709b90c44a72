"""Tourism mutations: start a journey, check in, review a place, hide a review."""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry

from backend.auth.permissions import IsModerator, IsSignedIn
from backend.context import Info
from backend.errors import DomainError
from backend.tourism import progress as progress_service
from backend.tourism import reviews as review_service
from backend.tourism.inputs import (
    JourneyCheckInInput,
    JourneyStartInput,
    ReviewCreateInput,
    ReviewHideInput,
)
from backend.tourism.types import JourneyProgress, Review, TourismError


@strawberry.type(description="Result of journeyStart.")
class JourneyStartPayload:
    progress: JourneyProgress | None = strawberry.field(description="The viewer's progress.")
    errors: list[TourismError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of journeyCheckIn.")
class JourneyCheckInPayload:
    progress: JourneyProgress | None = strawberry.field(description="The viewer's progress.")
    errors: list[TourismError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of reviewCreate.")
class ReviewCreatePayload:
    review: Review | None = strawberry.field(description="The viewer's review of the place.")
    errors: list[TourismError] = strawberry.field(description="Why it failed; empty on success.")


@strawberry.type(description="Result of reviewHide.")
class ReviewHidePayload:
    review: Review | None = strawberry.field(description="The hidden review.")
    errors: list[TourismError] = strawberry.field(description="Why it failed; empty on success.")


def _now() -> datetime:
    return datetime.now(UTC)


@strawberry.type
class TourismMutations:
    @strawberry.mutation(
        description="Start following a journey (idempotent).", permission_classes=[IsSignedIn]
    )
    async def journey_start(self, info: Info, input: JourneyStartInput) -> JourneyStartPayload:
        try:
            progress = await progress_service.start_journey(
                db=info.context.db,
                uid=str(info.context.viewer.uid),
                journey_id=str(input.journey_id),
                now=_now(),
            )
        except DomainError as error:
            return JourneyStartPayload(progress=None, errors=TourismError.from_domain(error))
        return JourneyStartPayload(progress=JourneyProgress.from_doc(progress), errors=[])

    @strawberry.mutation(
        description="Check in at a stop: accepted within 150 m of it; repeating it changes "
        "nothing. Starts the journey if needed.",
        permission_classes=[IsSignedIn],
    )
    async def journey_check_in(
        self,
        info: Info,
        input: JourneyCheckInInput,
    ) -> JourneyCheckInPayload:
        try:
            progress = await progress_service.check_in(
                db=info.context.db,
                uid=str(info.context.viewer.uid),
                journey_id=str(input.journey_id),
                stop_id=str(input.stop_id),
                location=input.location.parse(),
                now=_now(),
            )
        except DomainError as error:
            return JourneyCheckInPayload(progress=None, errors=TourismError.from_domain(error))
        return JourneyCheckInPayload(progress=JourneyProgress.from_doc(progress), errors=[])

    @strawberry.mutation(
        description="Review a place; one review per user per place, so a second one edits it.",
        permission_classes=[IsSignedIn],
    )
    async def review_create(self, info: Info, input: ReviewCreateInput) -> ReviewCreatePayload:
        uid = str(info.context.viewer.uid)
        try:
            review = await review_service.create_review(
                db=info.context.db,
                uid=uid,
                poi_id=str(input.poi_id),
                rating=input.rating,
                text=input.text,
                now=_now(),
            )
        except DomainError as error:
            return ReviewCreatePayload(review=None, errors=TourismError.from_domain(error))
        return ReviewCreatePayload(review=Review.from_doc(review, uid), errors=[])

    @strawberry.mutation(
        description="Hide a review (moderators): it leaves the list and the rating; audited.",
        permission_classes=[IsModerator],
    )
    async def review_hide(self, info: Info, input: ReviewHideInput) -> ReviewHidePayload:
        uid = str(info.context.viewer.uid)
        try:
            review = await review_service.hide_review(
                db=info.context.db,
                actor=uid,
                review_id=str(input.review_id),
                reason=input.reason,
                now=_now(),
            )
        except DomainError as error:
            return ReviewHidePayload(review=None, errors=TourismError.from_domain(error))
        return ReviewHidePayload(review=Review.from_doc(review, uid), errors=[])
