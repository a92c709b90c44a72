"""Reading the catalogue: tours and their departures, hotels, room types and availability."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from backend import geo
from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    HANOI,
    BookingErrorCode,
    DepartureDoc,
    HotelDoc,
    RoomNightDoc,
    RoomTypeDoc,
    TourDoc,
    nights,
)
from backend.bookings.service.common import BookingError
from backend.bookings.service.holds import check_stay
from backend.bookings.snapshot import BookingContent
from backend.db import Database
from backend.pagination import Page, decode_cursor, encode_cursor, page_size

MAX_RADIUS_M = 50_000.0
DEFAULT_RADIUS_M = 20_000.0
MAX_DEPARTURE_SPAN = timedelta(days=366)
MAX_DEPARTURES = 500

DocT = TypeVar("DocT", TourDoc, HotelDoc)


@dataclass(frozen=True)
class Near:
    lat: float
    lng: float
    radius_m: float


def _distance(near: Near, at: tuple[float, float]) -> float:
    return geo.haversine_meters(lat1=near.lat, lng1=near.lng, lat2=at[0], lng2=at[1])


def check_near(near: Near | None) -> None:
    if near is None:
        return
    if not (-90 <= near.lat <= 90 and -180 <= near.lng <= 180):
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en="Not a position",
            vi="Không phải một vị trí hợp lệ",
            field="near",
        )
    if not 0 < near.radius_m <= MAX_RADIUS_M:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en=f"radiusMeters must be between 0 and {MAX_RADIUS_M:.0f}",
            vi=f"radiusMeters phải lớn hơn 0 và không quá {MAX_RADIUS_M:.0f}",
            field="radiusMeters",
        )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """A Hanoi calendar day as a UTC interval."""
    try:
        start = datetime.combine(day, time(0), tzinfo=HANOI).astimezone(UTC)
    except OverflowError:  # 0001-01-01 begins in year 0 in UTC, which datetime cannot hold
        raise BookingError(
            BookingErrorCode.INVALID_DATES,
            en="Out of range",
            vi="Ngày nằm ngoài phạm vi cho phép",
            field="date",
        ) from None
    return start, start + timedelta(days=1)


def _page[DocT: (TourDoc, HotelDoc)](
    docs: Sequence[DocT],
    *,
    near: Near | None,
    position: Callable[[DocT], tuple[float, float]],
    first: int | None,
    after: str | None,
) -> Page[DocT]:
    """Page by id, or nearest first by (distance, id) when `near` is given."""
    size = page_size(first)
    if near is None:
        # The repository already applied the cursor and the limit (size + 1).
        page = list(docs[:size])
        return Page(page, [encode_cursor([doc.id]) for doc in page], len(docs) > size)
    ranked = sorted(
        ((_distance(near, position(doc)), doc.id, doc) for doc in docs),
        key=lambda entry: (entry[0], entry[1]),
    )
    if after is not None:
        distance, last_id = decode_cursor(after, 2)
        if not isinstance(distance, int | float) or not isinstance(last_id, str):
            raise BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="Bad cursor",
                vi="Con trỏ phân trang (cursor) không hợp lệ",
                field="after",
            )
        ranked = [entry for entry in ranked if (entry[0], entry[1]) > (float(distance), last_id)]
    chosen = ranked[:size]
    return Page(
        [doc for _, _, doc in chosen],
        [encode_cursor([distance, doc_id]) for distance, doc_id, _ in chosen],
        has_next_page=len(ranked) > size,
        distances=[distance for distance, _, _ in chosen],
    )


def _after_id(after: str | None, near: Near | None) -> str | None:
    if after is None or near is not None:
        return None
    (last_id,) = decode_cursor(after, 1)
    if not isinstance(last_id, str):
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en="Bad cursor",
            vi="Con trỏ phân trang (cursor) không hợp lệ",
            field="after",
        )
    return last_id


async def list_tours(
    *,
    db: Database,
    near: Near | None,
    language: str | None,
    day: date | None,
    first: int | None,
    after: str | None,
    content: BookingContent | None = None,
) -> Page[TourDoc]:
    """Tours by id, or nearest meeting point first; `day`: with seats on that Hanoi day (seats
    are always read from the database). From `content` (the snapshot) if given: the same tours,
    order and cursors."""
    check_near(near)
    size = page_size(first)
    ids = None
    if day is not None:
        ids = await booking_repository.tours_departing_between(db, *day_bounds(day))
    at = (near.lat, near.lng, near.radius_m) if near else None
    spoken = language[:16] if language else None
    after_id = _after_id(after, near)
    if content is not None:
        docs = content.find_tours(
            near=at, language=spoken, ids=ids, after_id=after_id, limit=size + 1
        )
    else:
        docs = await booking_repository.find_tours(
            db, near=at, language=spoken, ids=ids, after_id=after_id, limit=size + 1
        )
    return _page(docs, near=near, position=lambda t: (t.lat, t.lng), first=first, after=after)


async def get_tour(
    *, db: Database, tour_id: str, content: BookingContent | None = None
) -> TourDoc | None:
    """A tour by slug; None for unknown ids. From `content` (the snapshot) if given."""
    if len(tour_id) > 200:
        return None
    if content is not None:
        return content.tour(tour_id)
    return await booking_repository.get_tour(db, tour_id)


async def departures(
    *,
    db: Database,
    tour_id: str,
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> list[DepartureDoc]:
    """A tour's departures in [start, end) (default: the next 60 days), soonest first."""
    start = start or now
    try:
        end = end or start + timedelta(days=60)
    except OverflowError:  # past year 9999
        raise BookingError(
            BookingErrorCode.INVALID_DATES,
            en="`from` is too close to the end of the calendar: give `to`",
            vi="`from` quá gần cuối lịch: hãy cho cả `to`",
            field="from",
        ) from None
    if end <= start or end - start > MAX_DEPARTURE_SPAN:
        raise BookingError(
            BookingErrorCode.INVALID_DATES,
            en="`to` must be after `from`, within a year",
            vi="`to` phải sau `from` và cách không quá một năm",
            field="to",
        )
    return await booking_repository.departures(
        db, tour=tour_id, start=start, end=end, limit=MAX_DEPARTURES
    )


async def list_hotels(
    *,
    db: Database,
    near: Near | None,
    check_in: date | None,
    check_out: date | None,
    guests: int | None,
    first: int | None,
    after: str | None,
    now: datetime,
    content: BookingContent | None = None,
) -> Page[HotelDoc]:
    """Hotels by id or nearest first; with dates, only those with a room type free every night
    whose free rooms fit `guests` (rooms are always read from the database). From `content`
    (the snapshot) if given: the same hotels, order and cursors."""
    check_near(near)
    size = page_size(first)
    if guests is not None and not 1 <= guests <= 50:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en="1 to 50 guests",
            vi="Từ 1 đến 50 khách",
            field="guests",
        )
    ids: list[str] | None = None
    if (check_in is None) != (check_out is None):
        raise BookingError(
            BookingErrorCode.INVALID_DATES,
            en="Give both checkIn and checkOut",
            vi="Hãy cho cả checkIn và checkOut",
            field="checkOut",
        )
    if check_in is not None and check_out is not None:
        error = check_stay(check_in, check_out, now=now)
        if error is not None:
            raise error
        stay = nights(check_in, check_out)
        free = await booking_repository.room_types_with_rooms(db, stay[0], stay[-1], 1)
        room_types = await booking_repository.get_room_types(db, list(free))
        wanted = guests or 1
        ids = sorted({rt.hotel for rt in room_types if rt.capacity * free[rt.id] >= wanted})
    elif guests is not None:
        ids = await booking_repository.hotels_with_capacity(db, guests)
    at = (near.lat, near.lng, near.radius_m) if near else None
    after_id = _after_id(after, near)
    if content is not None:
        docs = content.find_hotels(near=at, ids=ids, after_id=after_id, limit=size + 1)
    else:
        docs = await booking_repository.find_hotels(
            db, near=at, ids=ids, after_id=after_id, limit=size + 1
        )
    return _page(docs, near=near, position=lambda h: (h.lat, h.lng), first=first, after=after)


async def get_hotel(
    *, db: Database, hotel_id: str, content: BookingContent | None = None
) -> HotelDoc | None:
    """A hotel by slug; None for unknown ids. From `content` (the snapshot) if given."""
    if len(hotel_id) > 200:
        return None
    if content is not None:
        return content.hotel(hotel_id)
    return await booking_repository.get_hotel(db, hotel_id)


@dataclass(frozen=True)
class Availability:
    available: bool
    rooms_left: int
    total_price_vnd: int
    nightly_prices_vnd: list[int]


async def availability(
    *, db: Database, room_type: RoomTypeDoc, check_in: date, check_out: date, now: datetime
) -> Availability:
    """Rooms free on every night of the stay, and the price of one room for it."""
    error = check_stay(check_in, check_out, now=now)
    if error is not None:
        raise error
    stay = nights(check_in, check_out)
    found: list[RoomNightDoc] = await booking_repository.room_nights(
        db, room_type.id, stay[0], stay[-1]
    )
    if len(found) != len(stay):  # some nights are not on sale
        return Availability(False, 0, 0, [])
    rooms_left = min(night.rooms_left for night in found)
    prices = [night.price_vnd for night in found]
    return Availability(rooms_left > 0, rooms_left, sum(prices), prices)
