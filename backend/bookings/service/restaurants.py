"""Reading restaurants: the list (near, cuisine, open at, a free seating for a party on a day)
and one restaurant's free seatings of a day for a party.

Tables left are always read from the database (restaurant_tables); a seating without a tables
document has not been held yet, so every table of the restaurant's count is free.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from backend import geo
from backend.bookings import repository as booking_repository
from backend.bookings.models import BookingErrorCode, RestaurantDoc, TableSlotDoc, slot_id
from backend.bookings.models.restaurants import MAX_TABLE_SIZE
from backend.bookings.service.catalogue import Near, check_near, day_bounds
from backend.bookings.service.common import BookingError
from backend.bookings.snapshot import BookingContent
from backend.db import Database
from backend.pagination import Page, decode_cursor, encode_cursor, page_size

CUISINE_MAX = 64


@dataclass(frozen=True)
class Slot:
    """A seating's tables of one size: an id shared by holds, bookings and the app's cache."""

    id: str
    restaurant: str
    starts_at: datetime
    table_size: int
    tables_total: int
    tables_left: int


def bad_cursor() -> BookingError:
    return BookingError(
        BookingErrorCode.INVALID_INPUT,
        en="Bad cursor",
        vi="Con trỏ phân trang (cursor) không hợp lệ",
        field="after",
    )


def check_party(party: int, *, field: str = "partySize") -> None:
    if not 1 <= party <= MAX_TABLE_SIZE:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en=f"1 to {MAX_TABLE_SIZE} guests",
            vi=f"Từ 1 đến {MAX_TABLE_SIZE} khách",
            field=field,
        )


def table_size(restaurant: RestaurantDoc, party: int, *, field: str = "partySize") -> int:
    """The table a party takes; TOO_MANY_GUESTS when the largest table is too small."""
    check_party(party, field=field)
    size = restaurant.table_size_for(party)
    if size is None:
        largest = restaurant.largest_table
        raise BookingError(
            BookingErrorCode.TOO_MANY_GUESTS,
            en=f"The largest table here seats {largest}",
            vi=f"Bàn lớn nhất ở đây có {largest} chỗ",
            field=field,
        )
    return size


def seatings_of_day(restaurant: RestaurantDoc, day: date, *, now: datetime) -> list[datetime]:
    """The future seatings of a Hanoi day, in UTC."""
    return [at.astimezone(UTC) for at in restaurant.seatings(day) if at > now]


async def slots(
    *, db: Database, restaurant: RestaurantDoc, day: date, party: int, now: datetime
) -> list[Slot]:
    """The free future seatings of `day` (Hanoi) for a party, with the tables left of its size."""
    size = table_size(restaurant, party)
    day_bounds(day)  # INVALID_DATES at the ends of the calendar
    seatings = seatings_of_day(restaurant, day, now=now)
    if not seatings:
        return []
    taken = {
        doc.id: doc
        for doc in await booking_repository.table_slots(
            db, restaurant.id, seatings[0], seatings[-1] + timedelta(seconds=1)
        )
    }
    found = []
    for at in seatings:
        item = slot_id(restaurant.id, at, size)
        doc = taken.get(item)
        total = doc.tables_total if doc else restaurant.tables.get(size, 0)
        left = doc.tables_left if doc else total
        if left > 0:
            found.append(Slot(item, restaurant.id, at, size, total, left))
    return found


def slot_of(restaurant: RestaurantDoc | None, item: str, doc: Slot | None) -> Slot | None:
    """A slot by id: its tables document's counts, or the restaurant's count if never held."""
    if doc is not None:
        return doc
    parsed = TableSlotDoc.parse_id(item)
    if parsed is None or restaurant is None:
        return None
    count = restaurant.tables.get(parsed[2], 0)
    return Slot(item, parsed[0], parsed[1], parsed[2], count, count)


def _free_on(
    restaurant: RestaurantDoc, day: date, size: int, full: set[str], *, now: datetime
) -> bool:
    if restaurant.tables.get(size, 0) <= 0:
        return False
    return any(
        slot_id(restaurant.id, at, size) not in full
        for at in seatings_of_day(restaurant, day, now=now)
    )


async def list_restaurants(
    *,
    db: Database,
    near: Near | None,
    cuisine: str | None,
    open_at: datetime | None,
    party: int | None,
    day: date | None,
    first: int | None,
    after: str | None,
    now: datetime,
    content: BookingContent | None = None,
) -> Page[RestaurantDoc]:
    """Restaurants by slug, or nearest first with `near`; of a cuisine, open at an instant, with
    a table for the party, with a free seating for it on a Hanoi day. From `content` (the
    snapshot) if given: the same restaurants, order and cursors."""
    check_near(near)
    size = page_size(first)
    if party is not None:
        check_party(party)
    if cuisine is not None:
        cuisine = cuisine.strip().lower()
        if len(cuisine) > CUISINE_MAX:
            return Page([], [], has_next_page=False)
    if open_at is not None and open_at.tzinfo is None:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en="Give a time zone",
            vi="Hãy ghi rõ múi giờ",
            field="openAt",
        )
    after_id: str | None = None
    position: tuple[float, str] | None = None
    if after is not None:
        values = decode_cursor(after, 2 if near else 1)
        if near is None and isinstance(values[0], str):
            after_id = values[0]
        elif near is not None and isinstance(values[0], int | float) and isinstance(values[1], str):
            position = (float(values[0]), values[1])
        else:
            raise bad_cursor()
    at = (near.lat, near.lng, near.radius_m) if near else None
    if content is not None:
        candidates = content.find_restaurants(near=at, cuisine=cuisine, after_id=after_id)
    else:
        candidates = await booking_repository.find_restaurants(
            db, near=at, cuisine=cuisine, after_id=after_id
        )
    full: set[str] = set()
    if day is not None:
        start, end = day_bounds(day)
        # A seating of the day starts in [start, end + 1 day): ranges may cross midnight.
        full = await booking_repository.full_seatings_between(db, start, end + timedelta(days=1))

    def keep(restaurant: RestaurantDoc) -> bool:
        if open_at is not None:
            hours = restaurant.hours
            if hours is None or not hours.is_open(open_at):
                return False
        wanted = restaurant.table_size_for(party or 1)
        if party is not None and wanted is None:
            return False
        if day is not None:
            return wanted is not None and _free_on(restaurant, day, wanted, full, now=now)
        return True

    kept = [restaurant for restaurant in candidates if keep(restaurant)]
    if near is None:
        page = kept[:size]
        return Page(page, [encode_cursor([r.id]) for r in page], has_next_page=len(kept) > size)
    ranked = sorted(
        (
            (
                geo.haversine_meters(lat1=near.lat, lng1=near.lng, lat2=r.lat, lng2=r.lng),
                r.id,
                r,
            )
            for r in kept
            if r.lat is not None and r.lng is not None
        ),
        key=lambda entry: (entry[0], entry[1]),
    )
    if position is not None:
        ranked = [entry for entry in ranked if (entry[0], entry[1]) > position]
    chosen = ranked[:size]
    return Page(
        [r for _, _, r in chosen],
        [encode_cursor([distance, rid]) for distance, rid, _ in chosen],
        has_next_page=len(ranked) > size,
        distances=[distance for distance, _, _ in chosen],
    )


async def get_restaurant(
    *, db: Database, restaurant_id: str, content: BookingContent | None = None
) -> RestaurantDoc | None:
    """A restaurant by slug; None for unknown ids. From `content` (the snapshot) if given."""
    if len(restaurant_id) > 200:
        return None
    if content is not None:
        return content.restaurant(restaurant_id)
    return await booking_repository.get_restaurant(db, restaurant_id)
