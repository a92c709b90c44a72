"""Reviews: one per user per place, a running rating aggregate, hiding by moderators."""

from __future__ import annotations

from datetime import datetime

from backend import audit
from backend.audit import AuditEntryDoc
from backend.auth.service.bans import ensure_not_banned
from backend.db import Database
from backend.errors import DomainError
from backend.meta import repository as meta_repository
from backend.pagination import Page, encode_cursor
from backend.tourism import repository as tourism_repository
from backend.tourism.models import (
    MAX_REVIEW_LENGTH,
    ReviewDoc,
    TourismErrorCode,
)
from backend.tourism.service import (
    TourismInputError,
    decode_after,
    get_poi,
    invalid,
    not_found,
)

MAX_REASON_LENGTH = 500


async def create_review(
    *, db: Database, uid: str, poi_id: str, rating: int, text: str, now: datetime
) -> ReviewDoc:
    """Create the viewer's review of a POI, or edit it: one per user per POI."""
    await ensure_not_banned(db=db, uid=uid)
    text = text.strip()
    errors: list[DomainError] = []
    if not 1 <= rating <= 5:
        errors.append(
            invalid(
                en="rating must be between 1 and 5",
                vi="Điểm đánh giá phải từ 1 đến 5",
                field="rating",
            )
        )
    if len(text) > MAX_REVIEW_LENGTH:
        errors.append(
            invalid(
                en=f"text must be at most {MAX_REVIEW_LENGTH} characters",
                vi=f"Nội dung tối đa {MAX_REVIEW_LENGTH} ký tự",
                field="text",
            )
        )
    if errors:
        raise TourismInputError(errors)
    if await get_poi(db=db, poi_id=poi_id) is None:
        raise not_found(en="place", vi="địa điểm này", field="poiId")
    try:
        before, after = await tourism_repository.upsert_review(
            db, poi_id=poi_id, author=uid, rating=rating, text=text, now=now
        )
    except tourism_repository.ReviewHiddenError:
        raise DomainError(
            TourismErrorCode.REVIEW_HIDDEN,
            en="Your review of this place was hidden by a moderator",
            vi="Đánh giá của bạn về địa điểm này đã bị kiểm duyệt viên ẩn",
        ) from None
    if before is None:
        await tourism_repository.inc_rating(db, poi_id, delta_sum=rating, delta_count=1)
    else:
        delta = rating - int(before["rating"])
        await tourism_repository.inc_rating(db, poi_id, delta_sum=delta, delta_count=0)
    await meta_repository.bump_public_version(db)  # cached public answers show ratings
    return ReviewDoc.from_mongo(after)


async def hide_review(
    *, db: Database, actor: str, review_id: str, reason: str, now: datetime
) -> ReviewDoc:
    """Hide a review (moderators): it leaves the list and the rating; the action is audited."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise invalid(
            en=f"give a reason of 1 to {MAX_REASON_LENGTH} characters",
            vi=f"hãy nêu lý do dài từ 1 đến {MAX_REASON_LENGTH} ký tự",
            field="reason",
        )
    before = await tourism_repository.hide_review(
        db, review_id, actor=actor, reason=reason, now=now
    )
    if before is None:
        existing = await tourism_repository.get_review(db, review_id)
        if existing is None:
            raise not_found(en="review", vi="đánh giá này", field="reviewId")
        return ReviewDoc.from_mongo(existing)  # already hidden: nothing more to do
    await tourism_repository.inc_rating(
        db, before["poi"], delta_sum=-int(before["rating"]), delta_count=-1
    )
    entry = AuditEntryDoc.new(
        actor=actor,
        action="review.hide",
        object_type="review",
        object_id=str(before["_id"]),
        reason=reason,
        before={"hidden": False},
        after={"hidden": True},
        at=now,
    )
    await audit.record(db, entry)
    await meta_repository.bump_public_version(db)
    return ReviewDoc.from_mongo({**before, "hidden": True})


async def list_reviews(
    *, db: Database, poi_id: str, first: int, after: str | None
) -> Page[ReviewDoc]:
    """Visible reviews of a POI, newest first."""
    before = decode_after(after, near=False)
    docs = await tourism_repository.list_reviews(
        db, poi_id, before_id=str(before[0]) if before else None, limit=first + 1
    )
    items = [ReviewDoc.from_mongo(doc) for doc in docs[:first]]
    cursors = [encode_cursor([item.id]) for item in items]
    return Page(items, cursors, has_next_page=len(docs) > first)
