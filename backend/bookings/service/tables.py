"""Restaurant tables: bookingHold of a table for one seating, and bookingNoShow (staff settings:
backend/bookings/service/table_settings.py).

A table hold reuses the tour/room hold machinery (backend/bookings/service/holds.py): the same
idempotency key, 10-minute hold, transaction and release of expired holds. Its inventory is one
table of the smallest size that seats the party at that seating; the seating's tables document
is opened lazily in the hold's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit, idempotency, outbox
from backend.auth.models import Viewer
from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    DEPARTURE_DAYS,
    HOLD_TTL,
    NO_SHOW_AFTER,
    NO_SHOW_UNTIL,
    BookingDoc,
    BookingErrorCode,
    BookingStatus,
    HoldDoc,
    HoldState,
    ItemKind,
    hanoi_date,
    slot_id,
)
from backend.bookings.service import holds as hold_service
from backend.bookings.service.bookings import notice_data
from backend.bookings.service.common import (
    BookingError,
    in_transaction,
    is_operator_staff,
    not_found,
    raise_all,
)
from backend.bookings.service.restaurants import table_size
from backend.bookings.tickets import hooks as ticket_hooks
from backend.db import Database
from backend.errors import DomainError
from backend.ids import parse_object_id

SCOPE = hold_service.SCOPE


@dataclass(frozen=True, kw_only=True)
class TableHoldRequest:
    restaurant_id: str
    starts_at: datetime
    party_size: int


async def hold(
    *,
    db: Database,
    viewer: Viewer,
    idempotency_key: str,
    tour: hold_service.TourHoldRequest | None,
    room: hold_service.RoomHoldRequest | None,
    table: TableHoldRequest | None = None,
    now: datetime,
) -> HoldDoc:
    """Take seats, room-nights or a table for 10 minutes (or return the hold this key made)."""
    if table is None:
        return await hold_service.hold(
            db=db, viewer=viewer, idempotency_key=idempotency_key, tour=tour, room=room, now=now
        )
    errors: list[DomainError | None] = []
    if not idempotency.valid_key(idempotency_key):
        errors.append(idempotency.invalid_key_error())
    if tour is not None or room is not None:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="Give exactly one of tour, room or table",
                vi="Hãy chọn đúng một trong ba: tour, phòng hoặc bàn",
            )
        )
    if table.starts_at.tzinfo is None:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_DATES,
                en="Give a time zone",
                vi="Hãy ghi rõ múi giờ",
                field="table.startsAt",
            )
        )
    raise_all(errors)
    return await _hold_table(db, viewer, idempotency_key, table, now)


def _not_a_seating(en: str, vi: str) -> BookingError:
    return BookingError(BookingErrorCode.INVALID_DATES, en=en, vi=vi, field="table.startsAt")


async def _hold_table(
    db: Database, viewer: Viewer, key: str, request: TableHoldRequest, now: datetime
) -> HoldDoc:
    uid = str(viewer.uid)
    starts_at = request.starts_at.astimezone(UTC)
    fingerprint = idempotency.fingerprint(
        SCOPE,
        {
            "table": request.restaurant_id,
            "starts_at": starts_at.isoformat(),
            "party": request.party_size,
        },
    )
    existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
    if existing is not None:
        return await hold_service._replay(db, existing)
    restaurant = (
        await booking_repository.get_restaurant(db, request.restaurant_id)
        if len(request.restaurant_id) <= 200
        else None
    )
    if restaurant is None:
        raise not_found(en="restaurant", vi="nhà hàng này", field="table.restaurantId")
    size = table_size(restaurant, request.party_size, field="table.partySize")
    if starts_at <= now:
        raise _not_a_seating("This seating has passed", "Giờ đặt bàn này đã qua")
    if starts_at > now + timedelta(days=DEPARTURE_DAYS):
        raise _not_a_seating(
            f"Tables are booked at most {DEPARTURE_DAYS} days ahead",
            f"Chỉ đặt bàn trước tối đa {DEPARTURE_DAYS} ngày",
        )
    day = hanoi_date(starts_at)
    # A seating belongs to the day its opening range starts on (which may be the day before).
    offered = {
        at.astimezone(UTC) for d in (day - timedelta(days=1), day) for at in restaurant.seatings(d)
    }
    if starts_at not in offered:
        raise _not_a_seating(
            "Not a seating of this restaurant: see restaurant.slots",
            "Không phải giờ nhận đặt bàn của nhà hàng: xem restaurant.slots",
        )
    item = slot_id(restaurant.id, starts_at, size)
    await hold_service.release_expired_holds(
        db, now, item=item, limit=hold_service.OPPORTUNISTIC_RELEASES
    )
    new_hold = HoldDoc(
        id=ObjectId(),
        user=uid,
        kind=ItemKind.TABLE,
        item=item,
        quantity=1,
        nights=[],
        amount_vnd=restaurant.deposit_per_person_vnd * request.party_size,
        state=HoldState.ACTIVE,
        expire_at=now + HOLD_TTL,
        created_at=now,
        party=request.party_size,
    )

    async def take(session: AsyncClientSession) -> bool:
        return await booking_repository.take_table(
            db, restaurant=restaurant.id, starts_at=starts_at, size=size, session=session
        )

    return await hold_service._take(
        db, uid=uid, key=key, fingerprint=fingerprint, new_hold=new_hold, take=take
    )


async def no_show(*, db: Database, viewer: Viewer, booking_id: str, now: datetime) -> BookingDoc:
    """The guests of a CONFIRMED table booking did not come: NO_SHOW (the deposit is kept),
    from 15 minutes after the seating, by the restaurant's staff; audited, and the guest told."""
    oid = parse_object_id(booking_id)
    booking = await booking_repository.get_booking(db, oid) if oid else None
    if booking is None or booking.kind is not ItemKind.TABLE:
        raise not_found(en="table booking", vi="đơn đặt bàn này", field="bookingId")
    if not is_operator_staff(viewer, booking.product):
        raise BookingError(
            BookingErrorCode.FORBIDDEN,
            en="Only this restaurant's staff can mark a no-show",
            vi="Chỉ nhân viên của nhà hàng này được ghi nhận khách không đến",
            field="bookingId",
        )
    if booking.status is not BookingStatus.CONFIRMED:
        raise BookingError(
            BookingErrorCode.NO_SHOW_NOT_ALLOWED,
            en="Only a confirmed booking whose guests have not arrived",
            vi="Chỉ áp dụng cho đơn đã xác nhận mà khách chưa đến",
            field="bookingId",
        )
    allowed_from = booking.starts_at + NO_SHOW_AFTER
    if now < allowed_from:
        minutes = int(NO_SHOW_AFTER.total_seconds() // 60)
        raise BookingError(
            BookingErrorCode.NO_SHOW_NOT_ALLOWED,
            en=f"Allowed from {minutes} minutes after the seating",
            vi=f"Chỉ được ghi nhận sau giờ đặt bàn {minutes} phút",
            field="bookingId",
        )
    if now > booking.starts_at + NO_SHOW_UNTIL:
        hours = int(NO_SHOW_UNTIL.total_seconds() // 3600)
        raise BookingError(
            BookingErrorCode.NO_SHOW_NOT_ALLOWED,
            en=f"Allowed until {hours} hours after the seating",
            vi=f"Chỉ được ghi nhận trong vòng {hours} giờ sau giờ đặt bàn",
            field="bookingId",
        )

    async def work(session: AsyncClientSession) -> BookingDoc:
        marked = await booking_repository.mark_no_show(
            db, booking.id, by=str(viewer.uid), now=now, session=session
        )
        if marked is None:  # redeemed or cancelled meanwhile
            raise BookingError(
                BookingErrorCode.NO_SHOW_NOT_ALLOWED,
                en="Only a confirmed booking whose guests have not arrived",
                vi="Chỉ áp dụng cho đơn đã xác nhận mà khách chưa đến",
                field="bookingId",
            )
        await audit.record(
            db,
            audit.AuditEntryDoc(
                id=ObjectId(),
                actor=str(viewer.uid),
                action="booking.no_show",
                object_type="booking",
                object_id=str(booking.id),
                reason=None,
                before={"status": booking.status.value},
                after={"status": BookingStatus.NO_SHOW.value},
                at=now,
            ),
            session=session,
        )
        # The guest hears it (push and inbox, email): the deposit is kept.
        notice = outbox.message(
            kind="booking.no_show", uids=[marked.user], data=notice_data(marked), now=now
        )
        await outbox.enqueue(db, [notice], session=session)
        await ticket_hooks.on_no_show(db, marked, now=now, session=session)
        return marked

    return await in_transaction(db, work)
