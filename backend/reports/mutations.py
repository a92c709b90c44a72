"""Report mutations: each takes one `input` and returns a payload with `errors`."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.permissions import IsSignedIn
from backend.context import Info
from backend.errors import returns_errors
from backend.reports import dataloaders
from backend.reports import service as report_service
from backend.reports.inputs import (
    ReportCreateInput,
    ReportFollowInput,
    ReportMeTooInput,
    ReportRateInput,
    ReportReopenInput,
    ReportUnfollowInput,
)
from backend.reports.models import ReportDoc, ReportErrorCode
from backend.reports.types import Report, ReportError


def _report(info: Info, doc: ReportDoc) -> Report:
    dataloaders.forget(info)  # the viewer's flags and counters just changed
    return Report.from_doc(doc)


@strawberry.type(description="The result of reportCreate.")
class ReportCreatePayload:
    report: Report | None = strawberry.field(
        default=None,
        description="The new report (or the first one created with this idempotency key).",
    )
    duplicates: list[Report] = strawberry.field(
        default_factory=list,
        description="Open reports of the same category nearby (nearest first, at most 5): "
        'offer "me too" on one of them.',
    )
    errors: list[ReportError] = strawberry.field(
        default_factory=list, description="Why nothing was created."
    )


@strawberry.type(description="A report after a change, or why the change did not happen.")
class ReportPayload:
    report: Report | None = strawberry.field(default=None, description="The report as it is now.")
    errors: list[ReportError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type
class ReportMutations:
    @strawberry.mutation(
        description="Report a problem. Limited to 6 reports an hour and 20 a day per resident.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ReportCreatePayload, ReportError, ReportErrorCode)
    async def report_create(self, info: Info, input: ReportCreateInput) -> ReportCreatePayload:
        draft = report_service.ReportDraft(
            category_id=str(input.category_id),
            description=input.description,
            lat=input.location.lat,
            lng=input.location.lng,
            address=input.address,
            photo_ids=[str(pid) for pid in input.photo_ids],
            anonymous=input.anonymous,
            idempotency_key=input.idempotency_key,
        )
        created = await report_service.create_report(
            db=info.context.db, viewer=info.context.viewer, draft=draft, now=clock.now()
        )
        return ReportCreatePayload(
            report=_report(info, created.report),
            duplicates=[Report.from_doc(doc) for doc in created.duplicates],
        )

    @strawberry.mutation(
        description='Say "me too" on an open report (idempotent); you also follow it.',
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ReportPayload, ReportError, ReportErrorCode)
    async def report_me_too(self, info: Info, input: ReportMeTooInput) -> ReportPayload:
        doc = await report_service.me_too(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            now=clock.now(),
        )
        return ReportPayload(report=_report(info, doc))

    @strawberry.mutation(
        description="Follow a report to get a push when it changes (idempotent).",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ReportPayload, ReportError, ReportErrorCode)
    async def report_follow(self, info: Info, input: ReportFollowInput) -> ReportPayload:
        doc = await report_service.follow(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            now=clock.now(),
        )
        return ReportPayload(report=_report(info, doc))

    @strawberry.mutation(
        description="Stop following a report (idempotent).", permission_classes=[IsSignedIn]
    )
    @returns_errors(ReportPayload, ReportError, ReportErrorCode)
    async def report_unfollow(self, info: Info, input: ReportUnfollowInput) -> ReportPayload:
        doc = await report_service.unfollow(
            db=info.context.db, viewer=info.context.viewer, report_id=str(input.report_id)
        )
        return ReportPayload(report=_report(info, doc))

    @strawberry.mutation(
        description="Reopen a report resolved less than 30 days ago that is not fixed "
        "(its reporter or a follower); it goes back to the moderators' queue.",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ReportPayload, ReportError, ReportErrorCode)
    async def report_reopen(self, info: Info, input: ReportReopenInput) -> ReportPayload:
        draft = report_service.ReopenDraft(
            report_id=str(input.report_id),
            reason=input.reason,
            photo_ids=[str(pid) for pid in input.photo_ids],
        )
        doc = await report_service.reopen(
            db=info.context.db, viewer=info.context.viewer, draft=draft, now=clock.now()
        )
        return ReportPayload(report=_report(info, doc))

    @strawberry.mutation(
        description="Rate how your resolved or rejected report was handled (once).",
        permission_classes=[IsSignedIn],
    )
    @returns_errors(ReportPayload, ReportError, ReportErrorCode)
    async def report_rate(self, info: Info, input: ReportRateInput) -> ReportPayload:
        doc = await report_service.rate(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(input.report_id),
            stars=input.stars,
            comment=input.comment,
            now=clock.now(),
        )
        return ReportPayload(report=_report(info, doc))
