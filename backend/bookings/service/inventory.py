"""Staff changes to inventory: new departures, rooms per night."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend.bookings import repository as booking_repository
from backend.bookings.models import BookingErrorCode, DepartureDoc, RoomTypeDoc, hanoi_date
from backend.bookings.service.common import BookingError, in_transaction, not_found
from backend.db import Database

MAX_CAPACITY = 500
MAX_ROOMS_PER_NIGHT = 1_000
MAX_INVENTORY_SPAN_DAYS = 366


async def create_departure(
    *, db: Database, tour_id: str, starts_at: datetime, capacity: int | None, now: datetime
) -> DepartureDoc:
    """Add a departure of a tour (capacity defaults to the tour's)."""
    tour = await booking_repository.get_tour(db, tour_id) if len(tour_id) <= 200 else None
    if tour is None:
        raise not_found(en="tour", vi="tour này", field="tourId")
    if starts_at.tzinfo is None:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en="Give a time zone (e.g. +07:00)",
            vi="Hãy ghi múi giờ (ví dụ +07:00)",
            field="startsAt",
        )
    if starts_at <= now:
        raise BookingError(
            BookingErrorCode.INVALID_DATES,
            en="In the past",
            vi="Thời điểm đã qua",
            field="startsAt",
        )
    seats = tour.capacity if capacity is None else capacity
    if not 1 <= seats <= MAX_CAPACITY:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en=f"1 to {MAX_CAPACITY} seats",
            vi=f"Từ 1 đến {MAX_CAPACITY} chỗ",
            field="capacity",
        )
    # Mongo keeps milliseconds: trim here so the returned departure equals the stored one.
    starts_at = starts_at.replace(microsecond=starts_at.microsecond // 1000 * 1000)
    departure = DepartureDoc(
        id=ObjectId(), tour=tour.id, starts_at=starts_at, capacity=seats, seats_left=seats
    )
    try:
        await booking_repository.insert_departure(db, departure, now=now)
    except DuplicateKeyError:
        raise BookingError(
            BookingErrorCode.DEPARTURE_EXISTS,
            en="This tour already departs at that time",
            vi="Tour này đã có chuyến khởi hành vào giờ đó",
            field="startsAt",
        ) from None
    return departure


async def set_inventory(
    *, db: Database, room_type_id: str, start: date, end: date, rooms: int, now: datetime
) -> tuple[RoomTypeDoc, int]:
    """Set rooms for sale on nights start..end (inclusive), all nights or none; returns the
    room type and how many nights changed."""
    room_type = (
        await booking_repository.get_room_type(db, room_type_id)
        if len(room_type_id) <= 200
        else None
    )
    if room_type is None:
        raise not_found(en="room type", vi="loại phòng này", field="roomTypeId")
    if end < start or (end - start).days >= MAX_INVENTORY_SPAN_DAYS:
        raise BookingError(
            BookingErrorCode.INVALID_DATES,
            en=f"`to` must be on or after `from`, within {MAX_INVENTORY_SPAN_DAYS} nights",
            vi=f"`to` phải từ `from` trở đi, trong vòng {MAX_INVENTORY_SPAN_DAYS} đêm",
            field="to",
        )
    if start < hanoi_date(now):
        raise BookingError(
            BookingErrorCode.INVALID_DATES, en="In the past", vi="Ngày đã qua", field="from"
        )
    if not 0 <= rooms <= MAX_ROOMS_PER_NIGHT:
        raise BookingError(
            BookingErrorCode.INVALID_INPUT,
            en=f"0 to {MAX_ROOMS_PER_NIGHT} rooms",
            vi=f"Từ 0 đến {MAX_ROOMS_PER_NIGHT} phòng",
            field="rooms",
        )
    stay = [start + timedelta(days=i) for i in range((end - start).days + 1)]

    async def work(session: AsyncClientSession) -> None:
        for night in stay:
            if not await booking_repository.set_room_night(
                db, room_type, night, rooms, session=session
            ):
                raise BookingError(
                    BookingErrorCode.INVENTORY_BELOW_SOLD,
                    en=f"More than {rooms} rooms are already held or sold on {night.isoformat()}",
                    vi=f"Ngày {night.isoformat()} đã có hơn {rooms} phòng được giữ hoặc đã bán",
                    field="rooms",
                )

    await in_transaction(db, work)
    return room_type, len(stay)
