"""Residents flag abusive content (a report, a photo, a review) for the moderators.

A flag is one resident's word on one item: flagging it again changes nothing while their flag is
open, and each resident may flag a bounded number of items an hour and a day (ratelimit), so
flags cannot flood the queue. Every new flag is audited. Moderators find flagged reports with
the queue's `flagged` filter (and each report's count) and flagged photos and reviews with
`contentFlags`, and resolve an item's open flags at once (contentFlagsResolve, audited): they
no longer count, and a resident may flag the item again. The flagger is not told the outcome.

Open flags are counted per item in content_flag_targets (moderation repository), in the same
transaction as each flag, resolution and deletion: the queue and the counts read one document
per report by id, however many flags there are.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
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
    FlagOutcome,
    FlagReason,
    FlagTarget,
)
from backend.pagination import InvalidCursorError, Page, decode_cursor, encode_cursor, page_size
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc
from backend.reports.permissions import may_see_report
from backend.tourism import repository as tourism_repository

# An honest resident flags a few items a week; these stop one account from burying the queue.
FLAG_LIMITS = (ratelimit.hourly(10), ratelimit.daily(30))
LEGACY_BATCH = 500
log = logging.getLogger(__name__)


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


def _checked_note(note: str | None) -> str | None:
    """A flag's or a resolution's note, trimmed (None when empty); INVALID_INPUT when too long."""
    note = (note or "").strip() or None
    if note is not None and len(note) > FLAG_NOTE_MAX:
        raise FlagError(
            FlagErrorCode.INVALID_INPUT,
            en=f"At most {FLAG_NOTE_MAX} characters",
            vi=f"Tối đa {FLAG_NOTE_MAX} ký tự",
            field="note",
        )
    return note


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
    note = _checked_note(note)
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


async def open_flagged_reports(
    db: Database, report_ids: Sequence[ObjectId], *, now: datetime
) -> frozenset[ObjectId]:
    """Which of these reports have open flags (the queue's `flagged` filter)."""
    counts = await moderation_repository.open_flag_counts(
        db, FlagTarget.REPORT, [str(oid) for oid in report_ids], now=now
    )
    return frozenset(ObjectId(target_id) for target_id in counts)


async def resolve(
    *,
    db: Database,
    viewer: Viewer,
    target: FlagTarget,
    target_id: str,
    outcome: FlagOutcome,
    note: str | None,
    now: datetime,
) -> tuple[int, ReportDoc | None]:
    """Close every open flag on an item with the moderator's outcome; audited; how many, and
    the report as it is now for a REPORT target. NOT_FOUND when the item has no open flag
    (nothing to resolve, or resolved already)."""
    note = _checked_note(note)
    oid = parse_object_id(target_id)
    if oid is None:
        raise _no_open_flags()
    resolution = ObjectId()

    async def write(session: AsyncClientSession) -> int:
        closed = await moderation_repository.resolve_flags(
            db, target, str(oid), resolution=resolution, outcome=outcome, at=now, session=session
        )
        if closed:
            entry = AuditEntryDoc.new(
                actor=str(viewer.uid),
                action=AuditAction.FLAG_RESOLVE,
                object_type=target.value.lower(),
                object_id=str(oid),
                reason=note,
                before={"open_flags": closed},
                after={"outcome": outcome.value, "resolution": str(resolution)},
                at=now,
            )
            await audit.record(db, entry, session=session)
        return closed

    closed = await run_transaction(db, write)
    if not closed:
        raise _no_open_flags()
    report = None
    if target is FlagTarget.REPORT:
        report = await report_repository.get_report(db, oid)
    return closed, report


def _no_open_flags() -> FlagError:
    return FlagError(
        FlagErrorCode.NOT_FOUND,
        en="This content has no open flags",
        vi="Nội dung này không có báo cáo nào đang chờ xử lý",
        field="targetId",
    )


async def migrate_flags(db: Database, *, now: datetime) -> int:
    """migrate (every run, after the indexes): drop the unique index from before resolutions
    and count the flags from then as open on their items; how many were counted (idempotent:
    none once done)."""
    await moderation_repository.drop_obsolete_flag_index(db)
    counted = 0
    async for chunk in moderation_repository.legacy_flag_batches(db, batch=LEGACY_BATCH):

        async def write(session: AsyncClientSession, chunk: list[ContentFlagDoc] = chunk) -> int:
            return await moderation_repository.count_legacy_flags(
                db, chunk, at=now, session=session
            )

        counted += await run_transaction(db, write)
    if counted:
        log.info("flags migration: %d flags from before resolutions counted open", counted)
    return counted


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
