"""Moderation queries: the queue, the audit log, statistics (staff, moderators, admins)."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.permissions import IsModerator, IsStaff
from backend.context import Info
from backend.moderation import service as moderation_service
from backend.moderation.inputs import (
    ModerationQueueFilter,
    ModerationQueueOrder,
    ReportStatsFilter,
)
from backend.moderation.models import (
    FlagTarget,
    QueueFilter,
    QueueSort,
    SortDirection,
    StatsFilter,
)
from backend.moderation.service import canned as canned_service
from backend.moderation.service import flags as flag_service
from backend.moderation.service import people as people_service
from backend.moderation.types import (
    AuditEntry,
    AuditEntryConnection,
    AuditEntryEdge,
    CannedAnswer,
    CannedAnswerConnection,
    CannedAnswerEdge,
    ContentFlag,
    ContentFlagConnection,
    ContentFlagEdge,
    FlagTargetEnum,
    ModerationQueueConnection,
    ModerationQueueEdge,
    ReportCount,
    ReportStats,
    UnitStaffConnection,
    UnitStaffEdge,
    moderation_actors,
)
from backend.pagination import PageInfo
from backend.reports.models import ReportStatus
from backend.reports.types import Report


def _id(value: strawberry.ID | None) -> str | None:
    return str(value) if value is not None else None


def _assignee(value: strawberry.ID | None, info: Info) -> tuple[str | None, bool]:
    """The queue's assignee filter, (uid, unassigned): ME (the viewer), NONE or a user id."""
    if value is None:
        return None, False
    if value == "NONE":
        return None, True
    if value == "ME":
        return str(info.context.viewer.uid), False
    return str(value), False


def _counts(values: dict[str, int]) -> list[ReportCount]:
    return [ReportCount(key=k, count=v) for k, v in sorted(values.items())]


@strawberry.type
class ModerationQueries:
    @strawberry.field(
        description="Reports to handle (default: open ones, oldest first); staff see their "
        "department's only.",
        permission_classes=[IsStaff],
    )
    async def moderation_queue(
        self,
        info: Info,
        filter: ModerationQueueFilter | None = None,
        sort: ModerationQueueOrder | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ModerationQueueConnection:
        given = filter or ModerationQueueFilter()
        assignee, unassigned = _assignee(given.assignee, info)
        criteria = QueueFilter(
            status=ReportStatus(given.status) if given.status else None,
            category=_id(given.category_id),
            department=_id(given.department_id),
            area=_id(given.area_id),
            overdue=given.overdue,
            reopened=given.reopened,
            hidden=given.hidden,
            assignee=assignee,
            unassigned=unassigned,
            flagged=given.flagged,
            text=given.text,
            created_from=given.created_from,
            created_to=given.created_to,
        )
        page = await moderation_service.queue(
            db=info.context.db,
            viewer=info.context.viewer,
            criteria=criteria,
            sort=QueueSort(sort.field) if sort else QueueSort.CREATED_AT,
            direction=SortDirection(sort.direction) if sort else SortDirection.ASC,
            first=first,
            after=after,
            now=clock.now(),
        )
        return ModerationQueueConnection(
            edges=[
                ModerationQueueEdge(node=Report.from_doc(doc), cursor=cursor)
                for doc, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="A category's canned answers (ready public notes, vi/en), oldest first: "
        "staff, moderators and admins.",
        permission_classes=[IsStaff],
    )
    async def canned_answers(
        self,
        info: Info,
        category_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> CannedAnswerConnection:
        page = await canned_service.answers(
            db=info.context.db, category_id=str(category_id), first=first, after=after
        )
        return CannedAnswerConnection(
            edges=[
                CannedAnswerEdge(node=CannedAnswer(doc=doc), cursor=cursor)
                for doc, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="Who can take a report: the staff of its unit (assignable), then the "
        "moderators, from the staff directory; moderators and the staff of the report's unit "
        "only (null for other staff, or when there is no such report).",
        permission_classes=[IsStaff],
    )
    async def unit_staff(
        self,
        info: Info,
        report_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> UnitStaffConnection | None:
        page = await people_service.unit_staff(
            db=info.context.db,
            viewer=info.context.viewer,
            report_id=str(report_id),
            first=first,
            after=after,
        )
        if page is None:
            return None
        people = await moderation_actors(info, [person.member.uid for person in page.items])
        edges = [
            UnitStaffEdge(node=node, cursor=cursor, assignable=person.assignable)
            for node, person, cursor in zip(people, page.items, page.cursors, strict=True)
        ]
        return UnitStaffConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="Residents' flags on one kind of content, newest first (moderators): "
        "photos and reviews to look at; flagged reports are also a queue filter.",
        permission_classes=[IsModerator],
    )
    async def content_flags(
        self,
        info: Info,
        target: FlagTargetEnum,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> ContentFlagConnection:
        page = await flag_service.list_flags(
            db=info.context.db, target=FlagTarget(target), first=first, after=after
        )
        return ContentFlagConnection(
            edges=[
                ContentFlagEdge(
                    node=ContentFlag.from_doc(doc, with_note=True, with_resolution=True),
                    cursor=cursor,
                )
                for doc, cursor in zip(page.items, page.cursors, strict=True)
            ],
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(
        description="Every moderator and staff action on an object (report or user id), newest "
        "first.",
        permission_classes=[IsStaff],
    )
    async def audit_log(
        self,
        info: Info,
        object_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditEntryConnection:
        entries, cursors, has_next = await moderation_service.audit_log(
            db=info.context.db,
            viewer=info.context.viewer,
            object_id=str(object_id),
            first=first,
            after=after,
        )
        return AuditEntryConnection(
            edges=[
                AuditEntryEdge(node=AuditEntry.from_doc(e), cursor=c)
                for e, c in zip(entries, cursors, strict=True)
            ],
            page_info=PageInfo(has_next_page=has_next, end_cursor=cursors[-1] if cursors else None),
        )

    @strawberry.field(
        description="Statistics of reports (staff: their department's), computed by the database.",
        permission_classes=[IsStaff],
    )
    async def report_stats(
        self, info: Info, filter: ReportStatsFilter | None = None
    ) -> ReportStats:
        given = filter or ReportStatsFilter()
        stats = await moderation_service.stats(
            db=info.context.db,
            viewer=info.context.viewer,
            criteria=StatsFilter(
                start=given.from_,
                end=given.to,
                area=_id(given.area_id),
                department=_id(given.department_id),
                category=_id(given.category_id),
            ),
        )
        return ReportStats(
            total=stats.total,
            by_status=_counts(stats.by_status),
            by_category=_counts(stats.by_category),
            by_area=_counts(stats.by_area),
            acknowledge_median_seconds=stats.ack_median_s,
            acknowledge_p90_seconds=stats.ack_p90_s,
            resolve_median_seconds=stats.resolve_median_s,
            resolve_p90_seconds=stats.resolve_p90_s,
            acknowledged_within_sla=stats.ack_within_sla,
            resolved_within_sla=stats.resolve_within_sla,
            reopen_rate=stats.reopen_rate,
            average_rating=stats.average_rating,
        )
