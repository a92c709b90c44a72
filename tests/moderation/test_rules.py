"""Pure rules: the status state machine and working hours across weekends and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from backend.clock import HANOI
from backend.moderation.models import TRANSITIONS, can_transition
from backend.reports.models import ReportStatus as S
from backend.reports.service.rules import add_working_hours, public_holidays

LEGAL = {
    (S.SUBMITTED, S.ACKNOWLEDGED),
    (S.SUBMITTED, S.IN_PROGRESS),
    (S.SUBMITTED, S.RESOLVED),
    (S.SUBMITTED, S.REJECTED),
    (S.REOPENED, S.ACKNOWLEDGED),
    (S.REOPENED, S.IN_PROGRESS),
    (S.REOPENED, S.RESOLVED),
    (S.REOPENED, S.REJECTED),
    (S.ACKNOWLEDGED, S.IN_PROGRESS),
    (S.ACKNOWLEDGED, S.RESOLVED),
    (S.ACKNOWLEDGED, S.REJECTED),
    (S.IN_PROGRESS, S.ACKNOWLEDGED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.IN_PROGRESS, S.REJECTED),
}
ALL_PAIRS = [(a, b) for a in S for b in S]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS, ids=lambda s: s.value)
def test_state_machine_table(current: S, target: S) -> None:
    # given every (from, to) pair of statuses, then exactly the table's pairs are legal
    assert can_transition(current, target) is ((current, target) in LEGAL)


def test_state_machine_covers_every_status() -> None:
    assert set(TRANSITIONS) == set(S)
    # DUPLICATE comes only from reportMerge, REOPENED only from residents' reportReopen
    assert not any(
        S.DUPLICATE in targets or S.REOPENED in targets for targets in TRANSITIONS.values()
    )


def hanoi(*args: int) -> datetime:
    return datetime(*args, tzinfo=HANOI)


def test_working_hours_skip_the_weekend() -> None:
    # given Friday 15:00, when 8 working hours are added, then 2 h on Friday and 6 h on Monday
    due = add_working_hours(hanoi(2026, 3, 6, 15), 8, holidays=set())
    assert due == hanoi(2026, 3, 9, 14).astimezone(UTC)
    # given a Saturday, then the clock starts on Monday 08:00
    assert add_working_hours(hanoi(2026, 3, 7, 10), 1, holidays=set()) == hanoi(2026, 3, 9, 9)


def test_working_hours_skip_a_holiday_and_tet() -> None:
    # given Wednesday 29 April 2026 16:00 and the 30/4 + 1/5 holidays, when 4 h are added,
    # then 1 h on Wednesday, nothing on Thu/Fri (holidays) nor the weekend, 3 h on Monday 4 May
    due = add_working_hours(hanoi(2026, 4, 29, 16), 4)
    assert due == hanoi(2026, 5, 4, 11)
    # the same without holidays would end on Thursday
    assert add_working_hours(hanoi(2026, 4, 29, 16), 4, holidays=set()) == hanoi(2026, 4, 30, 11)
    # given Friday 13 Feb 2026 16:00 before Tết, 2 h land on Monday 23 Feb (16-20 Feb off)
    assert add_working_hours(hanoi(2026, 2, 13, 16), 2) == hanoi(2026, 2, 23, 9)


def test_holiday_calendar_has_both_years() -> None:
    days = public_holidays(2026) | public_holidays(2027)
    assert {date(2026, 1, 1), date(2026, 2, 17), date(2026, 9, 2), date(2027, 2, 8)} <= days
    assert all(day.weekday() < 5 for day in days)  # weekends are never listed
