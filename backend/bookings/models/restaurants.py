"""Storage models of restaurants and their tables: the catalogue entry and one seating's tables.

A party of N takes one table of the smallest size that seats N. Seatings start every 30 minutes
from opening until an hour before closing (Hanoi time, per range of the day's opening hours).
Staff settings (tables, opening hours, deposit) live under `overrides`, which the content loader
never writes, and win over the content's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from backend.bookings.models.policy import PolicyRule
from backend.bookings.models.statuses import Text
from backend.tourism.hours import InvalidHoursError, OpeningHours

SEATING_STEP = timedelta(minutes=30)
LAST_SEATING_BEFORE_CLOSE = timedelta(minutes=60)
# bookingNoShow is allowed from this long after the seating.
NO_SHOW_AFTER = timedelta(minutes=15)
# ...and until the end of the next day: a mark days later would keep a deposit unchecked.
NO_SHOW_UNTIL = timedelta(hours=24)
# The guest's cancellation refunds the whole deposit until 2 hours before the seating, and
# nothing after (still allowed until the seating, so the table goes back on sale).
TABLE_POLICY = [
    PolicyRule(hours_before=2, refund_percent=100),
    PolicyRule(hours_before=0, refund_percent=0),
]
MAX_TABLE_SIZE = 50
MAX_TABLES = 500
MAX_DEPOSIT_VND = 10_000_000


@dataclass(frozen=True, kw_only=True)
class RestaurantDoc:
    id: str
    name: Text
    description: Text
    address: Text
    lat: float | None
    lng: float | None
    cuisine: list[str]
    price_min_vnd: int | None
    price_max_vnd: int | None
    price_per: str | None
    hours_raw: dict[str, Any] | None
    tables: dict[int, int]  # party size -> tables of that size
    deposit_per_person_vnd: int
    sources: list[dict[str, str]] = field(default_factory=list)
    photo_credits: list[dict[str, Any]] = field(default_factory=list)

    @property
    def hours(self) -> OpeningHours | None:
        """The opening hours; None when unknown (or unreadable): no seatings then."""
        if not self.hours_raw:
            return None
        try:
            parsed = OpeningHours.parse(self.hours_raw)
        except InvalidHoursError:
            return None
        return None if parsed.is_empty else parsed

    def table_size_for(self, party: int) -> int | None:
        """The smallest table size that seats `party`; None when none does."""
        sizes = sorted(size for size, count in self.tables.items() if size >= party and count > 0)
        return sizes[0] if sizes else None

    @property
    def largest_table(self) -> int:
        return max((size for size, count in self.tables.items() if count > 0), default=0)

    def seatings(self, day: date) -> list[datetime]:
        """The seatings of the ranges starting on `day` (aware, Hanoi), in order."""
        hours = self.hours
        if hours is None:
            return []
        found: list[datetime] = []
        for opens, closes in hours.intervals_starting(day):
            at = opens
            while at <= closes - LAST_SEATING_BEFORE_CLOSE:
                found.append(at)
                at += SEATING_STEP
        return sorted(set(found))

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> RestaurantDoc:
        overrides = doc.get("overrides") or {}
        location = doc.get("location")
        lng, lat = location["coordinates"] if location else (None, None)
        price = doc.get("price_range_vnd") or {}
        tables = overrides.get("tables", doc.get("tables") or {})
        return cls(
            id=doc["_id"],
            name=doc["name"],
            description=doc.get("description") or {},
            address=doc.get("address") or {},
            lat=lat,
            lng=lng,
            cuisine=list(doc.get("cuisine") or []),
            price_min_vnd=price.get("min"),
            price_max_vnd=price.get("max"),
            price_per=price.get("per"),
            hours_raw=overrides.get("opening_hours", doc.get("opening_hours")),
            tables={int(size): int(count) for size, count in tables.items()},
            deposit_per_person_vnd=int(
                overrides.get("deposit_per_person_vnd", doc.get("deposit_per_person_vnd") or 0)
            ),
            sources=list(doc.get("sources") or []),
            photo_credits=list(doc.get("photo_credits") or []),
        )


def slot_id(restaurant: str, starts_at: datetime, size: int) -> str:
    """The id of one seating's tables of one size (restaurant_tables._id, a hold's item)."""
    return f"{restaurant}|{int(starts_at.timestamp())}|{size}"


@dataclass(frozen=True, kw_only=True)
class TableSlotDoc:
    """Tables of one size at one seating: `tables_left` of `tables_total` not held or booked."""

    id: str
    restaurant: str
    starts_at: datetime
    size: int
    tables_total: int
    tables_left: int
    # Tables beyond the restaurant's count, kept because they were held or booked when the count
    # went down (a content reload): each goes away as it comes back, instead of becoming free.
    tables_over: int = 0

    @property
    def taken(self) -> int:
        return self.tables_total - self.tables_left

    def follows(self, count: int) -> bool:
        """Whether this seating already has `count` tables (or as many as are taken, beyond)."""
        total = max(count, self.taken)
        return (self.tables_total, self.tables_over) == (total, total - count)

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> TableSlotDoc:
        return cls(
            id=doc["_id"],
            restaurant=doc["restaurant"],
            starts_at=doc["starts_at"],
            size=int(doc["size"]),
            tables_total=int(doc["tables_total"]),
            tables_left=int(doc["tables_left"]),
            tables_over=int(doc.get("tables_over", 0)),
        )

    @classmethod
    def parse_id(cls, item: str) -> tuple[str, datetime, int] | None:
        """(restaurant, starts_at UTC, size) of a slot id; None when it is not one."""
        parts = item.split("|")
        if len(parts) != 3:
            return None
        try:
            return parts[0], datetime.fromtimestamp(int(parts[1]), UTC), int(parts[2])
        except (ValueError, OverflowError, OSError):
            return None
