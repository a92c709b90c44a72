"""reportAssign: hand a report to a staff member of the unit that acts on it (or take it back).

The assignee must be in the staff directory (`users grant`) as staff of one of the report's
acting units: its department city-wide or, for ward offices, the department in the report's
ward/commune. The assignee is told through the staff notices (batched pushes and the inbox).
"""

from __future__ import annotations

from datetime import datetime

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.auth.models import Role, Viewer
from backend.db import Database
from backend.moderation import repository as moderation_repository
from backend.moderation.models import (
    AuditAction,
    ModerationErrorCode,
    StaffMemberDoc,
    acting_units,
    unit_keys,
)
from backend.moderation.service.common import (
    ModerationError,
    audit,
    check_lock,
    report_for,
    write_or_changed,
)
from backend.notifications.service import staff as staff_notices
from backend.reports import repository as report_repository
from backend.reports.models import OPEN_STATES, ReportDoc


def works_for(member: StaffMemberDoc, report: ReportDoc) -> bool:
    """The directory entry is staff of a unit that acts on the report."""
    if member.role != Role.STAFF.value or not member.department:
        return False
    units = set(unit_keys(member.department, member.areas))
    return bool(units & set(acting_units(report.department, report.area)))


async def assign(
    *, db: Database, viewer: Viewer, report_id: str, assignee_id: str | None, now: datetime
) -> ReportDoc:
    """Assign an open report to a staff member of its unit (None: nobody); audited, and the
    new assignee is told unless they assigned it to themself."""
    report = await report_for(db, viewer, report_id)
    check_lock(viewer, report, now)
    if report.status not in OPEN_STATES:
        raise ModerationError(
            ModerationErrorCode.ILLEGAL_TRANSITION,
            en="This report is closed: only open reports are assigned",
            vi="Phản ánh này đã đóng: chỉ phân công phản ánh đang mở",
            field="reportId",
        )
    assignee = (assignee_id or "").strip() or None
    if assignee is not None:
        member = await moderation_repository.staff_member(db, assignee)
        if member is None or not works_for(member, report):
            raise ModerationError(
                ModerationErrorCode.NOT_IN_UNIT,
                en="Choose a staff member of the unit that handles this report",
                vi="Hãy chọn một cán bộ của đơn vị xử lý phản ánh này",
                field="assigneeId",
            )
    if assignee == report.assignee:
        return report  # nothing changes: no audit entry, nobody told twice

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        updated = await report_repository.moderate(
            db,
            report.id,
            status=report.status,
            actor=str(viewer.uid),
            now=now,
            changes={"assignee": assignee, "assigned_at": now if assignee else None},
            session=session,
        )
        if updated is None:
            return None
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.ASSIGN,
            object_type="report",
            object_id=str(report.id),
            reason=None,
            before={"assignee": report.assignee},
            after={"assignee": assignee},
            now=now,
            session=session,
        )
        if assignee is not None and assignee != viewer.uid:
            await staff_notices.notify(
                db,
                uids=[assignee],
                kind=staff_notices.StaffNoticeKind.ASSIGNED,
                report=updated,
                now=now,
                session=session,
            )
        return updated

    return await write_or_changed(db, write)
