"""Residents flag abusive content (a report, a photo, a review) for the moderators.

A flag is one resident's word on one item: flagging it again changes nothing, and each resident
may flag a bounded number of items an hour and a day (ratelimit), so flags cannot flood the
queue. Every new flag is audited. Moderators find flagged reports with the queue's `flagged`
filter (and each report's count) and flagged photos and reviews with `contentFlags`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit, ratelimit
from backend.audit import AuditEntryDoc
from backend.auth.models import Viewer
from backend.auth.service.bans import ensure_not_banned
from backend.db import Database, run_transaction
from backend.errors import DomainError
from backend.ids import parse_object_id
from backend.media import repository as media_repository
from backend.moderation import repository as moderation_repository
from backend.moderation.models import (
    FLAG_NOTE_MAX,
    AuditAction,
    ContentFlagDoc,
    FlagErrorCode,
    FlagReason,
    FlagTarget,
)
from backend.pagination import InvalidCursorError, Page, decode_cursor, encode_cursor, page_size
from backend.reports import repository as report_repository
from backend.reports.permissions import may_see_report
from backend.tourism import repository as tourism_repository

# An honest resident flags a few items a week; these stop one account from burying the queue.
FLAG_LIMITS = (ratelimit.hourly(10), ratelimit.daily(30))
# The queue's `flagged` filter looks at the reports of this many most recent report flags.
MAX_FLAGGED_REPORTS = 2_000


class FlagError(DomainError):
    """Why a flag was not recorded (FlagErrorCode)."""


class FlagRateLimitedError(FlagError):
    def __init__(self, limited: ratelimit.RateLimited) -> None:
        super().__init__(
            FlagErrorCode.RATE_LIMITED,
            en=f"You flagged too much content: try again in {limited.retry_after_seconds} "
            f"seconds (at {limited.retry_at.isoformat()})",
            vi=f"Bạn đã báo cáo quá nhiều nội dung: hãy thử lại sau "
            f"{limited.retry_after_seconds} giây (lúc {limited.retry_at.isoformat()})",
        )
        self.retry_after_seconds = limited.retry_after_seconds

    def payload_fields(self) -> dict[str, Any]:
        return {"retry_after_seconds": self.retry_after_seconds}


def _not_found() -> FlagError:
    return FlagError(
        FlagErrorCode.NOT_FOUND,
        en="There is no such content to flag",
        vi="Không tìm thấy nội dung để báo cáo",
        field="id",
    )


async def _exists(db: Database, viewer: Viewer, target: FlagTarget, oid: ObjectId) -> bool:
    """The item exists and the viewer can see it (hidden content is not theirs to flag)."""
    if target is FlagTarget.REPORT:
        report = await report_repository.get_report(db, oid)
        return report is not None and may_see_report(viewer, report)
    if target is FlagTarget.PHOTO:
        return bool(await media_repository.photo_sizes(db, [oid]))
    review = await tourism_repository.get_review(db, str(oid))
    return review is not None and not review.get("hidden")


async def flag(
    *,
    db: Database,
    viewer: Viewer,
    target: FlagTarget,
    target_id: str,
    reason: FlagReason,
    note: str | None,
    now: datetime,
) -> ContentFlagDoc:
    """Record the viewer's flag on an item (idempotent per item); audited when new."""
    uid = str(viewer.uid)
    await ensure_not_banned(db=db, uid=uid)
    note = (note or "").strip() or None
    if note is not None and len(note) > FLAG_NOTE_MAX:
        raise FlagError(
            FlagErrorCode.INVALID_INPUT,
            en=f"At most {FLAG_NOTE_MAX} characters",
            vi=f"Tối đa {FLAG_NOTE_MAX} ký tự",
            field="note",
        )
    oid = parse_object_id(target_id)
    if oid is None or not await _exists(db, viewer, target, oid):
        raise _not_found()
    existing = await moderation_repository.flag_of(db, target, str(oid), uid)
    if existing is not None:
        return existing  # flagged before: nothing changes, nothing counted
    limited = await ratelimit.hit(
        db, action="contentFlag", subject=uid, windows=FLAG_LIMITS, now=now
    )
    if limited is not None:
        raise FlagRateLimitedError(limited)
    doc = ContentFlagDoc(
        id=ObjectId(),
        target=target,
        target_id=str(oid),
        flagger=uid,
        reason=reason,
        note=note,
        at=now,
    )

    async def write(session: AsyncClientSession) -> bool:
        added = await moderation_repository.add_flag(db, doc, session=session)
        if added:
            entry = AuditEntryDoc.new(
                actor=uid,
                action=AuditAction.FLAG,
                object_type=target.value.lower(),
                object_id=str(oid),
                reason=reason.value,
                # The note may name people: it stays in content_flags, not in the audit log.
                after={"flag": str(doc.id), "reason": reason.value},
                at=now,
            )
            await audit.record(db, entry, session=session)
        return added

    # Two concurrent first flags of one user on one item: the unique index lets one commit and
    # the other answers CONFLICT (try again), which then finds the first.
    await run_transaction(db, write)
    return doc


async def flagged_report_ids(db: Database) -> frozenset[ObjectId]:
    """Reports with at least one of the most recent MAX_FLAGGED_REPORTS report flags."""
    found = await moderation_repository.flags(
        db, target=FlagTarget.REPORT, before=None, limit=MAX_FLAGGED_REPORTS
    )
    return frozenset(ObjectId(f.target_id) for f in found)


async def report_flag_counts(db: Database, report_ids: list[ObjectId]) -> list[int]:
    """How many residents flagged each report, in the given order."""
    counts = await moderation_repository.flag_counts(
        db, FlagTarget.REPORT, [str(oid) for oid in report_ids]
    )
    return [counts.get(str(oid), 0) for oid in report_ids]


async def list_flags(
    *, db: Database, target: FlagTarget, first: int | None, after: str | None
) -> Page[ContentFlagDoc]:
    """Flags on one kind of item, newest first (moderators)."""
    size = page_size(first)
    before = None
    if after is not None:
        (last,) = decode_cursor(after, 1)
        before = parse_object_id(str(last))
        if before is None:
            raise InvalidCursorError
    found = await moderation_repository.flags(db, target=target, before=before, limit=size + 1)
    page = found[:size]
    return Page(page, [encode_cursor([str(f.id)]) for f in page], has_next_page=len(found) > size)
