"""Content work: edit (keeping the original), hide/unhide, locks, bans, and the audit log."""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit as audit_log_repository
from backend.audit import AuditEntryDoc
from backend.auth import repository as auth_repository
from backend.auth.models import Viewer
from backend.db import Database
from backend.ids import parse_object_id
from backend.moderation import repository as moderation_repository
from backend.moderation.models import (
    LOCK_DURATION,
    REASON_MAX,
    AuditAction,
    ModerationErrorCode,
    ModerationOriginalDoc,
)
from backend.moderation.service.common import (
    ModerationError,
    audit,
    changed,
    check_lock,
    forbidden,
    is_moderator,
    may_act_on,
    report_for,
    write_or_changed,
)
from backend.pagination import InvalidCursorError, decode_cursor, encode_cursor, page_size
from backend.reports import repository as report_repository
from backend.reports.models import (
    AWAITING_ACKNOWLEDGEMENT,
    OPEN_STATES,
    EventKind,
    ReportDoc,
    ReportEventDoc,
    ReportStatus,
)
from backend.reports.service.rules import DESCRIPTION_MAX, DESCRIPTION_MIN, in_transaction
from backend.text import terms


def _reason(reason: str | None) -> str | None:
    text = (reason or "").strip() or None
    if text is not None and len(text) > REASON_MAX:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en=f"At most {REASON_MAX} characters",
            vi=f"Tối đa {REASON_MAX} ký tự",
            field="reason",
        )
    return text


async def edit(
    *,
    db: Database,
    viewer: Viewer,
    report_id: str,
    description: str | None,
    photo_ids_to_hide: list[str],
    reason: str | None,
    now: datetime,
) -> ReportDoc:
    """Remove personal data or abuse from a report; the original is kept for moderators."""
    report = await report_for(db, viewer, report_id)
    check_lock(viewer, report, now)
    why = _reason(reason)
    text = description.strip() if description is not None else report.description
    if not DESCRIPTION_MIN <= len(text) <= DESCRIPTION_MAX:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en=f"The description needs {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters",
            vi=f"Phần mô tả cần từ {DESCRIPTION_MIN} đến {DESCRIPTION_MAX} ký tự",
            field="description",
        )
    hide = [parse_object_id(pid) for pid in photo_ids_to_hide]
    if any(oid is None or oid not in report.photo_ids for oid in hide):
        raise ModerationError(
            ModerationErrorCode.INVALID_PHOTO,
            en="Only photos of this report can be hidden",
            vi="Chỉ ẩn được ảnh của chính phản ánh này",
            field="photoIdsToHide",
        )
    kept = [pid for pid in report.photo_ids if pid not in hide]
    original = ModerationOriginalDoc(
        id=ObjectId(),
        report=report.id,
        description=report.description,
        photo_ids=report.photo_ids,
        actor=str(viewer.uid),
        at=now,
    )

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        updated = await report_repository.edit_content(
            db,
            report.id,
            description_was=report.description,
            actor=str(viewer.uid),
            now=now,
            description=text,
            photo_ids=kept,
            search_terms=terms(text, report.address),
            hide_photo_ids=[o for o in hide if o],
            session=session,
        )
        if updated is None:
            return None
        await moderation_repository.add_original(db, original, session=session)
        event = ReportEventDoc(
            id=ObjectId(), report=report.id, kind=EventKind.EDITED, at=now, public=False, note=why
        )
        await report_repository.insert_event(db, event, session=session)
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.EDIT,
            object_type="report",
            object_id=str(report.id),
            reason=why,
            before={"description": report.description, "photo_ids": [str(p) for p in hide]},
            after={"description": text, "hidden_photo_ids": [str(p) for p in hide]},
            now=now,
            session=session,
        )
        return updated

    updated = await write_or_changed(db, write)
    return updated


async def set_hidden(
    *, db: Database, viewer: Viewer, report_id: str, hidden: bool, reason: str | None, now: datetime
) -> ReportDoc:
    """Hide a report from every public list (abuse, spam) or show it again. Hiding an open
    report closes it (REJECTED, its deadline stopped: nobody is asked to act on spam); showing
    it again puts it back in the status it had, with its deadline."""
    report = await report_for(db, viewer, report_id)
    check_lock(viewer, report, now)
    why = _reason(reason)
    changes = _hide_changes(report, hidden)

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        updated = await report_repository.set_hidden(
            db,
            report.id,
            actor=str(viewer.uid),
            now=now,
            hidden=hidden,
            reason=why,
            session=session,
            status=report.status,
            changes=changes,
        )
        if updated is None:
            return None
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.HIDE if hidden else AuditAction.UNHIDE,
            object_type="report",
            object_id=str(report.id),
            reason=why,
            before={"hidden": report.hidden, "status": report.status.value},
            after={"hidden": hidden, "status": updated.status.value},
            now=now,
            session=session,
        )
        return updated

    updated = await write_or_changed(db, write)
    return updated


def _hide_changes(report: ReportDoc, hidden: bool) -> dict[str, object]:
    """The status and deadline fields that hiding (closing) or showing (reopening) changes."""
    if hidden and report.status in OPEN_STATES:
        return {
            "status": ReportStatus.REJECTED.value,
            "closed_by_hide": report.status.value,
            "sla_due_at": None,
        }
    if not hidden and report.closed_by_hide is not None and report.status is ReportStatus.REJECTED:
        before = report.closed_by_hide
        due = report.ack_due_at if before in AWAITING_ACKNOWLEDGEMENT else report.resolve_due_at
        return {"status": before.value, "closed_by_hide": None, "sla_due_at": due}
    return {}


async def lock(*, db: Database, viewer: Viewer, report_id: str, now: datetime) -> ReportDoc:
    """Take a report for 10 minutes (or extend one's own lock); LOCKED if someone else holds it."""
    report = await report_for(db, viewer, report_id)
    check_lock(viewer, report, now)
    until = now + LOCK_DURATION

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        # The condition is in the filter: of two moderators racing, one gets the lock.
        locked = await report_repository.take_lock(
            db, report.id, actor=str(viewer.uid), now=now, until=until, session=session
        )
        if locked is None:
            return None
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.LOCK,
            object_type="report",
            object_id=str(report.id),
            reason=None,
            before={"locked_by": report.locked_by},
            after={"locked_by": viewer.uid, "locked_until": until.isoformat()},
            now=now,
            session=session,
        )
        return locked

    locked = await in_transaction(db, write)
    if locked is None:
        current = await report_for(db, viewer, report_id)
        check_lock(viewer, current, now)
        raise changed()
    return locked


async def set_banned(
    *, db: Database, viewer: Viewer, user_id: str, banned: bool, reason: str | None, now: datetime
) -> int:
    """Ban a user (no new reports, open ones hidden) or unban them; how many reports changed."""
    if not is_moderator(viewer):
        raise forbidden(
            en="Only moderators and admins manage users",
            vi="Chỉ kiểm duyệt viên và quản trị viên mới quản lý người dùng",
        )
    uid = user_id.strip()
    if not uid or len(uid) > 128:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en="No such user",
            vi="Không có người dùng này",
            field="userId",
        )
    if uid == viewer.uid:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en="You cannot ban yourself",
            vi="Bạn không thể tự cấm chính mình",
        )
    why = _reason(reason)

    async def write(session: AsyncClientSession) -> int:
        was = await auth_repository.set_banned(
            db, uid, banned=banned, actor=str(viewer.uid), reason=why, now=now, session=session
        )
        count = await report_repository.hide_for_ban(db, uid, hide=banned, now=now, session=session)
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.BAN if banned else AuditAction.UNBAN,
            object_type="user",
            object_id=uid,
            reason=why,
            before={"banned": was},
            after={"banned": banned, "reports_changed": count},
            now=now,
            session=session,
        )
        return count

    return await in_transaction(db, write)


async def audit_log(
    *, db: Database, viewer: Viewer, object_id: str, first: int | None, after: str | None
) -> tuple[list[AuditEntryDoc], list[str], bool]:
    """An object's audit entries, newest first: moderators see all, staff their reports'."""
    if not is_moderator(viewer):
        oid = parse_object_id(object_id)
        report = await report_repository.get_report(db, oid) if oid else None
        if report is None or not may_act_on(viewer, report):
            raise forbidden(
                en="You may not read this audit log", vi="Bạn không được xem nhật ký kiểm tra này"
            )
    size = page_size(first)
    before = None
    if after is not None:
        (last,) = decode_cursor(after, 1)
        before = parse_object_id(last)
        if before is None:
            raise InvalidCursorError
    entries = await audit_log_repository.entries(
        db, object_id=object_id, before=before, limit=size + 1
    )
    page = entries[:size]
    return page, [encode_cursor([str(e.id)]) for e in page], len(entries) > size
