"""Status work on reports: triage, reportSetStatus (the state machine), bulk.

reportMerge, which also ends in a status change, is in `merge`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.auth.models import Viewer
from backend.db import Database
from backend.errors import DomainError
from backend.moderation.models import (
    MAX_BULK,
    NOTE_MAX,
    AuditAction,
    ModerationErrorCode,
    Priority,
    can_transition,
)
from backend.moderation.service.common import (
    ModerationError,
    audit,
    check_lock,
    department_name,
    recipients,
    report_for,
    status_messages,
    write_or_changed,
)
from backend.moderation.service.transitions import illegal_transition
from backend.reports import repository as report_repository
from backend.reports.models import (
    AWAITING_ACKNOWLEDGEMENT,
    OPEN_STATES,
    CategoryDoc,
    EventKind,
    ReportDoc,
    ReportEventDoc,
    ReportStatus,
)
from backend.reports.service.rules import URGENT_RESOLVE_HOURS, add_working_hours, check_photos


def resolve_due(report: ReportDoc, category: CategoryDoc | None, priority: str) -> datetime:
    """The resolution deadline from submission: the category's hours, 4 when URGENT."""
    hours = category.resolve_hours if category else 72
    if priority == Priority.URGENT.value:
        hours = min(hours, URGENT_RESOLVE_HOURS)
    return add_working_hours(report.created_at, hours)


def _state(report: ReportDoc) -> dict[str, object]:
    return {
        "status": report.status.value,
        "category": report.category,
        "department": report.department,
        "priority": report.priority,
    }


async def triage(
    *,
    db: Database,
    viewer: Viewer,
    report_id: str,
    category_id: str | None,
    department_id: str | None,
    priority: Priority | None,
    now: datetime,
    acknowledge: bool = False,
    public_note: str | None = None,
) -> ReportDoc:
    """Route a report (category, department, priority); its status changes only when asked
    (`acknowledge`: SUBMITTED/REOPENED become ACKNOWLEDGED, with `public_note` on the timeline)."""
    report = await report_for(db, viewer, report_id)
    check_lock(viewer, report, now)
    public_note = _acknowledgement_note(report, acknowledge, public_note)
    category = await report_repository.get_category(db, category_id or report.category)
    if category is None:
        raise ModerationError(
            ModerationErrorCode.UNKNOWN_CATEGORY,
            en="No such category",
            vi="Không có danh mục này",
            field="categoryId",
        )
    if department_id is not None:
        department = department_id
    elif category.id != report.category:
        department = category.department  # routing follows a new category by default
    else:
        department = report.department
    if not await report_repository.department_exists(db, department):
        raise ModerationError(
            ModerationErrorCode.UNKNOWN_DEPARTMENT,
            en="No such department",
            vi="Không có đơn vị này",
            field="departmentId",
        )
    level = (priority or Priority(report.priority)).value
    resolve_at = resolve_due(report, category, level)
    changes: dict[str, object] = {
        "category": category.id,
        "department": department,
        "priority": level,
        "resolve_due_at": resolve_at,
        "updated_at": now,
    }
    if acknowledge:
        changes["status"] = ReportStatus.ACKNOWLEDGED.value
        if report.acknowledged_at is None:
            changes["acknowledged_at"] = now
    if acknowledge or report.status in OPEN_STATES - AWAITING_ACKNOWLEDGEMENT:
        # Unacknowledged, the current deadline stays the acknowledgement one.
        changes["sla_due_at"] = resolve_at

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        updated = await report_repository.moderate(
            db,
            report.id,
            status=report.status,
            actor=str(viewer.uid),
            now=now,
            changes=changes,
            session=session,
        )
        if updated is None:
            return None
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.TRIAGE,
            object_type="report",
            object_id=str(report.id),
            reason=public_note,
            before=_state(report),
            after=_state(updated),
            now=now,
            session=session,
        )
        if acknowledge:
            await _announce(db, viewer, updated, public_note, now, session)
        return updated

    updated = await write_or_changed(db, write)
    return updated


def _acknowledgement_note(report: ReportDoc, acknowledge: bool, note: str | None) -> str | None:
    """The triage's public note, stripped; an error when acknowledging is not possible now or
    when a note would be lost (a public note travels only with an acknowledgement)."""
    note = (note or "").strip() or None
    if acknowledge and report.status not in AWAITING_ACKNOWLEDGEMENT:
        raise ModerationError(
            ModerationErrorCode.ILLEGAL_TRANSITION,
            en="Only a new or reopened report can be acknowledged; change its status instead",
            vi="Chỉ phản ánh mới gửi hoặc được mở lại mới có thể tiếp nhận; hãy chuyển trạng thái",
            field="acknowledge",
        )
    if note is not None and not acknowledge:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en="A public note is sent with an acknowledgement: tick acknowledge or leave it empty",
            vi="Ghi chú công khai chỉ gửi kèm khi tiếp nhận: hãy chọn tiếp nhận hoặc để trống",
            field="publicNote",
        )
    if note is not None and len(note) > NOTE_MAX:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en=f"At most {NOTE_MAX} characters",
            vi=f"Tối đa {NOTE_MAX} ký tự",
            field="publicNote",
        )
    return note


async def _announce(
    db: Database,
    viewer: Viewer,
    report: ReportDoc,
    public_note: str | None,
    now: datetime,
    session: AsyncClientSession,
    photo_ids: list[ObjectId] | None = None,
) -> None:
    """The public timeline entry of a status change and its one outbox message (a public note
    travels in it: one push per recipient, not one for the change and one for the note)."""
    event = ReportEventDoc(
        id=ObjectId(),
        report=report.id,
        kind=EventKind.STATUS_CHANGED,
        at=now,
        public=True,
        status=report.status,
        note=public_note,
        photo_ids=photo_ids or [],
    )
    await report_repository.insert_event(db, event, session=session)
    uids = await recipients(db, report, viewer, session=session)
    name = await department_name(db, report.department)
    messages = status_messages(report, uids, department=name, public_note=public_note, now=now)
    await outbox.enqueue(db, messages, session=session)


@dataclass(frozen=True, kw_only=True)
class StatusChange:
    """reportSetStatus's input, typed."""

    report_id: str
    status: ReportStatus
    public_note: str | None = None
    internal_note: str | None = None
    photo_ids: list[str] = field(default_factory=list)


async def set_status(
    *, db: Database, viewer: Viewer, change: StatusChange, now: datetime
) -> ReportDoc:
    """Move a report along the state machine, with its notes, audit entry and notifications."""
    report = await report_for(db, viewer, change.report_id)
    check_lock(viewer, report, now)
    public_note = (change.public_note or "").strip() or None
    internal_note = (change.internal_note or "").strip() or None
    target = change.status
    if not can_transition(report.status, target):
        raise illegal_transition(report.status, target)
    for name, note in (("publicNote", public_note), ("internalNote", internal_note)):
        if note is not None and len(note) > NOTE_MAX:
            raise ModerationError(
                ModerationErrorCode.INVALID_INPUT,
                en=f"At most {NOTE_MAX} characters",
                vi=f"Tối đa {NOTE_MAX} ký tự",
                field=name,
            )
    photo_ids, photo_error = await check_photos(db, viewer, change.photo_ids)
    if photo_error is not None:
        raise ModerationError(
            ModerationErrorCode.INVALID_PHOTO,
            en=photo_error.text.en,
            vi=photo_error.text.vi,
            field="photoIds",
        )
    if target is ReportStatus.RESOLVED:
        if public_note is None:
            raise ModerationError(
                ModerationErrorCode.NOTE_REQUIRED,
                en="Say publicly what was done to resolve it",
                vi="Hãy nêu công khai việc đã làm để giải quyết",
                field="publicNote",
            )
        category = await report_repository.get_category(db, report.category)
        if not photo_ids and (category is None or category.resolution_photo_required):
            raise ModerationError(
                ModerationErrorCode.PHOTO_REQUIRED,
                en="Attach a photo of the fix (this category requires evidence)",
                vi="Hãy đính kèm ảnh kết quả khắc phục (danh mục này yêu cầu minh chứng)",
                field="photoIds",
            )
    changes: dict[str, object] = {"status": target.value, "updated_at": now}
    if report.status in AWAITING_ACKNOWLEDGEMENT and report.acknowledged_at is None:
        changes["acknowledged_at"] = now
    if target in OPEN_STATES:
        changes["sla_due_at"] = report.resolve_due_at or report.sla_due_at
    if target is ReportStatus.RESOLVED:
        changes["resolved_at"] = now

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        updated = await report_repository.moderate(
            db,
            report.id,
            status=report.status,
            actor=str(viewer.uid),
            now=now,
            changes=changes,
            session=session,
        )
        if updated is None:
            return None
        await _announce(db, viewer, updated, public_note, now, session, photo_ids)
        if internal_note is not None:
            note = ReportEventDoc(
                id=ObjectId(),
                report=report.id,
                kind=EventKind.NOTE,
                at=now,
                public=False,
                status=target,
                note=internal_note,
            )
            await report_repository.insert_event(db, note, session=session)
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.SET_STATUS,
            object_type="report",
            object_id=str(report.id),
            reason=internal_note or public_note,
            before={"status": report.status.value},
            after={"status": target.value, "public_note": public_note},
            now=now,
            session=session,
        )
        return updated

    updated = await write_or_changed(db, write)
    return updated


@dataclass(frozen=True)
class BulkLine:
    report_id: str
    report: ReportDoc | None
    error: DomainError | None


async def bulk_set_status(
    *,
    db: Database,
    viewer: Viewer,
    report_ids: list[str],
    status: ReportStatus,
    public_note: str | None,
    now: datetime,
) -> list[BulkLine]:
    """reportSetStatus on each report in its own transaction: a result line per report."""
    if not report_ids or len(report_ids) > MAX_BULK:
        raise ModerationError(
            ModerationErrorCode.TOO_MANY_REPORTS,
            en=f"1 to {MAX_BULK} reports",
            vi=f"Từ 1 đến {MAX_BULK} phản ánh",
            field="reportIds",
        )
    lines = []
    for report_id in dict.fromkeys(report_ids):
        change = StatusChange(report_id=report_id, status=status, public_note=public_note)
        try:
            doc = await set_status(db=db, viewer=viewer, change=change, now=now)
        except DomainError as error:
            lines.append(BulkLine(report_id, None, error))
        else:
            lines.append(BulkLine(report_id, doc, None))
    return lines
