"""reportCreate: checks, idempotency, rate limit, one transaction for report + outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend import idempotency, outbox, ratelimit
from backend.areas import repository as area_repository
from backend.auth.models import Viewer
from backend.auth.service.bans import ensure_not_banned
from backend.db import Database
from backend.errors import DomainError
from backend.ids import parse_object_id
from backend.notifications.models import StaffNoticeKind
from backend.notifications.service import staff as staff_notices
from backend.reports import repository as report_repository
from backend.reports.models import (
    CategoryDoc,
    EventKind,
    ReportDoc,
    ReportErrorCode,
    ReportEventDoc,
    ReportStatus,
)
from backend.reports.service.rules import (
    ADDRESS_MAX,
    CREATE_LIMITS,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_DUPLICATES,
    URGENT_RESOLVE_HOURS,
    RateLimitedError,
    ReportError,
    add_working_hours,
    check_location,
    check_photos,
    in_transaction,
    not_found,
    raise_all,
)
from backend.text import terms

# --- create -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReportDraft:
    """reportCreate's input, typed."""

    category_id: str
    description: str
    lat: float
    lng: float
    address: str | None
    photo_ids: list[str]
    anonymous: bool
    idempotency_key: str
    # Fields only some channels carry (Open311's submitter, attributes, approximate place),
    # stored with the report in the same transaction.
    channel_fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CreatedReport:
    report: ReportDoc
    duplicates: list[ReportDoc]


async def create_report(
    *, db: Database, viewer: Viewer, draft: ReportDraft, now: datetime
) -> CreatedReport:
    """Create a report (or return the first one for a repeated idempotency key)."""
    uid = str(viewer.uid)
    description = draft.description.strip()
    address = (draft.address or "").strip() or None
    errors: list[DomainError | None] = []
    if not idempotency.valid_key(draft.idempotency_key):
        errors.append(idempotency.invalid_key_error())
    category = await report_repository.get_category(db, draft.category_id)
    if category is None:
        errors.append(
            ReportError(
                ReportErrorCode.UNKNOWN_CATEGORY,
                en="No such category",
                vi="Không có danh mục này",
                field="categoryId",
            )
        )
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        errors.append(
            ReportError(
                ReportErrorCode.DESCRIPTION_LENGTH,
                en=f"The description needs {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters",
                vi=f"Phần mô tả cần từ {DESCRIPTION_MIN} đến {DESCRIPTION_MAX} ký tự",
                field="description",
            )
        )
    if address is not None and len(address) > ADDRESS_MAX:
        errors.append(
            ReportError(
                ReportErrorCode.INVALID_INPUT,
                en=f"At most {ADDRESS_MAX} characters",
                vi=f"Tối đa {ADDRESS_MAX} ký tự",
                field="address",
            )
        )
    location_error = check_location(draft.lat, draft.lng)
    area = None
    if location_error is None:
        area = await area_repository.locate(db, lng=draft.lng, lat=draft.lat)
        if area is None:
            location_error = ReportError(
                ReportErrorCode.OUTSIDE_CITY,
                en="This place is outside Hanoi",
                vi="Địa điểm này nằm ngoài Hà Nội",
                field="location",
            )
    errors.append(location_error)
    photo_ids, photo_error = await check_photos(db, viewer, draft.photo_ids)
    errors.append(photo_error)
    raise_all(errors)
    assert category is not None and area is not None
    await ensure_not_banned(db=db, uid=viewer.uid)

    fingerprint = idempotency.fingerprint(
        "reportCreate",
        {
            "category": category.id,
            "description": description,
            "location": [draft.lng, draft.lat],
            "address": address,
            "photos": [str(oid) for oid in photo_ids],
            "anonymous": draft.anonymous,
        },
    )
    key = draft.idempotency_key
    existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
    if existing is not None:
        return await _replay(db, existing, category)
    if not viewer.is_staff:
        limited = await ratelimit.hit(
            db, action="reportCreate", subject=uid, windows=CREATE_LIMITS, now=now
        )
        if limited is not None:
            raise RateLimitedError(limited)

    report = ReportDoc(
        id=ObjectId(),
        category=category.id,
        department=category.department,
        status=ReportStatus.SUBMITTED,
        description=description,
        lng=draft.lng,
        lat=draft.lat,
        address=address,
        area=area.id,
        photo_ids=photo_ids,
        reporter=uid,
        anonymous=draft.anonymous,
        me_too_count=0,
        follower_count=1,  # the reporter follows their own report
        created_at=now,
        updated_at=now,
        sla_due_at=add_working_hours(now, category.acknowledge_hours),
        search_terms=terms(description, address),
        priority="URGENT" if category.urgent else "NORMAL",
        ack_due_at=add_working_hours(now, category.acknowledge_hours),
        resolve_due_at=add_working_hours(
            now,
            min(category.resolve_hours, URGENT_RESOLVE_HOURS)
            if category.urgent
            else category.resolve_hours,
        ),
    )
    created = ReportEventDoc(
        id=ObjectId(),
        report=report.id,
        kind=EventKind.CREATED,
        at=now,
        public=True,
        status=ReportStatus.SUBMITTED,
    )
    notice = outbox.message(
        kind="report.created",
        uids=[uid],
        data={"report_id": str(report.id), "category": category.id, "title": description[:80]},
        now=now,
    )

    async def write(session: AsyncClientSession) -> None:
        await idempotency.record(
            db,
            uid=uid,
            key=key,
            scope="reportCreate",
            fingerprint=fingerprint,
            result_id=report.id,
            now=now,
            session=session,
        )
        await report_repository.insert_report(
            db, report, created, extra=draft.channel_fields, session=session
        )
        await report_repository.add_member(
            db, report_repository.FOLLOWERS, report.id, uid, now, session=session
        )
        await outbox.enqueue(db, [notice], session=session)
        # The staff of the unit that acts on it are told (batched: notifications/service/staff).
        await staff_notices.notify_unit(
            db, report=report, kind=StaffNoticeKind.NEW, now=now, session=session
        )

    try:
        await in_transaction(db, write)
    except DuplicateKeyError:
        # Another request with this key committed first: answer with its report.
        existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return await _replay(db, existing, category)
    return CreatedReport(report, await _duplicates(db, report, category))


async def _replay(db: Database, report_id: ObjectId, category: CategoryDoc) -> CreatedReport:
    report = await report_repository.get_report(db, report_id)
    if report is None:  # deleted since (moderation): the key no longer names a report
        raise not_found()
    return CreatedReport(report, await _duplicates(db, report, category))


async def _duplicates(db: Database, report: ReportDoc, category: CategoryDoc) -> list[ReportDoc]:
    return await report_repository.open_duplicates(
        db,
        lng=report.lng,
        lat=report.lat,
        category=category.id,
        radius_m=category.duplicate_radius_m,
        exclude=report.id,
        limit=MAX_DUPLICATES,
    )


# --- reads ------------------------------------------------------------------------------------


async def get_report(*, db: Database, report_id: str) -> ReportDoc | None:
    """A report by its opaque id; None for unknown or malformed ids."""
    oid = parse_object_id(report_id)
    return await report_repository.get_report(db, oid) if oid is not None else None


async def _existing(db: Database, report_id: str) -> ReportDoc:
    report = await get_report(db=db, report_id=report_id)
    if report is None:
        raise not_found()
    return report
