"""GraphQL output types of moderation."""

from __future__ import annotations

import json
from datetime import datetime

import strawberry

from backend.audit import AuditEntryDoc
from backend.errors import UserError
from backend.moderation.models import (
    ModerationErrorCode,
    ModerationOriginalDoc,
    Priority,
    QueueSort,
    SortDirection,
)
from backend.pagination import PageInfo
from backend.reports.types import Report, ReportPhoto

ReportPriorityEnum = strawberry.enum(
    Priority, name="ReportPriority", description="How fast a report must be handled."
)
ModerationQueueSortEnum = strawberry.enum(
    QueueSort, name="ModerationQueueSort", description="Orders of the moderation queue."
)
SortDirectionEnum = strawberry.enum(
    SortDirection, name="SortDirection", description="Ascending or descending."
)
ModerationErrorCodeEnum = strawberry.enum(
    ModerationErrorCode,
    name="ModerationErrorCode",
    description="Why a moderation mutation did not happen.",
)


@strawberry.type(description="A moderator or staff member.")
class ModerationActor:
    id: strawberry.ID = strawberry.field(description="Opaque user id.")
    display_name: str | None = strawberry.field(description="Their display name, if set.")


@strawberry.type(description="A report's content as it was before a moderator edited it.")
class ModerationOriginal:
    description: str = strawberry.field(description="The description before the edit.")
    photos: list[ReportPhoto] = strawberry.field(description="The photos before the edit.")
    edited_by: strawberry.ID = strawberry.field(description="Who edited it.")
    edited_at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_doc(cls, doc: ModerationOriginalDoc) -> ModerationOriginal:
        return cls(
            description=doc.description,
            photos=[ReportPhoto.from_id(pid) for pid in doc.photo_ids],
            edited_by=strawberry.ID(doc.actor),
            edited_at=doc.at,
        )


@strawberry.type(description="One moderator or staff action (append-only).")
class AuditEntry:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    actor: strawberry.ID = strawberry.field(description="Who acted.")
    action: str = strawberry.field(description="What they did, e.g. `report.set_status`.")
    object_type: str = strawberry.field(description="`report` or `user`.")
    object_id: strawberry.ID = strawberry.field(description="The object acted on.")
    reason: str | None = strawberry.field(description="The reason or note given.")
    before: str | None = strawberry.field(description="Values before, as a JSON object.")
    after: str | None = strawberry.field(description="Values after, as a JSON object.")
    at: datetime = strawberry.field(description="When.")

    @classmethod
    def from_doc(cls, doc: AuditEntryDoc) -> AuditEntry:
        def dump(value: object) -> str | None:
            return json.dumps(value, default=str, ensure_ascii=False) if value is not None else None

        return cls(
            id=strawberry.ID(str(doc.id)),
            actor=strawberry.ID(doc.actor),
            action=doc.action,
            object_type=doc.object_type,
            object_id=strawberry.ID(doc.object_id),
            reason=doc.reason,
            before=dump(doc.before),
            after=dump(doc.after),
            at=doc.at,
        )


@strawberry.type(description="An audit entry with its cursor.")
class AuditEntryEdge:
    node: AuditEntry = strawberry.field(description="The entry.")
    cursor: str = strawberry.field(description="Opaque position of this entry.")


@strawberry.type(description="Audit entries, newest first.")
class AuditEntryConnection:
    edges: list[AuditEntryEdge] = strawberry.field(description="This page.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="A report in the moderation queue with its cursor.")
class ModerationQueueEdge:
    node: Report = strawberry.field(description="The report.")
    cursor: str = strawberry.field(description="Opaque position of this report.")


@strawberry.type(
    description="Reports to handle. A page may hold fewer than `first` reports when the filters "
    "match few of the reports read (at most 2,000 per page): follow `pageInfo.endCursor`."
)
class ModerationQueueConnection:
    edges: list[ModerationQueueEdge] = strawberry.field(description="This page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")


@strawberry.type(description="How many reports have a value (a status, category or area).")
class ReportCount:
    key: str = strawberry.field(
        description="The status, category slug or area id (a ward or commune's official code)."
    )
    count: int = strawberry.field(description="How many reports.")


@strawberry.type(description="Statistics of reports created in a period.")
class ReportStats:
    total: int = strawberry.field(description="Reports matching the filter.")
    by_status: list[ReportCount] = strawberry.field(description="Counts by status.")
    by_category: list[ReportCount] = strawberry.field(description="Counts by category.")
    by_area: list[ReportCount] = strawberry.field(description="Counts by area.")
    acknowledge_median_seconds: float | None = strawberry.field(
        description="Median time from submission to acknowledgement (wall-clock seconds)."
    )
    acknowledge_p90_seconds: float | None = strawberry.field(
        description="90th percentile time to acknowledge (lower nearest rank)."
    )
    resolve_median_seconds: float | None = strawberry.field(
        description="Median time from submission to resolution of resolved reports."
    )
    resolve_p90_seconds: float | None = strawberry.field(
        description="90th percentile time to resolve (lower nearest rank)."
    )
    acknowledged_within_sla: float | None = strawberry.field(
        description="Share (0-1) of acknowledged reports acknowledged by `ackDueAt`."
    )
    resolved_within_sla: float | None = strawberry.field(
        description="Share (0-1) of resolved reports resolved by `resolveDueAt`."
    )
    reopen_rate: float | None = strawberry.field(
        description="Share (0-1) of reports ever resolved that residents reopened."
    )
    average_rating: float | None = strawberry.field(description="Mean of residents' ratings.")


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
