"""Working days for report deadlines: Vietnam's holidays from `holidays`, announced swaps from
content/reports/holiday_adjustments.json. Pure rules, no database."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from holidays import country_holidays

from backend.reports.service import rules
from backend.reports.service.rules import (
    HANOI,
    HOLIDAY_ADJUSTMENTS_FILE,
    URGENT_RESOLVE_HOURS,
    add_working_hours,
    holiday_adjustments,
    is_working_day,
    public_holidays,
)
from backend.settings import ROOT

# The weekdays of content/reports/holidays.json, the hand-kept list this calendar replaces (see
# git history): Labour Code 2019 art. 112, the Ministry of Home Affairs' Tết 2026 plan (break
# 14-22 Feb, weekdays 16-20 Feb) and an assumed Tết 2027 (4-5 and 8-10 Feb, not yet announced).
OLD_FILE = frozenset(
    date.fromisoformat(day)
    for day in (
        "2026-01-01",
        "2026-02-16",
        "2026-02-17",
        "2026-02-18",
        "2026-02-19",
        "2026-02-20",
        "2026-04-27",
        "2026-04-30",
        "2026-05-01",
        "2026-09-01",
        "2026-09-02",
        "2027-01-01",
        "2027-02-04",
        "2027-02-05",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-04-16",
        "2027-04-30",
        "2027-05-03",
        "2027-09-02",
        "2027-09-03",
    )
)

CULTURAL_DAY = (
    "Vietnam Cultural Day (24 Nov), a day off from 2026 in the library, which cites Resolution "
    "80-NQ/TW; it was decided after the old file was written"
)
# Every weekday of 2026-2027 on which the library and the old file disagree, with the reason.
# "library" = the library has a day off the old file lacked; "old file" = the reverse.
EXPECTED_DIFFERENCES: dict[date, tuple[str, str]] = {
    date(2026, 8, 31): (
        "library",
        "National Day 2026 bridge day: Mon 31 Aug off in exchange for Sat 22 Aug worked, "
        "announced after the old file (which had 1-2 Sep only); the library carries the day "
        "off, holiday_adjustments.json carries both it and the worked Saturday",
    ),
    date(2026, 11, 24): ("library", CULTURAL_DAY),
    date(2027, 11, 24): ("library", CULTURAL_DAY),
}


def hanoi(year: int, month: int, day: int, hour: int) -> datetime:
    return datetime(year, month, day, hour, tzinfo=HANOI)


def library_weekdays(year: int) -> set[date]:
    """The library's days off in `year` that fall Mon-Fri (weekends are never working days)."""
    return {day for day in country_holidays("VN", years=year) if day.weekday() < 5}


def lunar_new_year(year: int) -> date:
    """Mùng 1 Tết of `year` according to the library."""
    names = country_holidays("VN", years=year, language="en_US")
    return next(day for day, name in names.items() if name == "Lunar New Year")


# --- (a) the library against the old hand-kept list ------------------------------------------


def test_library_agrees_with_the_old_file_but_for_explained_days() -> None:
    # given the library's weekdays off in 2026-2027 and the old file's
    library = library_weekdays(2026) | library_weekdays(2027)
    # then they differ on exactly the explained days, in the explained direction
    found = {day: "library" if day in library else "old file" for day in library ^ OLD_FILE}
    assert found == {day: side for day, (side, _) in EXPECTED_DIFFERENCES.items()}
    assert all(reason for _, reason in EXPECTED_DIFFERENCES.values())
    # the Tết weeks agree: 2026 as announced, 2027 as the old file assumed it (Mùng 1 on a
    # Saturday: Saturday's day moves back to Thu 4 Feb, Sunday's forward to Wed 10 Feb)
    assert lunar_new_year(2026) == date(2026, 2, 17)
    assert lunar_new_year(2027) == date(2027, 2, 6)


def test_the_calendar_keeps_every_day_of_the_old_file() -> None:
    # given the calendar the deadlines use (library plus the content file)
    calendar = public_holidays(2026) | public_holidays(2027)
    # then every old day is still off, and the only new ones are the explained ones
    assert calendar - OLD_FILE == set(EXPECTED_DIFFERENCES)
    assert calendar >= OLD_FILE


# --- the content file ---------------------------------------------------------------------------


def test_adjustments_file_is_well_formed() -> None:
    items = orjson.loads(HOLIDAY_ADJUSTMENTS_FILE.read_bytes())["adjustments"]
    days = [date.fromisoformat(item["date"]) for item in items]
    assert days == sorted(set(days)), "one entry per date, in date order"
    for item, day in zip(items, days, strict=True):
        assert item["kind"] in {"day_off", "working_day"}
        assert item["name"]["vi"] and item["name"]["en"] and item["source"]
        if item["kind"] == "day_off":
            assert day.weekday() < 5, f"{day}: a weekend is off anyway"
        else:
            # a worked day overrides something: a weekend, or a weekday the library keeps off
            assert day.weekday() >= 5 or day in library_weekdays(day.year), day


def test_every_swap_in_the_library_has_its_worked_day_in_the_file() -> None:
    # given the library's announced swaps ("Day off (substituted from MM/DD/YYYY)") from 2026:
    # the library lists the day off only, not the Saturday worked in exchange
    adjustments = holiday_adjustments()
    for year in range(2026, 2101):
        for day, name in country_holidays("VN", years=year, language="en_US").items():
            found = re.search(r"substituted from (\d\d)/(\d\d)/(\d{4})", name)
            if found is None:
                continue
            month, dom, worked_year = (int(part) for part in found.groups())
            worked = date(worked_year, month, dom)
            # then the file lists both, so that worked Saturday counts
            assert worked in adjustments.working_days, f"{day} {name}: add {worked} to the file"
            assert day in adjustments.days_off, f"{day} {name}: add it to the file"


@pytest.fixture
def adjustments_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch adjustments file in place of content's; the caches are emptied around it."""
    path = tmp_path / "holiday_adjustments.json"
    monkeypatch.setattr(rules, "HOLIDAY_ADJUSTMENTS_FILE", path)
    holiday_adjustments.cache_clear()
    public_holidays.cache_clear()
    yield path
    holiday_adjustments.cache_clear()
    public_holidays.cache_clear()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"date": "2028-01-31", "kind": "holiday"}], "unknown kind 'holiday'"),
        (
            [
                {"date": "2028-01-31", "kind": "day_off"},
                {"date": "2028-01-31", "kind": "working_day"},
            ],
            "both off and worked",
        ),
    ],
)
def test_a_contradictory_file_is_refused(
    adjustments_file: Path, entries: list[dict[str, str]], message: str
) -> None:
    # given a file with an unknown kind or a date both off and worked
    adjustments_file.write_bytes(orjson.dumps({"adjustments": entries}))
    # then reading it fails loudly instead of guessing
    with pytest.raises(ValueError, match=message):
        holiday_adjustments()


# --- (b) deadlines of a report filed the Friday before Tết, by hand -------------------------


def test_sla_windows_of_the_hand_computed_deadlines() -> None:
    # the windows below, as content and the rules set them: acknowledge 8 h, URGENT 4 h, a
    # pothole resolved within 72 h
    categories = orjson.loads((ROOT / "content/reports/categories.json").read_bytes())
    pothole = next(c for c in categories["categories"] if c["slug"] == "pothole")
    assert pothole["sla_hours"] == {"acknowledge": 8, "resolve": 72}
    assert URGENT_RESOLVE_HOURS == 4


def test_deadlines_across_tet_2028() -> None:
    # given Tết 2028: Mùng 1 = Wed 26 Jan 2028. The law's five days are the eve (Tue 25), Mùng
    # 1-3 (Wed 26 - Fri 28) and Mùng 4 (Sat 29), which moves back to Mon 24 Jan (the library's
    # rule for a Tết day on a Saturday). So Sat 22 Jan - Sun 30 Jan is all off; back Mon 31 Jan.
    assert lunar_new_year(2028) == date(2028, 1, 26)
    tet_week = {date(2028, 1, 24) + timedelta(days=n) for n in range(5)}
    assert tet_week <= public_holidays(2028)
    assert not any(is_working_day(date(2028, 1, 22) + timedelta(days=n)) for n in range(9))
    assert is_working_day(date(2028, 1, 21)) and is_working_day(date(2028, 1, 31))
    # when a report is filed on Friday 21 Jan 2028 at 15:00, 2 working hours remain that day
    filed = hanoi(2028, 1, 21, 15)
    # then acknowledge (8 h): 2 h on Friday, 6 h from Mon 31 Jan 08:00 -> Mon 31 Jan 14:00
    assert add_working_hours(filed, 8) == hanoi(2028, 1, 31, 14)
    # then URGENT (4 h): 2 h on Friday, 2 h on Monday -> Mon 31 Jan 10:00
    assert add_working_hours(filed, 4) == hanoi(2028, 1, 31, 10)
    # then a pothole (72 h): 2 h on Friday, 70 h = 7 full 9-hour days (Mon 31 Jan - Fri 4 Feb,
    # Mon 7 - Tue 8 Feb: 63 h) + 7 h on Wed 9 Feb -> Wed 9 Feb 15:00 (no holiday in early Feb)
    assert add_working_hours(filed, 72) == hanoi(2028, 2, 9, 15)
    # with no holidays at all (what the old file gave for 2028) the acknowledgement would be due
    # a week early, on Mon 24 Jan, in the middle of Tết
    assert add_working_hours(filed, 8, holidays=set()) == hanoi(2028, 1, 24, 14)


def test_deadlines_across_tet_2029() -> None:
    # given Tết 2029: Mùng 1 = Tue 13 Feb 2029. The law's five days are the eve (Mon 12) and
    # Mùng 1-4 (Tue 13 - Fri 16), all weekdays, so nothing moves: Sat 10 - Sun 18 Feb is off.
    assert lunar_new_year(2029) == date(2029, 2, 13)
    tet_week = {date(2029, 2, 12) + timedelta(days=n) for n in range(5)}
    assert tet_week <= public_holidays(2029)
    assert not any(is_working_day(date(2029, 2, 10) + timedelta(days=n)) for n in range(9))
    # when a report is filed on Friday 9 Feb 2029 at 15:00, 2 working hours remain that day
    filed = hanoi(2029, 2, 9, 15)
    # then acknowledge (8 h): 2 h on Friday, 6 h from Mon 19 Feb 08:00 -> Mon 19 Feb 14:00
    assert add_working_hours(filed, 8) == hanoi(2029, 2, 19, 14)
    # then URGENT (4 h): 2 h on Friday, 2 h on Monday -> Mon 19 Feb 10:00
    assert add_working_hours(filed, 4) == hanoi(2029, 2, 19, 10)
    # then a pothole (72 h): 2 h on Friday, 70 h = 7 full days (Mon 19 - Fri 23 Feb, Mon 26 -
    # Tue 27 Feb: 63 h) + 7 h on Wed 28 Feb -> Wed 28 Feb 15:00
    assert add_working_hours(filed, 72) == hanoi(2029, 2, 28, 15)
    # a report filed after hours on that Friday starts the clock on Mon 19 Feb 08:00
    assert add_working_hours(hanoi(2029, 2, 9, 18), 4) == hanoi(2029, 2, 19, 12)


# --- (c) a Saturday worked in exchange counts --------------------------------------------------


def test_a_worked_saturday_counts_and_its_swapped_day_does_not() -> None:
    # given the 2026 National Day swap: Sat 22 Aug worked, Mon 31 Aug off
    assert is_working_day(date(2026, 8, 22))
    assert not is_working_day(date(2026, 8, 29))  # an ordinary Saturday
    assert not is_working_day(date(2026, 8, 31))
    # when 8 h are added to Friday 21 Aug 16:00, then 1 h on Friday and 7 h on Saturday 22 Aug
    assert add_working_hours(hanoi(2026, 8, 21, 16), 8) == hanoi(2026, 8, 22, 15)
    # (Mon-Fri with the same days off would have waited for Monday)
    days_off = public_holidays(2026)
    assert add_working_hours(hanoi(2026, 8, 21, 16), 8, holidays=days_off) == hanoi(2026, 8, 24, 15)
    # when 4 h are added to Friday 28 Aug 16:00, then 1 h on Friday; the weekend, Mon 31 Aug
    # (swapped), Tue 1 and Wed 2 Sep (National Day) are off; 3 h on Thu 3 Sep -> 11:00
    assert add_working_hours(hanoi(2026, 8, 28, 16), 4) == hanoi(2026, 9, 3, 11)


# --- (d) every year has its holidays ----------------------------------------------------------


@pytest.mark.parametrize("year", range(2030, 2101))
def test_later_years_have_their_holidays(year: int) -> None:
    # given a year no file ever listed, then the law's 11 days off are there (each on a
    # weekday, moved there when they fall on a weekend), Tết's five among them
    days = public_holidays(year)
    assert len(days) >= 11
    assert any(date(year, 1, d) in days for d in (1, 2, 3))  # New Year or its in-lieu day
    tet = lunar_new_year(year)
    assert len({day for day in days if abs((day - tet).days) <= 6}) >= 5
    assert not is_working_day(tet) and not is_working_day(date(year, 9, 2))


def test_a_year_past_the_lunar_tables_is_refused() -> None:
    # given 2101, past the library's lunar calendar, then an error rather than no holidays
    with pytest.raises(LookupError, match="2101"):
        public_holidays(2101)
