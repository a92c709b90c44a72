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
        self, code: ModerationErrorCode, message: str, *, field: str | None = None
    ) -> None:
        super().__init__(code, message, field=field)


def forbidden(message: str = "You may not act on this report") -> ModerationError:
    return ModerationError(ModerationErrorCode.FORBIDDEN, message)


def changed() -> ModerationError:
    return ModerationError(ModerationErrorCode.CHANGED, "The report changed meanwhile; reload it")


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
        raise forbidden("Staff need a department to work the queue")
    return viewer.department


async def report_for(
    db: Database, viewer: Viewer, report_id: str, field: str = "reportId"
) -> ReportDoc:
    """The report the viewer may act on, or NOT_FOUND / FORBIDDEN."""
    oid = parse_object_id(report_id)
    report = await report_repository.get_report(db, oid) if oid is not None else None
    if report is None:
        raise ModerationError(ModerationErrorCode.NOT_FOUND, "No such report", field=field)
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
        raise ModerationError(
            ModerationErrorCode.LOCKED,
            f"Another moderator holds this report until {report.locked_until.isoformat()}",
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


async def department_name(db: Database, slug: str) -> str:
    names = (await report_repository.department_names(db, [slug])).get(slug) or {}
    return str(names.get("vi") or slug)


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
    department: str,
    public_note: str | None,
    now: datetime,
) -> list[Document]:
    """report.status_changed, and report.public_answer when a public note was given."""
    data = {
        "report_id": str(report.id),
        "title": title(report),
        "status": report.status.value,
        "department": department,
    }
    messages = [outbox.message(kind="report.status_changed", uids=uids, data=data, now=now)]
    if public_note:
        messages.append(outbox.message(kind="report.public_answer", uids=uids, data=data, now=now))
    return messages
