"""bookingHold and the release of expired holds.

A hold takes inventory at once: seats with one conditional update on the departure, or every
night of a stay with one conditional update per night inside one transaction (all nights or
none). The hold, its inventory and its idempotency key commit together.

Expired holds give their inventory back through `release_expired_holds`: each is claimed with a
conditional update ACTIVE -> RELEASED (`expire_at <= now` in the filter) in the same transaction
that returns its inventory, so a hold's seats come back exactly once, and never for a hold that
bookingConfirm claimed (its filter says `expire_at > now`). TTL only purges finished holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend import idempotency
from backend.auth.models import Viewer
from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    HOLD_TTL,
    MAX_NIGHTS,
    MAX_ROOMS,
    MAX_SEATS,
    BookingErrorCode,
    HoldDoc,
    HoldState,
    ItemKind,
    hanoi_date,
    nights,
)
from backend.bookings.service.common import (
    ITEM_GATES,
    BookingError,
    in_transaction,
    not_found,
    raise_all,
)
from backend.db import Database
from backend.errors import DomainError
from backend.ids import parse_object_id

# bookingHold releases at most this many expired holds of its item before taking inventory.
OPPORTUNISTIC_RELEASES = 20
SCOPE = "bookingHold"


@dataclass(frozen=True, kw_only=True)
class TourHoldRequest:
    departure_id: str
    seats: int


@dataclass(frozen=True, kw_only=True)
class RoomHoldRequest:
    room_type_id: str
    check_in: date
    check_out: date
    rooms: int


def check_stay(check_in: date, check_out: date, *, now: datetime) -> BookingError | None:
    """INVALID_DATES unless check-in is today or later and the stay is 1 to 30 nights."""
    if check_out <= check_in:
        return BookingError(
            BookingErrorCode.INVALID_DATES,
            en="Check-out must be after check-in",
            vi="Ngày trả phòng phải sau ngày nhận phòng",
            field="checkOut",
        )
    if check_in < hanoi_date(now):
        return BookingError(
            BookingErrorCode.INVALID_DATES,
            en="Check-in is in the past",
            vi="Ngày nhận phòng đã qua",
            field="checkIn",
        )
    if (check_out - check_in).days > MAX_NIGHTS:
        return BookingError(
            BookingErrorCode.INVALID_DATES,
            en=f"At most {MAX_NIGHTS} nights",
            vi=f"Tối đa {MAX_NIGHTS} đêm",
            field="checkOut",
        )
    return None


async def return_inventory(
    db: Database,
    *,
    kind: ItemKind,
    item: str,
    quantity: int,
    stay: list[date],
    session: AsyncClientSession,
) -> None:
    """Give a hold's or booking's inventory back (inside the transaction that decided it)."""
    if kind is ItemKind.TOUR:
        await booking_repository.return_seats(db, ObjectId(item), quantity, session=session)
    elif kind is ItemKind.TABLE:  # one table of one seating (`quantity` is 1)
        await booking_repository.return_table(db, item, session=session)
    else:
        await booking_repository.return_room_nights(db, item, stay, quantity, session=session)


async def release_expired_holds(
    db: Database, now: datetime, *, item: str | None = None, limit: int | None = None
) -> int:
    """Release expired ACTIVE holds (of `item`, at most `limit`); returns how many."""
    released = 0
    while limit is None or released < limit:
        if not await booking_repository.has_expired_hold(db, now=now, item=item):
            break

        async def work(session: AsyncClientSession) -> bool:
            hold = await booking_repository.claim_expired_hold(
                db, now=now, item=item, session=session
            )
            if hold is None:  # another sweeper or a confirm took it first
                return False
            await return_inventory(
                db,
                kind=hold.kind,
                item=hold.item,
                quantity=hold.quantity,
                stay=hold.nights,
                session=session,
            )
            # A booking that waited on this hold's payment will not get the seats now.
            await booking_repository.expire_held_booking(db, hold.id, now=now, session=session)
            return True

        if not await in_transaction(db, work):
            continue  # lost a race for that one: look again
        released += 1
    return released


async def sweep(db: Database, now: datetime) -> int:
    """Release every expired hold; the push worker calls this from its loop."""
    return await release_expired_holds(db, now)


async def hold(
    *,
    db: Database,
    viewer: Viewer,
    idempotency_key: str,
    tour: TourHoldRequest | None,
    room: RoomHoldRequest | None,
    now: datetime,
) -> HoldDoc:
    """Take seats or room-nights for 10 minutes (or return the hold this key already made)."""
    errors: list[DomainError | None] = []
    if not idempotency.valid_key(idempotency_key):
        errors.append(idempotency.invalid_key_error())
    if (tour is None) == (room is None):
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="Give exactly one of tour or room",
                vi="Hãy chọn đúng một trong hai: tour hoặc phòng",
            )
        )
    elif tour is not None and not tour.seats >= 1:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="At least 1 seat",
                vi="Cần ít nhất 1 chỗ",
                field="tour.seats",
            )
        )
    elif tour is not None and tour.seats > MAX_SEATS:
        errors.append(
            BookingError(
                BookingErrorCode.TOO_MANY_GUESTS,
                en=f"At most {MAX_SEATS} seats per booking",
                vi=f"Mỗi đơn đặt tối đa {MAX_SEATS} chỗ",
                field="tour.seats",
            )
        )
    elif room is not None:
        if not 1 <= room.rooms <= MAX_ROOMS:
            errors.append(
                BookingError(
                    BookingErrorCode.INVALID_INPUT,
                    en=f"1 to {MAX_ROOMS} rooms per booking",
                    vi=f"Mỗi đơn đặt từ 1 đến {MAX_ROOMS} phòng",
                    field="room.rooms",
                )
            )
        errors.append(check_stay(room.check_in, room.check_out, now=now))
    raise_all(errors)
    if tour is not None:
        return await _hold_seats(db, viewer, idempotency_key, tour, now)
    assert room is not None
    return await _hold_rooms(db, viewer, idempotency_key, room, now)


async def _replay(db: Database, hold_id: ObjectId) -> HoldDoc:
    found = await booking_repository.get_hold(db, hold_id)
    if found is None:  # purged a day after it ended; the key outlived it
        raise not_found(en="hold", vi="lượt giữ chỗ này", field="idempotencyKey")
    return found


async def _take(
    db: Database,
    *,
    uid: str,
    key: str,
    fingerprint: str,
    new_hold: HoldDoc,
    take: object,
) -> HoldDoc:
    async def work(session: AsyncClientSession) -> None:
        await booking_repository.insert_hold(db, new_hold, session=session)
        await idempotency.record(
            db,
            uid=uid,
            key=key,
            scope=SCOPE,
            fingerprint=fingerprint,
            result_id=new_hold.id,
            now=new_hold.created_at,
            session=session,
        )
        # Inventory last: the contended document stays locked only until the commit right after,
        # so racing holds conflict (and retry) far less.
        if not await take(session):  # type: ignore[operator]
            raise BookingError(
                BookingErrorCode.SOLD_OUT,
                en="Not enough left for this booking",
                vi="Không còn đủ chỗ cho đơn đặt này",
            )

    try:
        async with ITEM_GATES.gate(new_hold.item):
            await in_transaction(db, work)
    except DuplicateKeyError:
        # A retry with this key committed first (our inventory went back with the abort).
        existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
        if existing is None:
            raise
        return await _replay(db, existing)
    return new_hold


async def _hold_seats(
    db: Database, viewer: Viewer, key: str, request: TourHoldRequest, now: datetime
) -> HoldDoc:
    uid = str(viewer.uid)
    departure_id = parse_object_id(request.departure_id)
    fingerprint = idempotency.fingerprint(
        SCOPE, {"tour": request.departure_id, "seats": request.seats}
    )
    existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
    if existing is not None:
        return await _replay(db, existing)
    departure = await booking_repository.get_departure(db, departure_id) if departure_id else None
    tour = await booking_repository.get_tour(db, departure.tour) if departure else None
    if departure is None or tour is None:
        raise not_found(en="departure", vi="chuyến khởi hành này", field="tour.departureId")
    if departure.starts_at <= now:
        raise BookingError(
            BookingErrorCode.DEPARTED,
            en="This departure has left",
            vi="Chuyến này đã khởi hành",
            field="tour.departureId",
        )
    item = str(departure.id)
    await release_expired_holds(db, now, item=item, limit=OPPORTUNISTIC_RELEASES)
    new_hold = HoldDoc(
        id=ObjectId(),
        user=uid,
        kind=ItemKind.TOUR,
        item=item,
        quantity=request.seats,
        nights=[],
        amount_vnd=tour.price_vnd * request.seats,
        state=HoldState.ACTIVE,
        expire_at=now + HOLD_TTL,
        created_at=now,
    )

    async def take(session: AsyncClientSession) -> bool:
        taken = await booking_repository.take_seats(
            db, departure.id, request.seats, now=now, session=session
        )
        return taken is not None

    return await _take(db, uid=uid, key=key, fingerprint=fingerprint, new_hold=new_hold, take=take)


async def _hold_rooms(
    db: Database, viewer: Viewer, key: str, request: RoomHoldRequest, now: datetime
) -> HoldDoc:
    uid = str(viewer.uid)
    stay = nights(request.check_in, request.check_out)
    fingerprint = idempotency.fingerprint(
        SCOPE,
        {
            "room": request.room_type_id,
            "check_in": request.check_in.isoformat(),
            "check_out": request.check_out.isoformat(),
            "rooms": request.rooms,
        },
    )
    existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
    if existing is not None:
        return await _replay(db, existing)
    room_type = (
        await booking_repository.get_room_type(db, request.room_type_id)
        if len(request.room_type_id) <= 200
        else None
    )
    if room_type is None:
        raise not_found(en="room type", vi="loại phòng này", field="room.roomTypeId")
    await release_expired_holds(db, now, item=room_type.id, limit=OPPORTUNISTIC_RELEASES)
    on_sale = await booking_repository.room_nights(db, room_type.id, stay[0], stay[-1])
    if len(on_sale) != len(stay):
        raise BookingError(
            BookingErrorCode.SOLD_OUT,
            en="Some nights of this stay are not on sale",
            vi="Một số đêm trong kỳ lưu trú này không còn phòng để bán",
            field="room",
        )
    new_hold = HoldDoc(
        id=ObjectId(),
        user=uid,
        kind=ItemKind.ROOM,
        item=room_type.id,
        quantity=request.rooms,
        nights=stay,
        amount_vnd=sum(night.price_vnd for night in on_sale) * request.rooms,
        state=HoldState.ACTIVE,
        expire_at=now + HOLD_TTL,
        created_at=now,
    )

    async def take(session: AsyncClientSession) -> bool:
        for night in stay:
            # One failed night raises SOLD_OUT and aborts: the nights taken before come back.
            taken = await booking_repository.take_room_night(
                db, room_type.id, night, request.rooms, session=session
            )
            if not taken:
                return False
        return True

    return await _take(db, uid=uid, key=key, fingerprint=fingerprint, new_hold=new_hold, take=take)
