"""Rules shared by the moderation services: who may act, errors, audit entries, notifications."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit as audit_log
from backend import outbox
from backend.audit import AuditEntryDoc
from backend.auth.models import Role, Viewer
from backend.clock import HANOI
from backend.db import Database, Document, run_transaction
from backend.errors import DomainError
from backend.ids import parse_object_id
from backend.moderation.models import ModerationErrorCode
from backend.moderation.permissions import is_moderator, may_act_on
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc

T = TypeVar("T")


class ModerationError(DomainError):
    def __init__(
        self, code: ModerationErrorCode, *, en: str, vi: str, field: str | None = None
    ) -> None:
        super().__init__(code, en=en, vi=vi, field=field)


def forbidden(
    *,
    en: str = "You may not act on this report",
    vi: str = "Bạn không được xử lý phản ánh này",
) -> ModerationError:
    return ModerationError(ModerationErrorCode.FORBIDDEN, en=en, vi=vi)


def changed() -> ModerationError:
    return ModerationError(
        ModerationErrorCode.CHANGED,
        en="The report changed meanwhile; reload it",
        vi="Phản ánh vừa thay đổi trong lúc này; hãy tải lại",
    )


async def write_or_changed[T](
    db: Database, work: Callable[[AsyncClientSession], Awaitable[T | None]]
) -> T:
    """Run `work` in one transaction; None from it (its condition no longer held) is CHANGED."""
    result = await run_transaction(db, work)
    if result is None:
        raise changed()
    return result


def staff_department(viewer: Viewer) -> str | None:
    """None for moderators (every department); the staff member's department otherwise."""
    if is_moderator(viewer):
        return None
    if not viewer.has_role(Role.STAFF) or not viewer.department:
        raise forbidden(
            en="Staff need a department to work the queue",
            vi="Cán bộ cần thuộc một đơn vị để xử lý hàng chờ",
        )
    return viewer.department


async def report_for(
    db: Database, viewer: Viewer, report_id: str, field: str = "reportId"
) -> ReportDoc:
    """The report the viewer may act on, or NOT_FOUND / FORBIDDEN."""
    oid = parse_object_id(report_id)
    report = await report_repository.get_report(db, oid) if oid is not None else None
    if report is None:
        raise ModerationError(
            ModerationErrorCode.NOT_FOUND,
            en="No such report",
            vi="Không tìm thấy phản ánh này",
            field=field,
        )
    if not may_act_on(viewer, report):
        raise forbidden()
    return report


def check_lock(viewer: Viewer, report: ReportDoc, now: datetime) -> None:
    """LOCKED while someone else holds a live lock on the report."""
    if (
        report.locked_by is not None
        and report.locked_by != viewer.uid
        and report.locked_until is not None
        and report.locked_until > now
    ):
        local = report.locked_until.astimezone(HANOI)
        hour, day = local.strftime("%H:%M"), local.strftime("%d/%m/%Y")
        raise ModerationError(
            ModerationErrorCode.LOCKED,
            en=f"Someone else is working on this report until {hour} on {day} (Hanoi time); "
            "try again then",
            vi=f"Một cán bộ khác đang xử lý phản ánh này đến {hour} ngày {day} (giờ Hà Nội); "
            "hãy thử lại sau",
        )


def title(report: ReportDoc) -> str:
    return report.description[:80]


async def audit(
    db: Database,
    *,
    viewer: Viewer,
    action: str,
    object_type: str,
    object_id: str,
    reason: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
    session: AsyncClientSession,
) -> None:
    """Append the audit entry of an action (in the action's transaction)."""
    entry = AuditEntryDoc.new(
        actor=str(viewer.uid),
        action=action,
        object_type=object_type,
        object_id=object_id,
        reason=reason,
        before=before,
        after=after,
        at=now,
    )
    await audit_log.record(db, entry, session=session)


async def department_name(db: Database, slug: str) -> dict[str, str]:
    """A department's name by language (its slug where a language has none), for pushes."""
    names = (await report_repository.department_names(db, [slug])).get(slug) or {}
    return {locale: str(names.get(locale) or names.get("vi") or slug) for locale in ("vi", "en")}


async def recipients(
    db: Database, report: ReportDoc, viewer: Viewer, *, session: AsyncClientSession
) -> list[str]:
    """The reporter and the followers, without the one acting."""
    followers = await report_repository.follower_uids(db, report.id, session=session)
    return [uid for uid in dict.fromkeys([report.reporter, *followers]) if uid != viewer.uid]


def status_messages(
    report: ReportDoc,
    uids: Sequence[str],
    *,
    department: dict[str, str],
    public_note: str | None,
    now: datetime,
) -> list[Document]:
    """One report.status_changed for a change, its public answer included (`answered`): one
    push per recipient. `reporter` lets the worker word it "your report" or "a report you
    follow"."""
    data = {
        "report_id": str(report.id),
        "title": title(report),
        "status": report.status.value,
        "department": department,
        "answered": bool(public_note),
        "reporter": report.reporter,
    }
    return [outbox.message(kind="report.status_changed", uids=uids, data=data, now=now)]
