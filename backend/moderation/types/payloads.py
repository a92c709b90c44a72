"""GraphQL payloads of the moderation mutations on reports and users, and their error."""

from __future__ import annotations

import strawberry

from backend.errors import UserError
from backend.moderation.models import ModerationErrorCode
from backend.reports.types import Report

ModerationErrorCodeEnum = strawberry.enum(
    ModerationErrorCode,
    name="ModerationErrorCode",
    description="Why a moderation mutation did not happen.",
)


@strawberry.type(description="A problem with a moderation mutation.")
class ModerationError(UserError):
    code: ModerationErrorCodeEnum = strawberry.field(description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="A report after a moderation action, or why it did not happen.")
class ModerationReportPayload:
    report: Report | None = strawberry.field(default=None, description="The report as it is now.")
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result of reportMerge: both reports it changed.")
class ReportMergePayload:
    report: Report | None = strawberry.field(
        default=None, description="The duplicate as it is now (DUPLICATE)."
    )
    into: Report | None = strawberry.field(
        default=None,
        description="The original as it is now, with the followers and me-toos it gained.",
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )


@strawberry.type(description="The result for one report of a bulk action.")
class BulkResultLine:
    report_id: strawberry.ID = strawberry.field(description="The report asked for.")
    ok: bool = strawberry.field(description="The change was made.")
    report: Report | None = strawberry.field(description="The report as it is now, when changed.")
    errors: list[ModerationError] = strawberry.field(description="Why this one did not change.")


@strawberry.type(description="The result of reportsBulkSetStatus: one line per report.")
class ReportsBulkSetStatusPayload:
    results: list[BulkResultLine] = strawberry.field(
        default_factory=list, description="A line per distinct report."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing was tried."
    )


@strawberry.type(description="The result of userBan / userUnban.")
class UserBanPayload:
    user_id: strawberry.ID | None = strawberry.field(default=None, description="The user.")
    banned: bool = strawberry.field(description="Whether the user is banned now.")
    reports_changed: int = strawberry.field(
        default=0, description="Open reports hidden by the ban, or shown again by the unban."
    )
    errors: list[ModerationError] = strawberry.field(
        default_factory=list, description="Why nothing changed."
    )
