"""Tourism mutations: start a journey, check in, review a place, hide a review."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.permissions import IsModerator, IsSignedIn
from backend.context import Info
from backend.errors import returns_errors
from backend.tourism import dataloaders
from backend.tourism.inputs import (
    JourneyCheckInInput,
    JourneyStartInput,
    ReviewCreateInput,
    ReviewHideInput,
    parse_point,
)
from backend.tourism.models import TourismErrorCode
from backend.tourism.service import progress as progress_service
from backend.tourism.service import reviews as review_service
from backend.tourism.types import JourneyProgress, Poi, Review, TourismError


@strawberry.type(description="Result of journeyStart.")
class JourneyStartPayload:
    progress: JourneyProgress | None = strawberry.field(
        default=None, description="The viewer's progress."
    )
    errors: list[TourismError] = strawberry.field(
        default_factory=list, description="Why it failed; empty on success."
    )


@strawberry.type(description="Result of journeyCheckIn.")
class JourneyCheckInPayload:
    progress: JourneyProgress | None = strawberry.field(
        default=None, description="The viewer's progress."
    )
    errors: list[TourismError] = strawberry.field(
        default_factory=list, description="Why it failed; empty on success."
    )


@strawberry.type(description="Result of reviewCreate.")
class ReviewCreatePayload:
    review: Review | None = strawberry.field(
        default=None, description="The viewer's review of the place."
    )
    poi: Poi | None = strawberry.field(
        default=None, description="The place reviewed, with its new rating."
    )
    errors: list[TourismError] = strawberry.field(
        default_factory=list, description="Why it failed; empty on success."
    )


@strawberry.type(description="Result of reviewHide.")
class ReviewHidePayload:
    review: Review | None = strawberry.field(default=None, description="The hidden review.")
    poi: Poi | None = strawberry.field(
        default=None, description="The place of the review, with its new rating."
    )
    errors: list[TourismError] = strawberry.field(
        default_factory=list, description="Why it failed; empty on success."
    )


async def _reviewed_place(info: Info, poi_id: str) -> Poi | None:
    """The place as it is after the review changed it: clients update its rating from this."""
    doc = await dataloaders.loaders(info).pois.load(poi_id)
    return None if doc is None else Poi.from_doc(doc, info.context.viewer.locale)


@strawberry.type
class TourismMutations:
    @strawberry.mutation(
        description="Start following a journey (idempotent).", permission_classes=[IsSignedIn]
    )
    @returns_errors(JourneyStartPayload, TourismError, TourismErrorCode)
    async def journey_start(self, info: Info, input: JourneyStartInput) -> JourneyStartPayload:
        progress = await progress_service.start_journey(
            db=info.context.db,
            uid=str(info.context.viewer.uid),
            journey_id=str(input.journey_id),
            now=clock.now(),
        )
        return JourneyStartPayload(progress=JourneyProgress.from_doc(progress))

    @strawberry.mutation(
        description="Check in at a stop: accepted within 150 m of it; repeating it changes "
        "nothing. Starts the journey if needed.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(JourneyCheckInPayload, TourismError, TourismErrorCode)
    async def journey_check_in(
        self,
        info: Info,
        input: JourneyCheckInInput,
    ) -> JourneyCheckInPayload:
        progress = await progress_service.check_in(
            db=info.context.db,
            uid=str(info.context.viewer.uid),
            journey_id=str(input.journey_id),
            stop_id=str(input.stop_id),
            location=parse_point(input.location),
            now=clock.now(),
        )
        return JourneyCheckInPayload(progress=JourneyProgress.from_doc(progress))

    @strawberry.mutation(
        description="Review a place; one review per user per place, so a second one edits it.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ReviewCreatePayload, TourismError, TourismErrorCode)
    async def review_create(self, info: Info, input: ReviewCreateInput) -> ReviewCreatePayload:
        uid = str(info.context.viewer.uid)
        review = await review_service.create_review(
            db=info.context.db,
            uid=uid,
            poi_id=str(input.poi_id),
            rating=input.rating,
            text=input.text,
            now=clock.now(),
        )
        dataloaders.forget(info)  # the place's rating and reviews just changed
        return ReviewCreatePayload(
            review=Review.from_doc(review, uid), poi=await _reviewed_place(info, review.poi)
        )

    @strawberry.mutation(
        description="Hide a review (moderators): it leaves the list and the rating; audited.",
        permission_classes=[IsModerator],
    )
    @returns_errors(ReviewHidePayload, TourismError, TourismErrorCode)
    async def review_hide(self, info: Info, input: ReviewHideInput) -> ReviewHidePayload:
        uid = str(info.context.viewer.uid)
        review = await review_service.hide_review(
            db=info.context.db,
            actor=uid,
            review_id=str(input.review_id),
            reason=input.reason,
            now=clock.now(),
        )
        dataloaders.forget(info)
        return ReviewHidePayload(
            review=Review.from_doc(review, uid), poi=await _reviewed_place(info, review.poi)
        )
