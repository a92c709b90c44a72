"""Deadlines that act: at 80% of the window (in office hours) a reminder, past due an escalation
to the unit's leads and the moderators, each once; scans by several workers at once, on a
controllable clock across a weekend and Tết."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backend.clock import HANOI
from backend.db import Database
from backend.moderation import repository as moderation_repository
from backend.notifications.service import deadlines
from backend.reports.service.rules import add_working_hours
from tests.moderation.conftest import report_doc
from tests.notifications import conftest as notification_fixtures
from tests.notifications.conftest import Clock

# The local FCM endpoint and a worker on a controllable clock (tests/notifications' fixtures).
local_fcm_server = notification_fixtures.local_fcm_server
fcm = notification_fixtures.fcm
clock = notification_fixtures.clock
fcm_settings = notification_fixtures.fcm_settings
db = notification_fixtures.db
firebase_app = notification_fixtures.firebase_app
make_worker = notification_fixtures.make_worker


def hanoi(*args: int) -> datetime:
    return datetime(*args, tzinfo=HANOI).astimezone(UTC)


@pytest.fixture
async def staff(db: Database, clock: Clock) -> None:
    """The Department of Construction (an officer and a lead), a ward office and a moderator."""
    for uid, role, department, areas, lead in (
        ("roads-1", "staff", "so-xay-dung", [], False),
        ("roads-lead", "staff", "so-xay-dung", [], True),
        ("ward-hk", "staff", "ubnd-phuong", ["00070"], False),
        ("mod-1", "moderator", None, [], False),
    ):
        await moderation_repository.set_staff_member(
            db,
            uid=uid,
            role=role,
            department=department,
            areas=areas,
            lead=lead,
            email=None,
            now=clock.now,
        )


async def given_report(db: Database, created: datetime, **changes: Any) -> Any:
    """A pothole filed at `created`, with the deadlines reportCreate gives it (8 office hours to
    acknowledge, 72 to resolve)."""
    due = add_working_hours(created, 8)
    deadlines_given = {
        "sla_due_at": due,
        "ack_due_at": due,
        "resolve_due_at": add_working_hours(created, 72),
    }
    doc = report_doc(created_at=created, **{**deadlines_given, **changes})
    await db.reports.insert_one(doc)
    return doc["_id"]


async def told(db: Database) -> list[tuple[str, str, str]]:
    notices = await db.staff_notices.find().sort("_id", 1).to_list(None)
    return [(n["kind"], n["uid"], n["stage"]) for n in notices]


async def scan_at(db: Database, clock: Clock, at: datetime) -> int:
    clock.now = at
    return await deadlines.scan(db, at)


def test_eighty_percent_is_counted_in_office_hours() -> None:
    # 8 office hours from Friday 15:00 end on Monday 14:00; 80% of them are gone at 12:24
    due = hanoi(2026, 3, 9, 14, 0)
    assert add_working_hours(hanoi(2026, 3, 6, 15, 0), 8) == due
    assert deadlines.subtract_working_hours(due, 1.6) == hanoi(2026, 3, 9, 12, 24)
    # and from Monday 09:00 back over the weekend: Friday 16:00
    assert deadlines.subtract_working_hours(hanoi(2026, 3, 9, 9, 0), 2) == hanoi(2026, 3, 6, 16, 0)


async def test_reminder_and_escalation_across_a_weekend(
    db: Database, clock: Clock, make_worker: Any, staff: None
) -> None:
    # given a pothole reported on Friday 15:00 (due Monday 14:00), assigned to nobody
    await given_report(db, hanoi(2026, 3, 6, 15, 0))

    # then nothing over the weekend, nor on Monday before 12:24 (80% of the office hours)
    for at in (hanoi(2026, 3, 7, 10, 0), hanoi(2026, 3, 8, 20, 0), hanoi(2026, 3, 9, 12, 23)):
        assert await scan_at(db, clock, at) == 0, at
    assert await told(db) == []

    # when it is 12:25, the department's staff are reminded, once
    assert await scan_at(db, clock, hanoi(2026, 3, 9, 12, 25)) == 2
    assert await scan_at(db, clock, hanoi(2026, 3, 9, 12, 40)) == 0
    reminders = [("reminder", "roads-1", "ack"), ("reminder", "roads-lead", "ack")]
    assert await told(db) == reminders

    # and the worker's digest (inbox and push) says by when, in Hanoi time
    worker = make_worker()
    await worker.run_housekeeping()
    await worker.run_once()
    items = await db.notifications.find({"uid": "roads-1"}).to_list(None)
    assert [item["body"]["en"] for item in items] == [
        "“Ổ gà lớn giữa đường Đinh Tiên Hoàng” must be acknowledged by 14:00 09/03/2026 "
        "(Hanoi time)."
    ]

    # when 14:00 passes, the lead and the moderators are told, once
    assert await scan_at(db, clock, hanoi(2026, 3, 9, 14, 1)) == 2
    assert await scan_at(db, clock, hanoi(2026, 3, 10, 9, 0)) == 0
    assert await told(db) == [
        *reminders,
        ("overdue", "roads-lead", "ack"),
        ("overdue", "mod-1", "ack"),
    ]


async def test_tet_holidays_do_not_count_and_the_assignee_is_reminded(
    db: Database, clock: Clock, staff: None
) -> None:
    # given a report filed on Friday 13 Feb 2026 at 16:00, the eve of Tết's week off
    # (14-22 Feb), assigned to one officer: its 8 office hours end on Monday 23 Feb 15:00
    created = hanoi(2026, 2, 13, 16, 0)
    await given_report(db, created, assignee="roads-1")
    assert add_working_hours(created, 8) == hanoi(2026, 2, 23, 15, 0)

    # then no reminder during Tết, though 80% of the calendar time is long gone by the 21st
    for day in range(14, 24):
        assert await scan_at(db, clock, hanoi(2026, 2, day, 9, 0)) == 0, day
    # and at 13:25 on the first working day after it, only the assignee is reminded
    assert await scan_at(db, clock, hanoi(2026, 2, 23, 13, 25)) == 1
    assert await told(db) == [("reminder", "roads-1", "ack")]


async def test_resolve_stage_and_a_new_cycle_after_reopening(
    db: Database, clock: Clock, staff: None
) -> None:
    # given an acknowledged URGENT pothole (4 office hours to resolve) from Monday 09:00
    created = hanoi(2026, 3, 2, 9, 0)
    report_id = await given_report(
        db,
        created,
        status="ACKNOWLEDGED",
        priority="URGENT",
        sla_due_at=add_working_hours(created, 4),
    )
    # then the reminder comes at 80% of the 4 hours (12:12), the escalation after 13:00
    assert await scan_at(db, clock, hanoi(2026, 3, 2, 12, 11)) == 0
    assert await scan_at(db, clock, hanoi(2026, 3, 2, 12, 13)) == 2
    assert await scan_at(db, clock, hanoi(2026, 3, 2, 13, 1)) == 2
    assert [kind for kind, _, stage in await told(db)] == ["reminder"] * 2 + ["overdue"] * 2
    assert {stage for _, _, stage in await told(db)} == {"resolve"}

    # when it is reopened (a new cycle with a new acknowledgement deadline), it is told again
    due = add_working_hours(hanoi(2026, 3, 3, 9, 0), 8)
    await db.reports.update_one(
        {"_id": report_id},
        {"$set": {"status": "REOPENED", "sla_due_at": due}, "$inc": {"reopen_count": 1}},
    )
    assert await scan_at(db, clock, due + timedelta(minutes=1)) == 2
    assert (await told(db))[-2:] == [("overdue", "roads-lead", "ack"), ("overdue", "mod-1", "ack")]


async def test_several_workers_scanning_at_once_tell_each_person_once(
    db: Database, clock: Clock, make_worker: Any, staff: None
) -> None:
    # given ten overdue reports of a ward office without a lead, and a moderator
    for _ in range(10):
        await given_report(db, hanoi(2026, 3, 2, 9, 0), category="noise", department="ubnd-phuong")
    clock.now = hanoi(2026, 3, 5, 9, 0)

    # when three workers run their scheduled jobs at the same moment
    workers = [make_worker() for _ in range(3)]
    await asyncio.gather(*(worker.run_housekeeping() for worker in workers))
    # and again a minute later (the next scan's turn)
    clock.advance(minutes=1)
    await asyncio.gather(*(worker.run_housekeeping() for worker in workers))

    # then the moderator was told once per report, and one digest holds them all
    assert await told(db) == [("overdue", "mod-1", "ack")] * 10
    assert await db.outbox.count_documents({"kind": "staff.digest"}) == 1
    reports = await db.reports.find({}, {"sla_alerts": 1}).to_list(None)
    assert all(doc["sla_alerts"] == ["ack.overdue.0"] for doc in reports)


async def test_the_scan_reads_through_an_index(db: Database, staff: None) -> None:
    now = datetime(2026, 3, 2, tzinfo=UTC)
    command = {
        "find": "reports",
        "filter": {"status": "SUBMITTED", "sla_due_at": {"$gte": now, "$lt": now + timedelta(1)}},
        "sort": {"sla_due_at": 1, "_id": 1},
    }
    explained = await db.command("explain", command, verbosity="queryPlanner")
    plan = str(explained["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in plan and "COLLSCAN" not in plan, plan
