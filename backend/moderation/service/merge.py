"""reportMerge: a report becomes DUPLICATE of another, which gains its followers and "me too"s."""

from __future__ import annotations

from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import outbox
from backend.auth.models import Viewer
from backend.db import Database
from backend.moderation.models import MERGEABLE_FROM, AuditAction, ModerationErrorCode
from backend.moderation.service.common import (
    ModerationError,
    audit,
    check_lock,
    report_for,
    title,
    write_or_changed,
)
from backend.reports import repository as report_repository
from backend.reports.models import EventKind, ReportDoc, ReportEventDoc, ReportStatus


async def merge(
    *, db: Database, viewer: Viewer, report_id: str, into_report_id: str, now: datetime
) -> tuple[ReportDoc, ReportDoc]:
    """The first report becomes DUPLICATE of the second, which gains its followers and "me too"s;
    both as they are now (a client cache shows the original's new counts).

    Users in both count once; the source's reporter counts as a "me too" of the target (they
    reported the same problem) unless they reported the target.
    """
    source = await report_for(db, viewer, report_id)
    target = await report_for(db, viewer, into_report_id, field="intoReportId")
    if source.id == target.id:
        raise ModerationError(
            ModerationErrorCode.INVALID_MERGE,
            en="A report cannot be merged into itself",
            vi="Không thể gộp một phản ánh vào chính nó",
        )
    if source.status not in MERGEABLE_FROM:
        raise ModerationError(
            ModerationErrorCode.INVALID_MERGE,
            en="Only open reports are merged",
            vi="Chỉ gộp được phản ánh đang mở",
        )
    if target.status is ReportStatus.DUPLICATE:
        raise ModerationError(
            ModerationErrorCode.INVALID_MERGE,
            en="Merge into the original report, not into a duplicate",
            vi="Hãy gộp vào phản ánh gốc, không gộp vào một phản ánh trùng",
            field="intoReportId",
        )
    check_lock(viewer, source, now)

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        merged = await report_repository.moderate(
            db,
            source.id,
            status=source.status,
            actor=str(viewer.uid),
            now=now,
            changes={
                "status": ReportStatus.DUPLICATE.value,
                "duplicate_of": target.id,
                "updated_at": now,
            },
            session=session,
        )
        if merged is None:
            return None
        followers = await report_repository.move_members(
            db,
            report_repository.FOLLOWERS,
            source=source.id,
            target=target.id,
            extra=[],
            exclude=[],
            now=now,
            session=session,
        )
        me_too = await report_repository.move_members(
            db,
            report_repository.ME_TOO,
            source=source.id,
            target=target.id,
            extra=[source.reporter],
            exclude=[target.reporter],
            now=now,
            session=session,
        )
        await report_repository.add_counts(
            db,
            target.id,
            {"follower_count": followers, "me_too_count": me_too},
            session=session,
        )
        event = ReportEventDoc(
            id=ObjectId(),
            report=source.id,
            kind=EventKind.MERGED,
            at=now,
            public=True,
            status=ReportStatus.DUPLICATE,
            merged_into=target.id,
        )
        await report_repository.insert_event(db, event, session=session)
        notice = outbox.message(
            kind="report.merged",
            uids=[source.reporter],
            data={
                "report_id": str(source.id),
                "title": title(source),
                "status": ReportStatus.DUPLICATE.value,
                "target_report_id": str(target.id),
                "target_title": title(target),
            },
            now=now,
        )
        await outbox.enqueue(db, [notice], session=session)
        await audit(
            db,
            viewer=viewer,
            action=AuditAction.MERGE,
            object_type="report",
            object_id=str(source.id),
            reason=None,
            before={"status": source.status.value},
            after={
                "status": ReportStatus.DUPLICATE.value,
                "duplicate_of": str(target.id),
                "followers_moved": followers,
                "me_too_moved": me_too,
            },
            now=now,
            session=session,
        )
        return merged

    merged = await write_or_changed(db, write)
    original = await report_repository.get_report(db, target.id)
    return merged, original or target
