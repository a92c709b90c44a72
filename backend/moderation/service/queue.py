"""moderationQueue and reportStats: index-driven reads with the other filters checked here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from backend.auth.models import Viewer
from backend.db import Database
from backend.ids import parse_object_id
from backend.moderation.models import (
    URGENCY_ORDER,
    ModerationErrorCode,
    QueueFilter,
    QueueSort,
    SortDirection,
    Stats,
    StatsFilter,
)
from backend.moderation.service import flags as flag_service
from backend.moderation.service.common import ModerationError, forbidden, staff_department
from backend.pagination import (
    InvalidCursorError,
    Page,
    decode_cursor,
    encode_cursor,
    page_size,
)
from backend.reports import repository as report_repository
from backend.reports.models import OPEN_STATES, ReportDoc, ReportStatus
from backend.text import query_terms

# Documents read per batch and at most per page: a page whose filters match little comes back
# short (even empty) with hasNextPage and a cursor where the reading stopped.
BATCH = 100
MAX_SCAN = 2_000
# The text filter drives the search_terms index with one range (its longest word) and reads at
# most this many candidates; the other words and filters are checked on them, then sorted here.
MAX_TEXT_CANDIDATES = 1_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
RANKS = {priority.value: rank for rank, priority in enumerate(URGENCY_ORDER)}


def _key_value(doc: ReportDoc, sort: QueueSort) -> Any:
    value = report_repository.sort_value(doc, sort)
    value = value if value is not None else EPOCH
    if sort is QueueSort.URGENCY:
        return (RANKS.get(doc.priority, RANKS["NORMAL"]), value)
    return value


def _millis(value: datetime) -> int:
    return int((value - EPOCH) / timedelta(milliseconds=1))


def _encode(doc: ReportDoc, sort: QueueSort) -> str:
    value = _key_value(doc, sort)
    if sort is QueueSort.URGENCY:
        rank, due = value
        return encode_cursor([rank, _millis(due), str(doc.id)])
    if isinstance(value, datetime):
        value = _millis(value)
    return encode_cursor([value, str(doc.id)])


def _decode(cursor: str, sort: QueueSort) -> tuple[Any, ObjectId]:
    if sort is QueueSort.URGENCY:
        rank, millis, last = decode_cursor(cursor, 3)
        last_id = parse_object_id(last)
        if not isinstance(rank, int) or not isinstance(millis, int) or last_id is None:
            raise InvalidCursorError
        if not 0 <= rank < len(URGENCY_ORDER):
            raise InvalidCursorError
        return (rank, EPOCH + timedelta(milliseconds=millis)), last_id
    value, last = decode_cursor(cursor, 2)
    last_id = parse_object_id(last)
    if not isinstance(value, int) or last_id is None:
        raise InvalidCursorError
    if sort is QueueSort.ME_TOO_COUNT:
        return value, last_id
    return EPOCH + timedelta(milliseconds=value), last_id


def _matches(
    doc: ReportDoc,
    criteria: QueueFilter,
    statuses: list[ReportStatus],
    words: list[str],
    now: datetime,
) -> bool:
    if doc.status not in statuses:
        return False
    for wanted, actual in (
        (criteria.category, doc.category),
        (criteria.department, doc.department),
        (criteria.area, doc.area),
    ):
        if wanted is not None and wanted != actual:
            return False
    if criteria.areas is not None and doc.area not in criteria.areas:
        return False
    if criteria.assignee is not None and doc.assignee != criteria.assignee:
        return False
    if criteria.unassigned and doc.assignee is not None:
        return False
    if criteria.hidden is not None and doc.hidden != criteria.hidden:
        return False
    if criteria.flagged is not None and (doc.id in criteria.flagged_ids) != criteria.flagged:
        return False
    if criteria.overdue is not None:
        late = doc.status in OPEN_STATES and doc.sla_due_at is not None and doc.sla_due_at < now
        if late != criteria.overdue:
            return False
    if criteria.reopened is not None and (doc.reopen_count > 0) != criteria.reopened:
        return False
    if criteria.created_from is not None and doc.created_at < criteria.created_from:
        return False
    if criteria.created_to is not None and doc.created_at >= criteria.created_to:
        return False
    return all(any(term.startswith(word) for term in doc.search_terms) for word in words)


async def _with_flags(
    db: Database, criteria: QueueFilter, docs: list[ReportDoc], now: datetime
) -> QueueFilter:
    """The criteria with which of these reports have open flags, when `flagged` asks (one read
    of their flag counts by id, whatever the number of flags)."""
    if criteria.flagged is None or not docs:
        return criteria
    flagged_ids = await flag_service.open_flagged_reports(db, [doc.id for doc in docs], now=now)
    return QueueFilter(**{**criteria.__dict__, "flagged_ids": flagged_ids})


async def queue(
    *,
    db: Database,
    viewer: Viewer,
    criteria: QueueFilter,
    sort: QueueSort,
    direction: SortDirection,
    first: int | None,
    after: str | None,
    now: datetime,
) -> Page[ReportDoc]:
    """Reports to handle, in the asked order; staff see only their department's."""
    size = page_size(first)
    department = staff_department(viewer)
    if department is not None:
        if criteria.department not in (None, department):
            raise forbidden(
                en="Staff see only their department's reports",
                vi="Cán bộ chỉ xem được phản ánh của đơn vị mình",
            )
        criteria = QueueFilter(**{**criteria.__dict__, "department": department})
        if viewer.areas:
            if criteria.area is not None and criteria.area not in viewer.areas:
                raise forbidden(
                    en="Staff see only the reports of their ward or commune",
                    vi="Cán bộ chỉ xem được phản ánh của phường, xã mình",
                )
            criteria = QueueFilter(**{**criteria.__dict__, "areas": frozenset(viewer.areas)})
    statuses = [criteria.status] if criteria.status else sorted(OPEN_STATES)
    descending = direction is SortDirection.DESC
    position = _decode(after, sort) if after is not None else None
    words = query_terms(criteria.text or "")
    if criteria.text and not words:
        raise ModerationError(
            ModerationErrorCode.INVALID_INPUT,
            en="Nothing to search",
            vi="Không có gì để tìm",
            field="text",
        )

    def key(doc: ReportDoc) -> tuple[Any, ObjectId]:
        return (_key_value(doc, sort), doc.id)

    if words:
        # One index range on the longest (most selective) word; everything else checked here.
        candidates = await report_repository.text_candidates(
            db, max(words, key=len), MAX_TEXT_CANDIDATES
        )
        checked = await _with_flags(db, criteria, candidates, now)
        found = sorted(
            (d for d in candidates if _matches(d, checked, statuses, words, now)),
            key=key,
            reverse=descending,
        )
        if position is not None:
            found = [d for d in found if (key(d) < position if descending else key(d) > position)]
        page = found[:size]
        cursors = [_encode(d, sort) for d in page]
        return Page(page, cursors, has_next_page=len(found) > size)

    # The most selective filter drives the index (a category belongs to one department); the
    # others are checked on what it returns.
    if criteria.assignee is not None:
        prefix = {"assignee": criteria.assignee}  # one person's reports: the most selective
    elif criteria.category is not None:
        prefix = {"category": str(criteria.category)}
    elif criteria.areas is not None and len(criteria.areas) == 1 and criteria.area is None:
        (only,) = criteria.areas
        prefix = {"area": only}  # a ward office's own unit
    elif department is not None or criteria.department is not None:
        prefix = {"department": str(criteria.department)}
    elif criteria.area is not None:
        prefix = {"area": criteria.area}
    else:
        prefix = {}
    matched: list[ReportDoc] = []
    scanned = 0
    exhausted = False
    last_read: ReportDoc | None = None
    while len(matched) <= size and scanned < MAX_SCAN:
        batch = await _batch(
            db, prefix=prefix, statuses=statuses, sort=sort, descending=descending, after=position
        )
        checked = await _with_flags(db, criteria, batch, now)
        for doc in batch:
            scanned += 1
            last_read = doc
            position = key(doc)
            if _matches(doc, checked, statuses, words, now):
                matched.append(doc)
                if len(matched) > size:
                    break
        if len(batch) < BATCH:
            exhausted = True
            break
    page = matched[:size]
    cursors = [_encode(d, sort) for d in page]
    if len(matched) > size:
        return Page(page, cursors, has_next_page=True)
    if exhausted or last_read is None:
        return Page(page, cursors, has_next_page=False)
    # The read budget ran out: continue from the last document read, not the last one shown.
    return Page(page, cursors, has_next_page=True, resume_at=_encode(last_read, sort))


async def _batch(
    db: Database,
    *,
    prefix: dict[str, str],
    statuses: list[ReportStatus],
    sort: QueueSort,
    descending: bool,
    after: tuple[Any, ObjectId] | None,
) -> list[ReportDoc]:
    """The next BATCH reports in queue order. URGENCY reads one priority after another (an
    equality on the queue_..._priority_sla indexes), each by deadline, from the cursor's."""
    if sort is not QueueSort.URGENCY:
        return await report_repository.queue_batch(
            db,
            prefix=prefix,
            statuses=statuses,
            sort=sort,
            descending=descending,
            after=after,
            limit=BATCH,
        )
    ranks = list(range(len(URGENCY_ORDER)))
    ranks = ranks[::-1] if descending else ranks
    if after is not None:
        (rank, due), last_id = after
        ranks = ranks[ranks.index(rank) :]
    found: list[ReportDoc] = []
    for rank in ranks:
        within = (due, last_id) if after is not None and rank == after[0][0] else None
        found += await report_repository.queue_batch(
            db,
            prefix={**prefix, "priority": URGENCY_ORDER[rank].value},
            statuses=statuses,
            sort=QueueSort.SLA_DUE_AT,
            descending=descending,
            after=within,
            limit=BATCH - len(found),
        )
        if len(found) >= BATCH:
            break
    return found


async def stats(*, db: Database, viewer: Viewer, criteria: StatsFilter) -> Stats:
    """reportStats; staff get their department's figures only."""
    department = staff_department(viewer)
    if department is not None:
        if criteria.department not in (None, department):
            raise forbidden(
                en="Staff see only their department's statistics",
                vi="Cán bộ chỉ xem được số liệu của đơn vị mình",
            )
        criteria = StatsFilter(**{**criteria.__dict__, "department": department})
        if viewer.areas:
            if criteria.area is not None and criteria.area not in viewer.areas:
                raise forbidden(
                    en="Staff see only the statistics of their ward or commune",
                    vi="Cán bộ chỉ xem được số liệu của phường, xã mình",
                )
            criteria = StatsFilter(**{**criteria.__dict__, "areas": frozenset(viewer.areas)})
    return await report_repository.report_stats(db, criteria)
