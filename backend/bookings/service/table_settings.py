"""Restaurant tables in force: staff settings (restaurantTablesSet) and a content reload, both
moving the seatings already opened (never below what is held or booked).

Seatings are opened lazily by the first hold (backend/bookings/service/tables.py) with the
restaurant's count at that moment; these two are the only other writers of a seating's total.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit
from backend.auth.models import Viewer
from backend.bookings import repository as booking_repository
from backend.bookings.models import BookingErrorCode, RestaurantDoc
from backend.bookings.models.restaurants import MAX_DEPOSIT_VND, MAX_TABLE_SIZE, MAX_TABLES
from backend.bookings.service.common import BookingError, in_transaction, not_found, raise_all
from backend.db import Database
from backend.errors import DomainError
from backend.meta import repository as meta_repository
from backend.tourism.hours import WEEKDAYS, InvalidHoursError, OpeningHours


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
