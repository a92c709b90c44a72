"""bookingConfirm, reminders, and reading bookings (bookingCancel: cancellation.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend import idempotency, outbox
from backend.auth.models import Viewer
from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    HANOI,
    HOLD_PURGE_AFTER,
    REMINDER_BEFORE,
    TABLE_POLICY,
    BookingDoc,
    BookingErrorCode,
    BookingStatus,
    Contact,
    HoldDoc,
    HoldState,
    ItemKind,
    PaymentStatus,
    TableSlotDoc,
    Text,
    stay_start,
)
from backend.bookings.service.common import (
    BookingError,
    already_booked,
    check_contact,
    in_transaction,
    is_booking_staff,
    not_found,
    raise_all,
)
from backend.bookings.tickets import hooks as ticket_hooks
from backend.db import Database
from backend.ids import parse_object_id
from backend.pagination import Page, decode_cursor, encode_cursor, page_size

SCOPE = "bookingConfirm"
# No 0/O, 1/I/L: a code read out over the phone is not misheard. 31^6 is about 887 million.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def new_code() -> str:
    """A human-readable booking code such as TL-7K3Q9P."""
    return "TL-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True, kw_only=True)
class ConfirmRequest:
    hold_id: str
    idempotency_key: str
    contact: Contact
    guests: int


@dataclass(frozen=True)
class _Product:
    product: str
    title: Text
    place: Text
    starts_at: datetime
    capacity: int  # guests the held inventory can take
    policy: list[Any]


async def _product(db: Database, hold: HoldDoc) -> _Product:
    if hold.kind is ItemKind.TABLE:
        slot = TableSlotDoc.parse_id(hold.item)
        restaurant = await booking_repository.get_restaurant(db, slot[0]) if slot else None
        if slot is None or restaurant is None:
            raise not_found(en="hold", vi="lượt giữ chỗ này", field="holdId")
        place = restaurant.address if any(restaurant.address.values()) else restaurant.name
        # At most the party held for (its deposit was counted per guest), within the table.
        capacity = min(hold.party or slot[2], slot[2])
        return _Product(restaurant.id, restaurant.name, place, slot[1], capacity, TABLE_POLICY)
    if hold.kind is ItemKind.TOUR:
        departure = await booking_repository.get_departure(db, ObjectId(hold.item))
        tour = await booking_repository.get_tour(db, departure.tour) if departure else None
        if departure is None or tour is None:
            raise not_found(en="hold", vi="lượt giữ chỗ này", field="holdId")
        return _Product(
            tour.id,
            tour.title,
            tour.meeting_point_name,
            departure.starts_at,
            hold.quantity,
            tour.policy,
        )
    room_type = await booking_repository.get_room_type(db, hold.item)
    hotel = await booking_repository.get_hotel(db, room_type.hotel) if room_type else None
    if room_type is None or hotel is None:
        raise not_found(en="hold", vi="lượt giữ chỗ này", field="holdId")
    title = {
        lang: f"{hotel.name.get(lang, '')} - {room_type.name.get(lang, '')}"
        for lang in ("vi", "en")
    }
    assert hold.check_in is not None
    return _Product(
        hotel.id,
        title,
        hotel.address or hotel.name,
        stay_start(hold.check_in).astimezone(HANOI),
        room_type.capacity * hold.quantity,
        hotel.policy,
    )


def notice_data(booking: BookingDoc) -> dict[str, Any]:
    """Placeholders of the booking.* templates; `service` and `place` are {vi, en}."""
    local = booking.starts_at.astimezone(HANOI)
    return {
        "booking_id": str(booking.id),
        "code": booking.code,
        "service": dict(booking.title),
        "place": dict(booking.place),
        "date": local.strftime("%d/%m/%Y"),
        "time": local.strftime("%H:%M"),
        "starts_at": booking.starts_at.isoformat(),
    }


async def _replay(db: Database, booking_id: ObjectId) -> BookingDoc:
    found = await booking_repository.get_booking(db, booking_id)
    if found is None:
        raise not_found(en="booking", vi="đơn đặt chỗ này", field="holdId")
    return found


async def confirm(
    *, db: Database, viewer: Viewer, request: ConfirmRequest, now: datetime
) -> BookingDoc:
    """Turn the viewer's live hold into a CONFIRMED booking (or replay this key's booking)."""
    uid = str(viewer.uid)
    contact = Contact(
        name=request.contact.name.strip(),
        phone=request.contact.phone.strip(),
        email=request.contact.email.strip(),
    )
    errors = check_contact(contact)
    if not idempotency.valid_key(request.idempotency_key):
        errors.append(idempotency.invalid_key_error())
    if request.guests < 1:
        errors.append(
            BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="At least 1 guest",
                vi="Cần ít nhất 1 khách",
                field="guests",
            )
        )
    raise_all(errors)
    key = request.idempotency_key
    fingerprint = idempotency.fingerprint(
        SCOPE,
        {
            "hold": request.hold_id,
            "guests": request.guests,
            "contact": [contact.name, contact.phone, contact.email],
        },
    )
    existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
    if existing is not None:
        return await _replay(db, existing)
    hold_id = parse_object_id(request.hold_id)
    held = await booking_repository.get_hold(db, hold_id) if hold_id else None
    if held is None or held.user != uid:
        raise not_found(en="hold", vi="lượt giữ chỗ này", field="holdId")
    if held.state is HoldState.CONFIRMED:
        raise already_booked()
    expired = BookingError(
        BookingErrorCode.HOLD_EXPIRED,
        en="The hold expired: hold again",
        vi="Lượt giữ chỗ đã hết hạn: hãy giữ chỗ lại",
        field="holdId",
    )
    if held.state is HoldState.RELEASED or held.expire_at <= now:
        raise expired
    product = await _product(db, held)
    if request.guests > product.capacity:
        raise BookingError(
            BookingErrorCode.TOO_MANY_GUESTS,
            en=f"At most {product.capacity} guests for this hold",
            vi=f"Lượt giữ chỗ này nhận tối đa {product.capacity} khách",
            field="guests",
        )

    priced = held.amount_vnd > 0

    def booking_with(code: str) -> BookingDoc:
        return BookingDoc(
            id=ObjectId(),
            code=code,
            user=uid,
            kind=held.kind,
            item=held.item,
            product=product.product,
            title=product.title,
            place=product.place,
            starts_at=product.starts_at,
            quantity=held.quantity,
            nights=held.nights,
            guests=request.guests,
            contact=contact,
            amount_vnd=held.amount_vnd,
            policy=product.policy,
            # A priced booking waits for VNPay's IPN (payments domain) to confirm it.
            status=BookingStatus.HELD if priced else BookingStatus.CONFIRMED,
            hold=held.id,
            created_at=now,
            payment_status=PaymentStatus.UNPAID if priced else PaymentStatus.NOT_REQUIRED,
        )

    for _attempt in range(3):  # a new code after the (very rare) clash with an existing one
        booking = booking_with(new_code())

        async def work(session: AsyncClientSession, booking: BookingDoc = booking) -> bool:
            if priced:
                # The hold keeps its inventory until the payment confirms (or it expires).
                claimed = await booking_repository.reserve_live_hold(
                    db, held.id, uid, booking_id=booking.id, now=now, session=session
                )
            else:
                claimed = await booking_repository.claim_live_hold(
                    db,
                    held.id,
                    uid,
                    now=now,
                    purge_at=held.expire_at + HOLD_PURGE_AFTER,
                    session=session,
                )
            if claimed is None:
                return False  # expired and released, or another confirm won
            await booking_repository.insert_booking(db, booking, session=session)
            await idempotency.record(
                db,
                uid=uid,
                key=key,
                scope=SCOPE,
                fingerprint=fingerprint,
                result_id=booking.id,
                now=now,
                session=session,
            )
            if not priced:
                await on_confirmed(db, booking, now=now, session=session)
            return True

        try:
            won = await in_transaction(db, work)
        except DuplicateKeyError:
            existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
            if existing is not None:
                return await _replay(db, existing)
            continue
        if won:
            # Re-read: a free booking got its ticket in the transaction (on_confirmed).
            return await _replay(db, booking.id) if not priced else booking
        # Lost the hold: to a retry of this very request (replay it), or to expiry.
        existing = await idempotency.find_result(db, uid=uid, key=key, fingerprint=fingerprint)
        if existing is not None:
            return await _replay(db, existing)
        latest = await booking_repository.get_hold(db, held.id)
        if latest is not None and (latest.state is HoldState.CONFIRMED or latest.booking):
            raise already_booked()
        raise expired
    raise RuntimeError("could not find a free booking code")


async def on_confirmed(
    db: Database, booking: BookingDoc, *, now: datetime, session: AsyncClientSession
) -> None:
    """What a booking's confirmation writes in its transaction (free at bookingConfirm, priced
    at its payment's IPN): the booking.confirmed notice. Tickets and email hook in here."""
    notice = outbox.message(
        kind="booking.confirmed", uids=[booking.user], data=notice_data(booking), now=now
    )
    await outbox.enqueue(db, [notice], session=session)
    # The ticket (signed QR code) and the confirmation email, in the same transaction.
    await ticket_hooks.on_confirmed(db, booking, now=now, session=session)


async def get_booking(*, db: Database, viewer: Viewer, booking_id: str) -> BookingDoc | None:
    """A booking its owner or staff may see; None for anyone else and for bad ids."""
    oid = parse_object_id(booking_id)
    booking = await booking_repository.get_booking(db, oid) if oid else None
    if booking is None or not viewer.is_authenticated:
        return None
    if booking.user != viewer.uid and not is_booking_staff(viewer):
        return None
    return booking


async def enqueue_reminders(db: Database, now: datetime, *, limit: int = 1_000) -> int:
    """Write one booking.reminder per confirmed tour booking starting within 24 hours."""
    sent = 0
    while sent < limit:

        async def work(session: AsyncClientSession) -> bool:
            due = await booking_repository.mark_reminder_due(
                db, now=now, until=now + REMINDER_BEFORE, session=session
            )
            if due is None:
                return False
            notice = outbox.message(
                kind="booking.reminder", uids=[due.user], data=notice_data(due), now=now
            )
            await outbox.enqueue(db, [notice], session=session)
            return True

        if not await in_transaction(db, work):
            break
        sent += 1
    return sent


async def my_bookings(
    *,
    db: Database,
    uid: str,
    status: BookingStatus | None,
    first: int | None,
    after: str | None,
) -> Page[BookingDoc]:
    """The user's bookings, newest first."""
    size = page_size(first)
    position = None
    if after is not None:
        millis, oid = decode_cursor(after, 2)
        parsed = parse_object_id(oid)
        if not isinstance(millis, int) or parsed is None:
            raise BookingError(
                BookingErrorCode.INVALID_INPUT,
                en="Bad cursor",
                vi="Con trỏ phân trang (cursor) không hợp lệ",
                field="after",
            )
        position = (EPOCH + timedelta(milliseconds=millis), parsed)
    docs = await booking_repository.my_bookings(
        db, user=uid, status=status, after=position, limit=size + 1
    )
    page = docs[:size]
    cursors = [
        encode_cursor([(doc.created_at - EPOCH) // timedelta(milliseconds=1), str(doc.id)])
        for doc in page
    ]
    return Page(page, cursors, has_next_page=len(docs) > size)
