"""Rules shared by the report services: errors, working-hours deadlines, who sees what."""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import orjson
from bson import ObjectId
from holidays import country_holidays
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import ratelimit
from backend.auth.models import Viewer
from backend.clock import HANOI
from backend.db import Database, run_transaction
from backend.errors import DomainError, DomainErrors
from backend.ids import parse_object_id
from backend.media import repository as media_repository
from backend.reports.models import (
    ReportErrorCode,
)
from backend.settings import ROOT

T = TypeVar("T")

DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4_000
ADDRESS_MAX = 300
REASON_MIN, REASON_MAX = 10, 2_000
COMMENT_MAX = 1_000
MAX_PHOTOS = 5
MAX_DUPLICATES = 5
REOPEN_WINDOW = timedelta(days=30)
CREATE_LIMITS = (ratelimit.hourly(6), ratelimit.daily(20))
ME_TOO_MILESTONES = frozenset({5, 10, 25, 50, 100, 250, 500, 1000})

# Working hours of Hanoi's offices. Vietnam keeps UTC+7 all year (no DST since 1975), so a fixed
# offset is exact and needs no tz database. Days off: the Labour Code's public holidays (New Year,
# Tết by the lunar calendar, Hùng Kings, 30/4, 1/5, 2/9...) and their in-lieu days come from the
# `holidays` library, computed for any year; what the government announces year by year on top
# (extra days off, Saturdays worked in exchange) from content/reports/holiday_adjustments.json.
WORK_START_HOUR, WORK_END_HOUR = 8, 17
# URGENT priority (hazards): resolved within 4 working hours (Hanoi's iHanoi rules).
URGENT_RESOLVE_HOURS = 4
HOLIDAY_ADJUSTMENTS_FILE = ROOT / "content" / "reports" / "holiday_adjustments.json"


class ReportError(DomainError):
    def __init__(
        self, code: ReportErrorCode, *, en: str, vi: str, field: str | None = None
    ) -> None:
        super().__init__(code, en=en, vi=vi, field=field)


class ReportInputErrors(DomainErrors):
    """Several field errors at once (mobile forms show them together)."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(ReportErrorCode.INVALID_INPUT, errors)


class RateLimitedError(ReportError):
    def __init__(self, limited: ratelimit.RateLimited) -> None:
        window_vi = {"hour": "giờ", "day": "ngày"}.get(limited.window.name, limited.window.name)
        super().__init__(
            ReportErrorCode.RATE_LIMITED,
            en=f"Too many reports this {limited.window.name}: try again in "
            f"{limited.retry_after_seconds} seconds (at {limited.retry_at.isoformat()})",
            vi=f"Bạn đã gửi quá nhiều phản ánh trong {window_vi} này: hãy thử lại sau "
            f"{limited.retry_after_seconds} giây (lúc {limited.retry_at.isoformat()})",
        )
        self.retry_after_seconds = limited.retry_after_seconds

    def payload_fields(self) -> dict[str, Any]:
        return {"retry_after_seconds": self.retry_after_seconds}


def not_found() -> ReportError:
    return ReportError(
        ReportErrorCode.NOT_FOUND,
        en="No such report",
        vi="Không tìm thấy phản ánh này",
        field="reportId",
    )


# --- rules about time and visibility ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HolidayAdjustments:
    """What the government announced on top of the law: extra days off, days worked instead."""

    days_off: frozenset[date]
    working_days: frozenset[date]


@functools.cache
def holiday_adjustments() -> HolidayAdjustments:
    """content/reports/holiday_adjustments.json (read once per process: the file ships with it)."""
    found: dict[str, set[date]] = {"day_off": set(), "working_day": set()}
    for item in orjson.loads(HOLIDAY_ADJUSTMENTS_FILE.read_bytes())["adjustments"]:
        if item["kind"] not in found:
            raise ValueError(f"{HOLIDAY_ADJUSTMENTS_FILE.name}: unknown kind {item['kind']!r}")
        found[item["kind"]].add(date.fromisoformat(item["date"]))
    if both := found["day_off"] & found["working_day"]:
        raise ValueError(f"{HOLIDAY_ADJUSTMENTS_FILE.name}: both off and worked: {sorted(both)}")
    return HolidayAdjustments(frozenset(found["day_off"]), frozenset(found["working_day"]))


@functools.lru_cache(maxsize=32)
def public_holidays(year: int) -> frozenset[date]:
    """Weekdays off in `year`: holidays by law and their in-lieu days, plus announced days off."""
    law = country_holidays("VN", years=year)
    # Past the library's lunar tables (2100) it returns no holidays at all: refuse rather than
    # count Tết as working days and give a deadline that is silently early.
    if not law.start_year <= year <= law.end_year:
        raise LookupError(f"No Vietnamese holiday calendar for {year}")
    adjustments = holiday_adjustments()
    days = {day for day in law if day.year == year}
    days |= {day for day in adjustments.days_off if day.year == year}
    return frozenset(
        day for day in days if day.weekday() < 5 and day not in adjustments.working_days
    )


def is_working_day(day: date) -> bool:
    """Mon-Fri except public holidays and announced days off, plus Saturdays announced as worked."""
    if day in holiday_adjustments().working_days:
        return True
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_hours(
    start: datetime, hours: float, holidays: Collection[date] | None = None
) -> datetime:
    """`start` plus `hours` of office time (08:00-17:00 Hanoi time on an `is_working_day`), in
    UTC; `holidays`, when given, replaces Vietnam's calendar by Mon-Fri without those days."""

    def works(day: date) -> bool:
        if holidays is None:
            return is_working_day(day)
        return day.weekday() < 5 and day not in holidays

    t = start.astimezone(HANOI)
    remaining = timedelta(hours=hours)
    while True:
        day_start = t.replace(hour=WORK_START_HOUR, minute=0, second=0, microsecond=0)
        day_end = t.replace(hour=WORK_END_HOUR, minute=0, second=0, microsecond=0)
        if t >= day_end or not works(t.date()):
            t = day_start + timedelta(days=1)
            continue
        t = max(t, day_start)
        if remaining <= day_end - t:
            return (t + remaining).astimezone(UTC)
        remaining -= day_end - t
        t = day_start + timedelta(days=1)


# --- input checks -----------------------------------------------------------------------------


def check_location(lat: float, lng: float, field: str = "location") -> DomainError | None:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return ReportError(
            ReportErrorCode.INVALID_LOCATION,
            en="Not a position on Earth",
            vi="Không phải một vị trí hợp lệ trên Trái Đất",
            field=field,
        )
    return None


async def check_photos(
    db: Database, viewer: Viewer, photo_ids: Sequence[str], field: str = "photoIds"
) -> tuple[list[ObjectId], DomainError | None]:
    """Parse and check photo ids: at most five, each once, uploaded by the viewer."""
    if len(photo_ids) > MAX_PHOTOS:
        return [], ReportError(
            ReportErrorCode.TOO_MANY_PHOTOS,
            en=f"At most {MAX_PHOTOS} photos",
            vi=f"Tối đa {MAX_PHOTOS} ảnh",
            field=field,
        )
    if len(set(photo_ids)) != len(photo_ids):
        return [], ReportError(
            ReportErrorCode.INVALID_PHOTO,
            en="Each photo may be attached once",
            vi="Mỗi ảnh chỉ được đính kèm một lần",
            field=field,
        )
    parsed = [parse_object_id(photo_id) for photo_id in photo_ids]
    ids = [oid for oid in parsed if oid is not None]
    owned = await media_repository.owned_photos(db, ids, str(viewer.uid)) if ids else set()
    if len(ids) != len(parsed) or owned != set(ids):
        return [], ReportError(
            ReportErrorCode.INVALID_PHOTO,
            en="A photo does not exist or was not uploaded by you",
            vi="Có ảnh không tồn tại hoặc không phải do bạn tải lên",
            field=field,
        )
    return ids, None


def raise_all(errors: Sequence[DomainError | None]) -> None:
    found = [error for error in errors if error is not None]
    if len(found) == 1:
        raise found[0]
    if found:
        raise ReportInputErrors(found)


async def in_transaction[T](db: Database, work: Callable[[AsyncClientSession], Awaitable[T]]) -> T:
    """Run `work` in a transaction (retried by the driver on transient errors, briefly)."""
    return await run_transaction(db, work)
