"""GET /console/export.csv: the moderation queue of the console's current filter, as CSV.

The same filter as `moderationQueue` (query parameters named like its input fields), the same
rules (staff get their unit's reports only), read page by page through the moderation service and
streamed: memory stays bounded however many reports match. A bad filter or a refusal is answered
before the first byte, as JSON with a code, in the viewer's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from backend import clock
from backend.auth.models import Viewer
from backend.db import Database
from backend.errors import DomainError, json_error
from backend.i18n import Locale, Message
from backend.moderation import service as moderation_service
from backend.moderation.models import QueueFilter, QueueSort, SortDirection
from backend.pagination import Page
from backend.reports.models import ReportDoc, ReportStatus
from backend.state import app_state

PAGE = 100
# A spreadsheet, not a data dump: the open data export serves whole years.
MAX_ROWS = 20_000
COLUMNS = {
    "id": Message(en="Id", vi="Mã"),
    "created_at": Message(en="Created (Hanoi time)", vi="Ngày tạo (giờ Hà Nội)"),
    "status": Message(en="Status", vi="Trạng thái"),
    "priority": Message(en="Priority", vi="Mức ưu tiên"),
    "category": Message(en="Category", vi="Lĩnh vực"),
    "department": Message(en="Department", vi="Đơn vị"),
    "area": Message(en="Ward/commune code", vi="Mã phường/xã"),
    "address": Message(en="Address", vi="Địa chỉ"),
    "lat": Message(en="Latitude", vi="Vĩ độ"),
    "lng": Message(en="Longitude", vi="Kinh độ"),
    "me_too": Message(en="Me too", vi="Cùng phản ánh"),
    "due": Message(en="Current deadline (Hanoi time)", vi="Hạn hiện tại (giờ Hà Nội)"),
    "assignee": Message(en="Assignee (user id)", vi="Người được giao (mã)"),
    "hidden": Message(en="Hidden", vi="Bị ẩn"),
    "description": Message(en="Description", vi="Mô tả"),
}


class BadFilter(ValueError):
    """A query parameter that is not a valid filter value."""


def _flag(params: QueryParams, name: str) -> bool | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise BadFilter(name)


def _time(params: QueryParams, name: str) -> datetime | None:
    value = params.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise BadFilter(name) from None
    if parsed.tzinfo is None:
        raise BadFilter(name)
    return parsed


def _text(params: QueryParams, name: str) -> str | None:
    value = (params.get(name) or "").strip()
    if len(value) > 200:
        raise BadFilter(name)
    return value or None


def parse_filter(params: QueryParams, viewer: Viewer) -> QueueFilter:
    """moderationQueue's filter from query parameters, typed (no user dict reaches a query)."""
    status = params.get("status") or None
    if status is not None and status not in ReportStatus.__members__:
        raise BadFilter("status")
    assignee = _text(params, "assignee")
    hidden = _flag(params, "hidden")
    return QueueFilter(
        status=ReportStatus(status) if status else None,
        category=_text(params, "categoryId"),
        department=_text(params, "departmentId"),
        area=_text(params, "areaId"),
        overdue=_flag(params, "overdue"),
        reopened=_flag(params, "reopened"),
        hidden=False if "hidden" not in params else hidden,
        assignee=str(viewer.uid) if assignee == "ME" else None if assignee == "NONE" else assignee,
        unassigned=assignee == "NONE",
        text=_text(params, "text"),
        created_from=_time(params, "createdFrom"),
        created_to=_time(params, "createdTo"),
    )


def _hanoi(value: datetime | None) -> str:
    return value.astimezone(clock.HANOI).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(doc: ReportDoc) -> list[object]:
    return [
        str(doc.id), _hanoi(doc.created_at), doc.status.value, doc.priority, doc.category,
        doc.department, doc.area, doc.address or "", doc.lat, doc.lng, doc.me_too_count,
        _hanoi(doc.sla_due_at), doc.assignee or "", "1" if doc.hidden else "", doc.description,
    ]  # fmt: skip


def _csv(rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


async def _read(
    db: Database, viewer: Viewer, criteria: QueueFilter, after: str | None
) -> Page[ReportDoc]:
    return await moderation_service.queue(
        db=db,
        viewer=viewer,
        criteria=criteria,
        sort=QueueSort.CREATED_AT,
        direction=SortDirection.ASC,
        first=PAGE,
        after=after,
        now=clock.now(),
    )


async def _chunks(
    db: Database, viewer: Viewer, criteria: QueueFilter, first: Page[ReportDoc]
) -> AsyncIterator[bytes]:
    # A byte-order mark: spreadsheet programs then read the Vietnamese text as UTF-8.
    header = [COLUMNS[key].in_(viewer.locale) for key in COLUMNS]
    yield "\ufeff".encode() + _csv([header])
    page, sent = first, 0
    while True:
        rows = [_row(doc) for doc in page.items[: MAX_ROWS - sent]]
        sent += len(rows)
        if rows:
            yield _csv(rows)
        if not page.has_next_page or sent >= MAX_ROWS:
            return
        page = await _read(db, viewer, criteria, page.end_cursor)


async def export_csv(request: Request) -> Response:
    """The queue of this filter as a CSV download (moderators and staff)."""
    viewer: Viewer = request.state.viewer
    locale: Locale = viewer.locale
    if not viewer.is_authenticated:
        said = Message(en="Sign in to export reports", vi="Hãy đăng nhập để xuất phản ánh")
        return json_error(401, "UNAUTHENTICATED", said, locale=locale)
    if not viewer.is_staff:
        said = Message(
            en="Only moderators and staff export reports",
            vi="Chỉ kiểm duyệt viên và cán bộ được xuất phản ánh",
        )
        return json_error(403, "FORBIDDEN", said, locale=locale)
    try:
        criteria = parse_filter(request.query_params, viewer)
    except BadFilter as bad:
        said = Message(
            en=f"The filter value of {bad} is not valid",
            vi=f"Giá trị lọc {bad} không hợp lệ",
        )
        return json_error(400, "BAD_REQUEST", said, locale=locale)
    db = app_state(request.app).db
    try:
        # The first page before the first byte: a refusal is still a proper error response.
        first = await _read(db, viewer, criteria, None)
    except DomainError as error:
        code = str(getattr(error.code, "value", error.code))
        status = 403 if code == "FORBIDDEN" else 400
        return json_error(status, code, error.text, locale=locale)
    stamp = clock.now().astimezone(clock.HANOI).strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        _chunks(db, viewer, criteria, first),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="reports-{stamp}.csv"',
            "Cache-Control": "no-store",
        },
    )
