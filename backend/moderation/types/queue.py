"""GraphQL output types of the moderation queue and report statistics."""

from __future__ import annotations

import strawberry

from backend.moderation.models import QueueSort, SortDirection
from backend.pagination import PageInfo
from backend.reports.types import Report

ModerationQueueSortEnum = strawberry.enum(
    QueueSort, name="ModerationQueueSort", description="Orders of the moderation queue."
)
SortDirectionEnum = strawberry.enum(
    SortDirection, name="SortDirection", description="Ascending or descending."
)


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
