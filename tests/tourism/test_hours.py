"""Opening hours in Hanoi time: ranges across midnight, always-open days, Tết exceptions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from backend.tourism.hours import HANOI, InvalidHoursError, OpeningHours

NIGHT_MARKET = OpeningHours.parse(
    {
        "weekly": {"fri": [["19:00", "02:00"]], "sat": [["19:00", "02:00"]]},
        "exceptions": [{"date": "2027-02-06", "closed": True, "note": {"en": "Tết"}}],
    }
)
TEMPLE = OpeningHours.parse(
    {
        "weekly": {d: [["08:00", "11:30"], ["13:30", "17:00"]] for d in ("mon", "tue", "sat")},
        "exceptions": [
            {"date": "2027-02-06", "closed": True},
            {"date": "2027-02-08", "hours": [["09:00", "12:00"]]},
        ],
    }
)
ALWAYS = OpeningHours.parse(
    {"weekly": {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}
)


def hanoi(*args: int) -> datetime:
    return datetime(*args, tzinfo=HANOI)


def test_range_across_midnight_is_open_after_midnight_of_the_next_day() -> None:
    # given a market open Friday 19:00 to 02:00 (2026-11-27 is a Friday)
    # then it is open late Friday, early Saturday, and closed at 02:00 and on Thursday night
    assert NIGHT_MARKET.is_open(hanoi(2026, 11, 27, 23, 30))
    assert NIGHT_MARKET.is_open(hanoi(2026, 11, 28, 1, 59))
    assert not NIGHT_MARKET.is_open(hanoi(2026, 11, 28, 2, 0))
    assert not NIGHT_MARKET.is_open(hanoi(2026, 11, 27, 0, 30))  # Thursday had no range


def test_instants_in_other_timezones_are_read_in_hanoi_time() -> None:
    # 17:30 UTC on Friday is 00:30 Saturday in Hanoi
    assert NIGHT_MARKET.is_open(datetime(2026, 11, 27, 17, 30, tzinfo=UTC))
    with pytest.raises(ValueError):
        NIGHT_MARKET.is_open(datetime(2026, 11, 27, 17, 30))  # naive


def test_next_opening_skips_closed_days_and_the_lunch_break() -> None:
    # given a Monday lunch break, then the next opening is 13:30 the same day
    assert TEMPLE.next_opening(hanoi(2026, 11, 23, 12, 0)) == hanoi(2026, 11, 23, 13, 30)
    # given Tuesday evening, then the next opening is Saturday morning
    assert TEMPLE.next_opening(hanoi(2026, 11, 24, 18, 0)) == hanoi(2026, 11, 28, 8, 0)
    # open now: no next opening
    assert TEMPLE.next_opening(hanoi(2026, 11, 23, 9, 0)) is None


def test_tet_exception_closes_a_normal_day_and_replaces_hours() -> None:
    # 2027-02-06 is a Saturday (normally open) but closed for Tết
    assert TEMPLE.is_open(hanoi(2027, 1, 30, 9, 0))
    assert not TEMPLE.is_open(hanoi(2027, 2, 6, 9, 0))
    # Monday 2027-02-08 has special hours 09:00-12:00
    assert not TEMPLE.is_open(hanoi(2027, 2, 8, 8, 30))
    assert TEMPLE.is_open(hanoi(2027, 2, 8, 11, 0))
    assert not TEMPLE.is_open(hanoi(2027, 2, 8, 14, 0))
    # closed on Tết: the next opening is the special Monday
    assert TEMPLE.next_opening(hanoi(2027, 2, 6, 9, 0)) == hanoi(2027, 2, 8, 9, 0)


def test_a_late_range_still_runs_into_a_closed_exception_day() -> None:
    # Friday 2027-02-05 19:00-02:00 belongs to Friday; Saturday's closure replaces Saturday's
    assert NIGHT_MARKET.is_open(hanoi(2027, 2, 6, 1, 0))
    assert not NIGHT_MARKET.is_open(hanoi(2027, 2, 6, 20, 0))


def test_always_open() -> None:
    assert ALWAYS.is_open(hanoi(2026, 11, 23, 0, 0))
    assert ALWAYS.is_open(hanoi(2026, 11, 23, 23, 59))
    assert ALWAYS.next_opening(hanoi(2026, 11, 23, 3, 0)) is None


def test_bad_times_are_refused() -> None:
    with pytest.raises(InvalidHoursError):
        OpeningHours.parse({"weekly": {"mon": [["8:75", "17:00"]]}})
    with pytest.raises(InvalidHoursError):
        OpeningHours.parse({"weekly": {"mon": [["08:00", "08:00"]]}})
