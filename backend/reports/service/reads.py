"""Lists of reports: the viewer's own (newest first) and nearby ones (nearest first)."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.db import Database
from backend.errors import DomainError
from backend.ids import parse_object_id
from backend.pagination import (
    InvalidCursorError,
    Page,
    decode_cursor,
    encode_cursor,
    page_size,
)
from backend.reports import repository as report_repository
from backend.reports.models import CategoryDoc, ReportDoc, ReportStatus
from backend.reports.service.rules import check_location
from backend.reports.snapshot import CatalogueContent

MAX_RADIUS_M = 5_000


async def categories(*, db: Database, content: CatalogueContent | None = None) -> list[CategoryDoc]:
    """Categories a report can have, in display order (from `content`, the snapshot, if given)."""
    if content is not None:
        return list(content.categories)
    return await report_repository.list_categories(db)


async def my_reports(
    *, db: Database, uid: str, first: int | None, after: str | None
) -> Page[ReportDoc]:
    """The viewer's reports, newest first; the cursor is (created_at in ms, id)."""
    size = page_size(first)
    position = None
    if after is not None:
        millis, last = decode_cursor(after, 2)
        last_id = parse_object_id(last)
        if not isinstance(millis, int) or last_id is None:
            raise InvalidCursorError
        position = (datetime.fromtimestamp(millis / 1000, UTC), last_id)
    docs = await report_repository.my_reports(db, uid=uid, after=position, limit=size + 1)
    page = docs[:size]
    cursors = [encode_cursor([int(doc.created_at.timestamp() * 1000), str(doc.id)]) for doc in page]
    return Page(page, cursors, has_next_page=len(docs) > size)


async def nearby(
    *,
    db: Database,
    lat: float,
    lng: float,
    radius_m: float,
    status: ReportStatus | None,
    category_id: str | None,
    first: int | None,
    after: str | None,
) -> Page[ReportDoc]:
    """Reports within a radius (at most 5 km), nearest first; the cursor is (metres, id)."""
    size = page_size(first)
    location_error = check_location(lat, lng, field="near")
    if location_error is not None:
        raise location_error
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise DomainError(
            "INVALID_RADIUS",
            en=f"radiusMeters must be in (0, {MAX_RADIUS_M}]",
            vi=f"radiusMeters phải lớn hơn 0 và không quá {MAX_RADIUS_M}",
            field="radiusMeters",
        )
    position = None
    if after is not None:
        distance, last = decode_cursor(after, 2)
        last_id = parse_object_id(last)
        if not isinstance(distance, int | float) or distance < 0 or last_id is None:
            raise InvalidCursorError
        position = (float(distance), last_id)
    found = await report_repository.nearby(
        db,
        lng=lng,
        lat=lat,
        radius_m=radius_m,
        category=category_id,
        statuses=[status] if status is not None else None,
        after=position,
        limit=size + 1,
    )
    page = found[:size]
    return Page(
        [doc for doc, _ in page],
        [encode_cursor([distance, str(doc.id)]) for doc, distance in page],
        has_next_page=len(found) > size,
        distances=[distance for _, distance in page],
    )
