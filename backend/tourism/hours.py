"""Opening hours in Hanoi time: weekly ranges (which may cross midnight) and dated exceptions.

A range belongs to the day it starts on: ["18:00", "02:00"] on Friday is open until 02:00 on
Saturday morning, and an exception (Tết closure) replaces the ranges that *start* on its date, so
a late Friday range still runs into a closed Saturday. ["00:00", "24:00"] is open all day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from backend.clock import HANOI

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead `next_opening` looks: longer than any Tết closure.
LOOKAHEAD_DAYS = 30

Minutes = tuple[int, int]  # (opens, closes) in minutes after the day's midnight; closes may be 1440


class InvalidHoursError(ValueError):
    """Content with an unreadable time or date."""


def parse_clock(value: str) -> int:
    """Minutes after midnight of "HH:MM" ("24:00" is 1440)."""
    try:
        hours, minutes = value.split(":")
        total = int(hours) * 60 + int(minutes)
    except ValueError:
        raise InvalidHoursError(f"not a time: {value!r}") from None
    if not 0 <= int(minutes) < 60 or not 0 <= total <= 24 * 60:
        raise InvalidHoursError(f"not a time: {value!r}")
    return total


def format_clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _ranges(raw: list[list[str]]) -> tuple[Minutes, ...]:
    ranges = []
    for pair in raw:
        if len(pair) != 2:
            raise InvalidHoursError(f"a range has two times: {pair!r}")
        opens, closes = parse_clock(pair[0]), parse_clock(pair[1])
        if opens == closes or opens == 24 * 60:
            raise InvalidHoursError(f"empty range: {pair!r}")
        ranges.append((opens, closes))
    return tuple(ranges)


@dataclass(frozen=True)
class HoursException:
    """A date whose ranges replace the weekly ones (closed when `ranges` is empty)."""

    day: date
    ranges: tuple[Minutes, ...]
    note: dict[str, str] = field(default_factory=dict)

    @property
    def closed(self) -> bool:
        return not self.ranges


@dataclass(frozen=True)
class OpeningHours:
    weekly: dict[str, tuple[Minutes, ...]]
    exceptions: dict[date, HoursException]

    @classmethod
    def parse(cls, raw: dict[str, Any] | None) -> OpeningHours:
        """Read the content format; raises InvalidHoursError on bad data."""
        raw = raw or {}
        weekly_raw = raw.get("weekly") or {}
        weekly = {day: _ranges(weekly_raw.get(day) or []) for day in WEEKDAYS}
        exceptions: dict[date, HoursException] = {}
        for item in raw.get("exceptions") or []:
            try:
                day = date.fromisoformat(item["date"])
            except (KeyError, ValueError):
                raise InvalidHoursError(f"exception without a valid date: {item!r}") from None
            ranges = () if item.get("closed") else _ranges(item.get("hours") or [])
            exceptions[day] = HoursException(day=day, ranges=ranges, note=item.get("note") or {})
        return cls(weekly=weekly, exceptions=exceptions)

    def ranges_on(self, day: date) -> tuple[Minutes, ...]:
        """The ranges that start on `day` (an exception wins over the weekly schedule)."""
        exception = self.exceptions.get(day)
        if exception is not None:
            return exception.ranges
        return self.weekly[WEEKDAYS[day.weekday()]]

    def intervals_starting(self, day: date) -> list[tuple[datetime, datetime]]:
        """Aware Hanoi datetimes of the ranges starting on `day`, crossing midnight as needed."""
        midnight = datetime.combine(day, time(0), tzinfo=HANOI)
        intervals = []
        for opens, closes in self.ranges_on(day):
            end = closes if closes > opens else closes + 24 * 60
            intervals.append(
                (midnight + timedelta(minutes=opens), midnight + timedelta(minutes=end))
            )
        return sorted(intervals)

    def is_open(self, at: datetime) -> bool:
        """Open at the instant `at` (any timezone; naive datetimes are refused).

        Ranges start and end on whole minutes, so one answer holds for a whole minute: the last
        minute asked is remembered (a list asks each place of the snapshot once per request).
        """
        local = _local(at)
        minute = local.replace(second=0, microsecond=0)
        last = self.__dict__.get("_open_in_minute")
        if last is not None and last[0] == minute:
            return bool(last[1])
        answer = self._open_at(local)
        # A memo on a frozen instance, written as functools.cached_property writes its own.
        self.__dict__["_open_in_minute"] = (minute, answer)
        return answer

    def _open_at(self, local: datetime) -> bool:
        today = local.date()
        for day in (today - timedelta(days=1), today):
            for start, end in self.intervals_starting(day):
                if start <= local < end:
                    return True
        return False

    def next_opening(self, at: datetime) -> datetime | None:
        """When a closed place next opens (None when open now or closed for the lookahead)."""
        if self.is_open(at):
            return None
        local = _local(at)
        for offset in range(LOOKAHEAD_DAYS + 1):
            for start, _ in self.intervals_starting(local.date() + timedelta(days=offset)):
                if start > local:
                    return start
        return None

    @property
    def is_empty(self) -> bool:
        return not any(self.weekly.values()) and not self.exceptions


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no instant: pass an aware one")
    return at.astimezone(HANOI)
