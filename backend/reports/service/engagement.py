"""What residents do with an existing report: "me too", follow, unfollow, reopen, rate.

Membership (followers, "me too") lives in its own collections with a unique (report, uid) index;
the report's counters move with `$inc` only when a membership really changed, in the same
transaction, so repeating a call changes nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend import outbox
from backend.auth.models import Viewer
from backend.auth.service.bans import ensure_not_banned
from backend.db import Database, Document
from backend.errors import DomainError
from backend.notifications.models import StaffNoticeKind
from backend.notifications.service import staff as staff_notices
from backend.reports import repository as report_repository
from backend.reports.models import (
    OPEN_STATES,
    RATEABLE_STATES,
    EventKind,
    ReportDoc,
    ReportErrorCode,
    ReportEventDoc,
    ReportStatus,
)
from backend.reports.permissions import is_reporter, may_see_report
from backend.reports.service.create import get_report
from backend.reports.service.rules import (
    COMMENT_MAX,
    ME_TOO_MILESTONES,
    REASON_MAX,
    REASON_MIN,
    REOPEN_WINDOW,
    ReportError,
    add_working_hours,
    check_photos,
    in_transaction,
    not_found,
    raise_all,
)

FOLLOWERS = report_repository.FOLLOWERS
ME_TOO = report_repository.ME_TOO


async def existing_report(db: Database, report_id: str) -> ReportDoc:
    """The report, or a NOT_FOUND error (unknown and malformed ids alike)."""
    report = await get_report(db=db, report_id=report_id)
    if report is None:
        raise not_found()
    return report


async def visible_report(db: Database, viewer: Viewer, report_id: str) -> ReportDoc:
    """The report if the viewer may see it; a hidden one is NOT_FOUND to other residents."""
    report = await existing_report(db, report_id)
    if not may_see_report(viewer, report):
        raise not_found()
    return report


def _title(report: ReportDoc) -> str:
    return report.description[:80]


async def _follow(
    db: Database, report: ReportDoc, uid: str, now: datetime, session: AsyncClientSession
) -> list[Document]:
    """Add a follower in a transaction; the outbox messages it causes (none if already one)."""
    if not await report_repository.add_member(db, FOLLOWERS, report.id, uid, now, session=session):
        return []
    await report_repository.increment(db, report.id, "follower_count", 1, session=session)
    if uid == report.reporter:
        return []
    return [
        outbox.message(
            kind="report.followed",
            uids=[report.reporter],
            data={"report_id": str(report.id), "title": _title(report)},
            now=now,
        )
    ]


async def follow(*, db: Database, viewer: Viewer, report_id: str, now: datetime) -> ReportDoc:
    """Follow a report (idempotent): its updates will be pushed to the viewer."""
    await ensure_not_banned(db=db, uid=viewer.uid)
    report = await visible_report(db, viewer, report_id)
    uid = str(viewer.uid)

    async def write(session: AsyncClientSession) -> None:
        await outbox.enqueue(db, await _follow(db, report, uid, now, session), session=session)

    await _idempotent(db, write)
    return await existing_report(db, report_id)


async def unfollow(*, db: Database, viewer: Viewer, report_id: str) -> ReportDoc:
    """Stop following a report (idempotent)."""
    report = await visible_report(db, viewer, report_id)
    uid = str(viewer.uid)

    async def write(session: AsyncClientSession) -> None:
        if await report_repository.remove_member(db, FOLLOWERS, report.id, uid, session=session):
            await report_repository.increment(db, report.id, "follower_count", -1, session=session)

    await in_transaction(db, write)
    return await existing_report(db, report_id)


async def me_too(*, db: Database, viewer: Viewer, report_id: str, now: datetime) -> ReportDoc:
    """Say "me too" on an open report (idempotent); the viewer also follows it."""
    await ensure_not_banned(db=db, uid=viewer.uid)
    report = await visible_report(db, viewer, report_id)
    uid = str(viewer.uid)
    if is_reporter(viewer, report):
        raise ReportError(
            ReportErrorCode.OWN_REPORT,
            en="You reported this yourself",
            vi="Bạn chính là người gửi phản ánh này",
            field="reportId",
        )
    if report.status not in OPEN_STATES:
        raise ReportError(
            ReportErrorCode.REPORT_CLOSED,
            en="This report is closed",
            vi="Phản ánh này đã đóng",
            field="reportId",
        )

    async def write(session: AsyncClientSession) -> None:
        if not await report_repository.add_member(db, ME_TOO, report.id, uid, now, session=session):
            return
        await report_repository.increment(db, report.id, "me_too_count", 1, session=session)
        messages = await _follow(db, report, uid, now, session)
        count = report.me_too_count + 1
        if count in ME_TOO_MILESTONES:
            messages.append(
                outbox.message(
                    kind="report.me_too_milestone",
                    uids=[report.reporter],
                    data={"report_id": str(report.id), "title": _title(report), "count": count},
                    now=now,
                )
            )
        await outbox.enqueue(db, messages, session=session)

    await _idempotent(db, write)
    return await existing_report(db, report_id)


async def _idempotent(db: Database, write: object) -> None:
    # A concurrent identical request won the unique index: the state is as asked.
    with contextlib.suppress(DuplicateKeyError):
        await in_transaction(db, write)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class ReopenDraft:
    report_id: str
    reason: str
    photo_ids: list[str]


async def reopen(*, db: Database, viewer: Viewer, draft: ReopenDraft, now: datetime) -> ReportDoc:
    """Reopen a report resolved in the last 30 days (its reporter or a follower)."""
    await ensure_not_banned(db=db, uid=viewer.uid)
    report = await visible_report(db, viewer, draft.report_id)
    uid = str(viewer.uid)
    if not (
        is_reporter(viewer, report)
        or await report_repository.is_member(db, FOLLOWERS, report.id, uid)
    ):
        raise ReportError(
            ReportErrorCode.FORBIDDEN,
            en="Only the reporter or a follower can reopen this report",
            vi="Chỉ người gửi hoặc người theo dõi mới mở lại được phản ánh này",
        )
    reason = draft.reason.strip()
    errors: list[DomainError] = []
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        errors.append(
            ReportError(
                ReportErrorCode.INVALID_INPUT,
                en=f"The reason needs {REASON_MIN} to {REASON_MAX} characters",
                vi=f"Lý do cần từ {REASON_MIN} đến {REASON_MAX} ký tự",
                field="reason",
            )
        )
    photo_ids, photo_error = await check_photos(db, viewer, draft.photo_ids)
    if photo_error is not None:
        errors.append(photo_error)
    raise_all(errors)
    if report.status is not ReportStatus.RESOLVED:
        raise ReportError(
            ReportErrorCode.NOT_REOPENABLE,
            en="Only a resolved report can be reopened",
            vi="Chỉ mở lại được phản ánh đã được giải quyết",
        )
    cutoff = now - REOPEN_WINDOW
    if report.resolved_at is None or report.resolved_at < cutoff:
        raise ReportError(
            ReportErrorCode.REOPEN_WINDOW_CLOSED,
            en="A report can be reopened within 30 days of being resolved",
            vi="Chỉ mở lại được phản ánh trong vòng 30 ngày kể từ khi được giải quyết",
        )
    category = await report_repository.get_category(db, report.category)
    acknowledge_hours = category.acknowledge_hours if category else 8
    event = ReportEventDoc(
        id=ObjectId(),
        report=report.id,
        kind=EventKind.REOPENED,
        at=now,
        public=True,
        status=ReportStatus.REOPENED,
        note=reason,
        photo_ids=photo_ids,
    )

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        # The rule in the filter: a concurrent moderator change makes this match nothing. Back in
        # the moderators' queue, with a fresh acknowledgement deadline.
        reopened = await report_repository.reopen(
            db,
            report.id,
            resolved_since=cutoff,
            now=now,
            due=add_working_hours(now, acknowledge_hours),
            session=session,
        )
        if reopened is None:
            return None
        await report_repository.insert_event(db, event, session=session)
        followers = await report_repository.follower_uids(db, report.id, session=session)
        recipients = [u for u in [report.reporter, *followers] if u != uid]
        notice = outbox.message(
            kind="report.reopened",
            uids=recipients,
            data={
                "report_id": str(report.id),
                "title": _title(report),
                "status": "REOPENED",
                # Worded "your report" for the reporter, "a report you follow" for the others.
                "reporter": report.reporter,
            },
            now=now,
        )
        await outbox.enqueue(db, [notice], session=session)
        await staff_notices.notify_unit(
            db, report=reopened, kind=StaffNoticeKind.REOPENED, now=now, session=session
        )
        return reopened

    reopened = await in_transaction(db, write)
    if reopened is None:
        raise ReportError(
            ReportErrorCode.NOT_REOPENABLE,
            en="The report changed; reload it",
            vi="Phản ánh vừa thay đổi; hãy tải lại",
        )
    return reopened


# Ratings of an answer that tell its unit it was poor.
LOW_RATING_STARS = 2


async def rate(
    *, db: Database, viewer: Viewer, report_id: str, stars: int, comment: str | None, now: datetime
) -> ReportDoc:
    """The reporter rates the answer once, after the report is resolved or rejected."""
    await ensure_not_banned(db=db, uid=viewer.uid)
    report = await visible_report(db, viewer, report_id)
    comment = (comment or "").strip() or None
    errors = []
    if not 1 <= stars <= 5:
        errors.append(
            ReportError(
                ReportErrorCode.INVALID_RATING,
                en="1 to 5 stars",
                vi="Từ 1 đến 5 sao",
                field="stars",
            )
        )
    if comment is not None and len(comment) > COMMENT_MAX:
        errors.append(
            ReportError(
                ReportErrorCode.INVALID_INPUT,
                en=f"At most {COMMENT_MAX} characters",
                vi=f"Tối đa {COMMENT_MAX} ký tự",
                field="comment",
            )
        )
    raise_all(errors)
    if not is_reporter(viewer, report):
        raise ReportError(
            ReportErrorCode.FORBIDDEN,
            en="Only the reporter can rate this report",
            vi="Chỉ người gửi mới đánh giá được phản ánh này",
        )
    if report.status not in RATEABLE_STATES:
        raise ReportError(
            ReportErrorCode.NOT_RATEABLE,
            en="A report can be rated once resolved or rejected",
            vi="Chỉ đánh giá được phản ánh đã được giải quyết hoặc bị từ chối",
        )

    async def write(session: AsyncClientSession) -> ReportDoc | None:
        rated = await report_repository.rate(
            db,
            report.id,
            reporter=report.reporter,
            statuses=sorted(RATEABLE_STATES),
            rating={"stars": stars, "comment": comment, "at": now},
            now=now,
            session=session,
        )
        if rated is not None and stars <= LOW_RATING_STARS:
            # A poor answer: the unit that gave it hears of it.
            await staff_notices.notify_unit(
                db,
                report=rated,
                kind=StaffNoticeKind.LOW_RATING,
                now=now,
                session=session,
                stars=stars,
            )
        return rated

    rated = await in_transaction(db, write)
    if rated is None:
        current = await existing_report(db, report_id)
        if current.rating is not None:
            raise ReportError(
                ReportErrorCode.ALREADY_RATED,
                en="You already rated this report",
                vi="Bạn đã đánh giá phản ánh này rồi",
            )
        raise ReportError(
            ReportErrorCode.NOT_RATEABLE,
            en="The report changed; reload it",
            vi="Phản ánh vừa thay đổi; hãy tải lại",
        )
    return rated


__all__ = ["ReopenDraft", "follow", "me_too", "rate", "reopen", "unfollow"]
