"""Restaurant tables: bookingHold of a table for one seating, bookingNoShow, and staff settings.

A table hold reuses the tour/room hold machinery (backend/bookings/service/holds.py): the same
idempotency key, 10-minute hold, transaction and release of expired holds. Its inventory is one
table of the smallest size that seats the party at that seating; the seating's tables document
is opened lazily in the hold's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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
    RestaurantDoc,
    hanoi_date,
    slot_id,
)
from backend.bookings.models.restaurants import MAX_DEPOSIT_VND, MAX_TABLE_SIZE, MAX_TABLES
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
from backend.meta import repository as meta_repository
from backend.tourism.hours import WEEKDAYS, InvalidHoursError, OpeningHours

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


async def follow_tables(*, db: Database, restaurant_id: str, now: datetime) -> int:
    """Future seatings already opened take the restaurant's tables in force (the content's, or
    the staff's when they set them), after a content reload changed them. Held and booked tables
    stay: a seating with more of them than the new count keeps them, and each goes away as it
    comes back (an expired hold, a cancellation) instead of becoming free. Returns how many
    seatings moved."""

    async def work(session: AsyncClientSession) -> int:
        # Read with a write in this transaction, so staff setting the tables meanwhile conflict
        # with it (one of the two retries with the other's counts).
        restaurant = await booking_repository.restaurant_for_update(
            db, restaurant_id, session=session
        )
        if restaurant is None:  # retired
            return 0
        moved = 0
        for slot in await booking_repository.future_slots(db, restaurant.id, now, session=session):
            target = restaurant.tables.get(slot.size, 0)
            if slot.follows(target):
                continue
            # The slot was read in this transaction's snapshot: a change since is a conflict.
            written = await booking_repository.follow_total(db, slot, target, session=session)
            assert written, f"seating {slot.id} changed inside its own snapshot"
            moved += 1
        return moved

    return await in_transaction(db, work)


@dataclass(frozen=True)
class TablesSetting:
    party_size: int
    count: int


async def set_tables(
    *,
    db: Database,
    viewer: Viewer,
    restaurant_id: str,
    tables: list[TablesSetting],
    opening_hours: dict[str, Any] | None,
    deposit_per_person_vnd: int | None,
    now: datetime,
) -> RestaurantDoc:
    """Staff set a restaurant's tables per size (and its hours, its deposit): future seatings
    already opened move by the difference, never below what is held or sold (all or none)."""
    errors: list[DomainError | None] = []
    sizes = [setting.party_size for setting in tables]
    if len(set(sizes)) != len(sizes) or not tables:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="Give each table size once",
                vi="Mỗi cỡ bàn chỉ ghi một lần",
                field="tables",
            )
        )
    if any(
        not 1 <= s.party_size <= MAX_TABLE_SIZE or not 0 <= s.count <= MAX_TABLES for s in tables
    ):
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en=f"Sizes 1 to {MAX_TABLE_SIZE}, counts 0 to {MAX_TABLES}",
                vi=f"Cỡ bàn từ 1 đến {MAX_TABLE_SIZE}, số bàn từ 0 đến {MAX_TABLES}",
                field="tables",
            )
        )
    if deposit_per_person_vnd is not None and not 0 <= deposit_per_person_vnd <= MAX_DEPOSIT_VND:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en=f"0 to {MAX_DEPOSIT_VND} VND",
                vi=f"Từ 0 đến {MAX_DEPOSIT_VND} đồng",
                field="depositPerPersonVnd",
            )
        )
    if opening_hours is not None:
        try:
            if set(opening_hours.get("weekly") or {}) - set(WEEKDAYS):
                raise InvalidHoursError("unknown weekday")
            OpeningHours.parse(opening_hours)
        except InvalidHoursError:
            errors.append(
                BookingError(
                    BookingErrorCode.INVALID_INPUT,
                    en="Times as HH:MM, each range opening before it closes",
                    vi="Giờ theo dạng HH:MM, mỗi khoảng mở cửa trước khi đóng cửa",
                    field="openingHours",
                )
            )
    raise_all(errors)
    restaurant = (
        await booking_repository.get_restaurant(db, restaurant_id)
        if len(restaurant_id) <= 200
        else None
    )
    if restaurant is None:
        raise not_found(en="restaurant", vi="nhà hàng này", field="restaurantId")
    wanted = {setting.party_size: setting.count for setting in tables}
    overrides: dict[str, Any] = {"tables": {str(size): n for size, n in sorted(wanted.items())}}
    if opening_hours is not None:
        # Weekly hours without dated exceptions keep the restaurant's (holiday closures).
        kept = (restaurant.hours_raw or {}).get("exceptions") or []
        overrides["opening_hours"] = {"exceptions": kept, **opening_hours}
    if deposit_per_person_vnd is not None:
        overrides["deposit_per_person_vnd"] = deposit_per_person_vnd
    before = {
        "tables": {str(size): n for size, n in sorted(restaurant.tables.items())},
        "opening_hours": restaurant.hours_raw,
        "deposit_per_person_vnd": restaurant.deposit_per_person_vnd,
    }

    async def work(session: AsyncClientSession) -> RestaurantDoc:
        for slot in await booking_repository.future_slots(db, restaurant.id, now, session=session):
            count = wanted.get(slot.size, 0)
            if count != slot.tables_total and not await booking_repository.set_tables_total(
                db, slot, count, session=session
            ):
                raise BookingError(
                    BookingErrorCode.INVENTORY_BELOW_SOLD,
                    en="More tables of this size are already held or booked for a seating",
                    vi="Số bàn cỡ này đã được giữ hoặc đặt cho một giờ nhiều hơn thế",
                    field="tables",
                )
        changed = await booking_repository.set_overrides(
            db, restaurant.id, overrides, session=session
        )
        assert changed is not None
        await audit.record(
            db,
            audit.AuditEntryDoc(
                id=ObjectId(),
                actor=str(viewer.uid),
                action="restaurant.tables_set",
                object_type="restaurant",
                object_id=restaurant.id,
                reason=None,
                before=before,
                after=overrides,
                at=now,
            ),
            session=session,
        )
        return changed

    changed = await in_transaction(db, work)
    # Every web process's content snapshot reloads the restaurant's new settings.
    await meta_repository.bump_content_revision(db, at=now)
    return changed
