"""The clock and Hanoi's time zone, once for every domain.

Services take `now` as an argument (tests pass a controllable clock); only the edges (mutations,
routes, the worker) read `now()`. Vietnam has kept UTC+7 all year since 1975 (no DST), so a
fixed offset is exact for every date the app handles, needs no tz database, and, unlike the tz
database's local mean time of early years, never overflows at the ends of the calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

HANOI = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def now() -> datetime:
    """The current time, timezone-aware, in UTC (what the database stores)."""
    return datetime.now(UTC)
