"""A report's duplicates, for the staff who handle it: suspected ones (open reports of the same
category nearby, as suggested to a resident filing one) and the ones merged into it."""

from __future__ import annotations

from bson import ObjectId

from backend.db import Database
from backend.ids import parse_object_id
from backend.pagination import InvalidCursorError, Page, decode_cursor, encode_cursor, page_size
from backend.reports import repository as report_repository
from backend.reports.models import CategoryDoc, ReportDoc

# A queue row needs "a few" or "many", not an exact figure: the count stops here (one index read
# of a few cells per report, however dense the street).
MAX_SUSPECTED = 10


async def suspected_duplicate_count(
    *, db: Database, report: ReportDoc, category: CategoryDoc | None
) -> int:
    """Open public reports of the report's category within the category's duplicate radius
    (itself excluded), counted up to MAX_SUSPECTED; served by the location_cells index."""
    if category is None or category.duplicate_radius_m <= 0:
        return 0
    found = await report_repository.open_duplicates(
        db,
        lng=report.lng,
        lat=report.lat,
        category=report.category,
        radius_m=category.duplicate_radius_m,
        exclude=report.id,
        limit=MAX_SUSPECTED,
    )
    return len(found)


async def merged_duplicates(
    *, db: Database, report_id: ObjectId, first: int | None, after: str | None
) -> Page[ReportDoc]:
    """The reports merged into this one, oldest first; the cursor is the last id."""
    size = page_size(first)
    position = None
    if after is not None:
        (last,) = decode_cursor(after, 1)
        position = parse_object_id(last) if isinstance(last, str) else None
        if position is None:
            raise InvalidCursorError
    docs = await report_repository.merged_into(db, report_id, after=position, limit=size + 1)
    page = docs[:size]
    cursors = [encode_cursor([str(doc.id)]) for doc in page]
    return Page(page, cursors, has_next_page=len(docs) > size)
