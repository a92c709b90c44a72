"""Deadlines that act: the worker's scan of open reports against their working-hours deadline.

At 80% of the acknowledge or resolve window (counted in office hours, so a window that spans a
weekend or Tết reminds on the last working day, not on Sunday) the assignee, or the unit's
staff when nobody is assigned, gets a reminder; once past due, the unit's leads and the
moderators are told. Each stage is told once per cycle (a reopened report starts a new one):
the report records it with a conditional update in the same transaction as the notices, so
two workers scanning at once tell nobody twice. The scan itself runs at most once per SCAN_EVERY
across all workers (a slot, as the push windows).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.asynchronous.client_session import AsyncClientSession

from backend.clock import HANOI
from backend.db import Database, run_transaction
from backend.moderation import repository as moderation_repository
from backend.moderation.models import Priority
from backend.notifications import repository as notification_repository
from backend.notifications.models import StaffNoticeKind
from backend.notifications.service import staff as staff_notices
from backend.reports import repository as report_repository
from backend.reports.models import AWAITING_ACKNOWLEDGEMENT, OPEN_STATES, CategoryDoc, ReportDoc
from backend.reports.service.rules import (
    URGENT_RESOLVE_HOURS,
    WORK_END_HOUR,
    WORK_START_HOUR,
    is_working_day,
)

SCAN_EVERY = timedelta(minutes=1)
REMIND_AT = 0.8  # of the window
# Reports due further ahead than this cannot be at 80% yet (the longest window, 120 office
# hours, leaves 24 office hours: under a week even across Tết's nine days off).
LOOKAHEAD = timedelta(days=21)
# Overdue reports older than this were escalated long ago (or predate the scan).
LOOKBACK = timedelta(days=60)
BATCH = 500


def subtract_working_hours(end: datetime, hours: float) -> datetime:
    """`end` minus `hours` of office time (08:00-17:00 Hanoi time on working days), in UTC."""
    t = end.astimezone(HANOI)
    remaining = timedelta(hours=hours)
    while True:
        day_start = t.replace(hour=WORK_START_HOUR, minute=0, second=0, microsecond=0)
        day_end = t.replace(hour=WORK_END_HOUR, minute=0, second=0, microsecond=0)
        if t <= day_start or not is_working_day(t.date()):
            t = day_end - timedelta(days=1)
            continue
        t = min(t, day_end)
        if remaining <= t - day_start:
            return (t - remaining).astimezone(UTC)
        remaining -= t - day_start
        t = day_end - timedelta(days=1)


def stage_of(report: ReportDoc) -> str:
    return "ack" if report.status in AWAITING_ACKNOWLEDGEMENT else "resolve"


def window_hours(report: ReportDoc, acknowledge_hours: int, resolve_hours: int) -> float:
    if stage_of(report) == "ack":
        return acknowledge_hours
    if report.priority == Priority.URGENT.value:
        return min(resolve_hours, URGENT_RESOLVE_HOURS)
    return resolve_hours


async def scan(db: Database, now: datetime) -> int:
    """The worker's job: reminders and escalations due now; how many notices were written."""
    if not await notification_repository.claim_slot(db, "job:deadlines", now=now, every=SCAN_EVERY):
        return 0
    told = 0
    categories: dict[str, CategoryDoc | None] = {}  # a handful, read once per scan
    for status in sorted(OPEN_STATES):
        due_from = now - LOOKBACK
        while True:
            batch = await report_repository.deadline_batch(
                db, status=status, due_from=due_from, due_to=now + LOOKAHEAD, limit=BATCH
            )
            for report in batch:
                told += await _check(db, report, now, categories)
            if len(batch) < BATCH:
                break
            due_from = batch[-1].sla_due_at or due_from  # ties re-read: stages are idempotent
    return told


async def _check(
    db: Database, report: ReportDoc, now: datetime, categories: dict[str, CategoryDoc | None]
) -> int:
    due = report.sla_due_at
    if due is None or report.hidden:
        return 0
    stage = stage_of(report)
    overdue_key = f"{stage}.overdue.{report.reopen_count}"
    reminder_key = f"{stage}.reminder.{report.reopen_count}"
    if due <= now:
        if overdue_key in report.sla_alerts:
            return 0
        leads = await staff_notices.unit_staff(db, report, leads_only=True)
        moderators = [member.uid for member in await moderation_repository.moderators(db)]
        told = leads + moderators
        return await _tell(db, report, overdue_key, StaffNoticeKind.OVERDUE, told, now)
    if reminder_key in report.sla_alerts:
        return 0
    if report.category not in categories:
        categories[report.category] = await report_repository.get_category(db, report.category)
    category = categories[report.category]
    if category is None:
        return 0
    hours = window_hours(report, category.acknowledge_hours, category.resolve_hours)
    if now < subtract_working_hours(due, hours * (1 - REMIND_AT)):
        return 0
    uids = [report.assignee] if report.assignee else await staff_notices.unit_staff(db, report)
    return await _tell(db, report, reminder_key, StaffNoticeKind.REMINDER, uids, now)


async def _tell(
    db: Database,
    report: ReportDoc,
    key: str,
    kind: StaffNoticeKind,
    uids: list[str],
    now: datetime,
) -> int:
    async def write(session: AsyncClientSession) -> int:
        if not await report_repository.mark_sla_alert(db, report.id, key, session=session):
            return 0  # another worker told them
        return await staff_notices.notify(
            db,
            uids=uids,
            kind=kind,
            report=report,
            now=now,
            session=session,
            due_at=report.sla_due_at,
            stage=stage_of(report),
        )

    return await run_transaction(db, write)
