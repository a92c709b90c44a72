"""GraphQL output types of bookings: the catalogue, holds, bookings and their errors."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from backend.auth.models import Locale
from backend.bookings.dataloaders import loaders
from backend.bookings.models import (
    BookingDoc,
    BookingErrorCode,
    BookingStatus,
    DepartureDoc,
    HoldDoc,
    HoldState,
    HotelDoc,
    ItemKind,
    PaymentStatus,
    PolicyRule,
    RoomTypeDoc,
    Text,
    TourDoc,
)
from backend.bookings.restaurant_types import RestaurantSlot, table_slot
from backend.bookings.tickets.types import BookingTicket
from backend.context import Info
from backend.errors import UserError
from backend.geopoint import GeoPoint

BookingErrorCodeEnum = strawberry.enum(
    BookingErrorCode, name="BookingErrorCode", description="Why a booking mutation did not happen."
)
BookingStatusEnum = strawberry.enum(
    BookingStatus,
    name="BookingStatus",
    description="Whether a booking stands: HELD waits for its payment, EXPIRED was not paid "
    "in time.",
)
PaymentStatusEnum = strawberry.enum(
    PaymentStatus,
    name="PaymentStatus",
    description="Where a booking's money is: REFUND_PENDING is owed back through VNPay.",
)
# A booking shows its ticket while it stands, and after the visit as its record.
TICKETED_STATUSES = frozenset({BookingStatus.CONFIRMED, BookingStatus.REDEEMED})
BookingKindEnum = strawberry.enum(
    ItemKind,
    name="BookingKind",
    description="What is booked: tour seats, hotel rooms or a restaurant table.",
)
BookingHoldStateEnum = strawberry.enum(
    HoldState,
    name="BookingHoldState",
    description="ACTIVE until confirmed (CONFIRMED) or expired and given back (RELEASED).",
)


def text(value: Text, locale: Locale) -> str:
    """`value` in the viewer's language, else in the other one."""
    return value.get(locale.value) or next((v for v in value.values() if v), "")


@strawberry.type(description="A booking mutation's problem, with a code the app can act on.")
class BookingError(UserError):
    code: BookingErrorCodeEnum = strawberry.field(description="What went wrong.")  # type: ignore[valid-type]


@strawberry.type(description="Cancelling this long before the start refunds this much.")
class CancellationRule:
    hours_before: int = strawberry.field(description="At least this many hours before the start.")
    refund_percent: int = strawberry.field(description="Percent of the price refunded, 0-100.")

    @classmethod
    def many(cls, rules: list[PolicyRule]) -> list[CancellationRule]:
        return [cls(hours_before=r.hours_before, refund_percent=r.refund_percent) for r in rules]


@strawberry.type(description="Where a tour starts.")
class MeetingPoint:
    name: str = strawberry.field(description="The place, in the viewer's language.")
    location: GeoPoint = strawberry.field(description="Where it is.")


@strawberry.type(description="One departure of a tour, with its seats.")
class TourDeparture:
    id: strawberry.ID = strawberry.field(description="Opaque id; hold seats with it.")
    tour_id: strawberry.ID = strawberry.field(description="The tour's id.")
    starts_at: datetime = strawberry.field(description="When the tour leaves (UTC).")
    capacity: int = strawberry.field(description="Seats in all.")
    seats_left: int = strawberry.field(description="Seats not held or booked.")

    @classmethod
    def from_doc(cls, doc: DepartureDoc) -> TourDeparture:
        return cls(
            id=strawberry.ID(str(doc.id)),
            tour_id=strawberry.ID(doc.tour),
            starts_at=doc.starts_at,
            capacity=doc.capacity,
            seats_left=max(doc.seats_left, 0),
        )


@strawberry.type(description="A guided tour in and around Hanoi.")
class Tour:
    id: strawberry.ID = strawberry.field(description="Stable slug, e.g. `old-quarter-walking`.")
    title: str = strawberry.field(description="Title in the viewer's language.")
    description: str = strawberry.field(description="Description in the viewer's language.")
    price_per_person: int = strawberry.field(description="Price per seat, in VND.")
    duration_minutes: int = strawberry.field(description="How long the tour lasts.")
    meeting_point: MeetingPoint = strawberry.field(description="Where it starts.")
    languages: list[str] = strawberry.field(description="Guide languages (ISO 639-1 codes).")
    cancellation_policy: list[CancellationRule] = strawberry.field(
        description="Refunds by notice, longest notice first; later than the last rule, a "
        "tourist cannot cancel."
    )
    capacity: int = strawberry.field(description="Seats of a regular departure.")
    journey_ids: list[strawberry.ID] = strawberry.field(description="Related heritage journeys.")
    poi_ids: list[strawberry.ID] = strawberry.field(description="Places the tour visits.")

    @strawberry.field(description="Departures in [from, to) (default: the next 60 days).")
    async def departures(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> list[TourDeparture]:
        docs = await loaders(info).departures.load((str(self.id), from_, to))
        return [TourDeparture.from_doc(doc) for doc in docs]

    @classmethod
    def from_doc(cls, doc: TourDoc, locale: Locale) -> Tour:
        return cls(
            id=strawberry.ID(doc.id),
            title=text(doc.title, locale),
            description=text(doc.description, locale),
            price_per_person=doc.price_vnd,
            duration_minutes=doc.duration_minutes,
            meeting_point=MeetingPoint(
                name=text(doc.meeting_point_name, locale),
                location=GeoPoint(lat=doc.lat, lng=doc.lng),
            ),
            languages=doc.languages,
            cancellation_policy=CancellationRule.many(doc.policy),
            capacity=doc.capacity,
            journey_ids=[strawberry.ID(j) for j in doc.journeys],
            poi_ids=[strawberry.ID(p) for p in doc.pois],
        )


@strawberry.type(description="Rooms of a type for a stay: free on every night or not.")
class RoomAvailability:
    available: bool = strawberry.field(description="At least one room is free every night.")
    rooms_left: int = strawberry.field(description="Rooms free on the fullest night.")
    total_price: int = strawberry.field(description="One room for the whole stay, in VND.")
    nightly_prices: list[int] = strawberry.field(description="Price of each night, in VND.")


@strawberry.type(description="A kind of room in a hotel.")
class RoomType:
    id: strawberry.ID = strawberry.field(description="Opaque id; hold rooms with it.")
    hotel_id: strawberry.ID = strawberry.field(description="The hotel's id.")
    name: str = strawberry.field(description="Name in the viewer's language.")
    capacity: int = strawberry.field(description="Guests per room.")
    price_per_night: int = strawberry.field(description="Sunday-Thursday nights, in VND.")
    weekend_price_per_night: int = strawberry.field(description="Friday and Saturday, in VND.")

    @strawberry.field(description="Free rooms and the price for a stay (checkOut exclusive).")
    async def availability(self, info: Info, check_in: date, check_out: date) -> RoomAvailability:
        found = await loaders(info).availability.load((str(self.id), check_in, check_out))
        if found is None:
            return RoomAvailability(available=False, rooms_left=0, total_price=0, nightly_prices=[])
        return RoomAvailability(
            available=found.available,
            rooms_left=found.rooms_left,
            total_price=found.total_price_vnd,
            nightly_prices=found.nightly_prices_vnd,
        )

    @classmethod
    def from_doc(cls, doc: RoomTypeDoc, locale: Locale) -> RoomType:
        return cls(
            id=strawberry.ID(doc.id),
            hotel_id=strawberry.ID(doc.hotel),
            name=text(doc.name, locale),
            capacity=doc.capacity,
            price_per_night=doc.price_vnd,
            weekend_price_per_night=doc.weekend_price_vnd,
        )


@strawberry.type(description="A hotel in Hanoi.")
class Hotel:
    id: strawberry.ID = strawberry.field(description="Stable slug.")
    name: str = strawberry.field(description="Name in the viewer's language.")
    description: str = strawberry.field(description="Description in the viewer's language.")
    address: str = strawberry.field(description="Street address in the viewer's language.")
    location: GeoPoint = strawberry.field(description="Where it is.")
    stars: int = strawberry.field(description="Official star rating, 1-5.")
    cancellation_policy: list[CancellationRule] = strawberry.field(
        description="Refunds by notice before check-in (14:00), longest notice first."
    )

    @strawberry.field(description="The hotel's room types.")
    async def room_types(self, info: Info) -> list[RoomType]:
        docs = await loaders(info).room_types_of_hotel.load(str(self.id))
        return [RoomType.from_doc(doc, info.context.viewer.locale) for doc in docs]

    @classmethod
    def from_doc(cls, doc: HotelDoc, locale: Locale) -> Hotel:
        return cls(
            id=strawberry.ID(doc.id),
            name=text(doc.name, locale),
            description=text(doc.description, locale),
            address=text(doc.address, locale),
            location=GeoPoint(lat=doc.lat, lng=doc.lng),
            stars=doc.stars,
            cancellation_policy=CancellationRule.many(doc.policy),
        )


@strawberry.type(description="Seats or rooms taken for 10 minutes while the tourist confirms.")
class BookingHold:
    id: strawberry.ID = strawberry.field(description="Pass to bookingConfirm.")
    kind: BookingKindEnum = strawberry.field(description="Tour seats or hotel rooms.")  # type: ignore[valid-type]
    state: BookingHoldStateEnum = strawberry.field(description="As stored; check expiresAt.")  # type: ignore[valid-type]
    expires_at: datetime = strawberry.field(description="Confirm before this (UTC).")
    quantity: int = strawberry.field(description="Seats, or rooms per night.")
    departure_id: strawberry.ID | None = strawberry.field(description="For a tour hold.")
    room_type_id: strawberry.ID | None = strawberry.field(description="For a room hold.")
    check_in: date | None = strawberry.field(description="For a room hold.")
    check_out: date | None = strawberry.field(description="For a room hold (exclusive).")
    total_price: int = strawberry.field(description="What the booking will cost, in VND.")
    table_slot_id: strawberry.ID | None = strawberry.field(description="For a table hold.")

    @classmethod
    def from_doc(cls, doc: HoldDoc) -> BookingHold:
        tour = doc.kind is ItemKind.TOUR
        return cls(
            id=strawberry.ID(str(doc.id)),
            kind=doc.kind,
            state=doc.state,
            expires_at=doc.expire_at,
            quantity=doc.quantity,
            departure_id=strawberry.ID(doc.item) if tour else None,
            room_type_id=strawberry.ID(doc.item) if doc.kind is ItemKind.ROOM else None,
            table_slot_id=strawberry.ID(doc.item) if doc.kind is ItemKind.TABLE else None,
            check_in=doc.check_in,
            check_out=doc.check_out,
            total_price=doc.amount_vnd,
        )

    @strawberry.field(
        description="For a tour hold: the departure, with the seats left after this hold."
    )
    async def departure(self, info: Info) -> TourDeparture | None:
        return await _departure(info, self.departure_id)

    @strawberry.field(
        description="For a room hold: the room type; its `availability` for this stay shows the "
        "rooms left after this hold."
    )
    async def room_type(self, info: Info) -> RoomType | None:
        return await _room_type(info, self.room_type_id)

    @strawberry.field(description="For a table hold: the seating's tables, left after it.")
    async def table_slot(self, info: Info) -> RestaurantSlot | None:
        return await table_slot(info, self.table_slot_id)


async def _departure(info: Info, departure_id: strawberry.ID | None) -> TourDeparture | None:
    if departure_id is None:
        return None
    doc = await loaders(info).departure.load(str(departure_id))
    return TourDeparture.from_doc(doc) if doc else None


async def _room_type(info: Info, room_type_id: strawberry.ID | None) -> RoomType | None:
    if room_type_id is None:
        return None
    doc = await loaders(info).room_type.load(str(room_type_id))
    return RoomType.from_doc(doc, info.context.viewer.locale) if doc else None


@strawberry.type(description="Who to reach about a booking.")
class BookingContact:
    name: str = strawberry.field(description="Full name.")
    phone: str = strawberry.field(description="Phone number.")
    email: str = strawberry.field(description="Email address.")


@strawberry.type(
    description="A confirmed (or cancelled) booking; seen by its owner, tourism staff and admins."
)
class Booking:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    code: str = strawberry.field(description="Human-readable code, e.g. TL-7K3Q9P.")
    status: BookingStatusEnum = strawberry.field(description="Confirmed or cancelled.")  # type: ignore[valid-type]
    kind: BookingKindEnum = strawberry.field(description="Tour seats or hotel rooms.")  # type: ignore[valid-type]
    product_id: strawberry.ID = strawberry.field(description="The tour's or hotel's id.")
    departure_id: strawberry.ID | None = strawberry.field(description="For a tour booking.")
    room_type_id: strawberry.ID | None = strawberry.field(description="For a room booking.")
    table_slot_id: strawberry.ID | None = strawberry.field(
        description="For a table booking: the seating and table size (see `tableSlot`)."
    )
    title: str = strawberry.field(description="What was booked, in the viewer's language.")
    place: str = strawberry.field(description="Meeting point or hotel address.")
    starts_at: datetime = strawberry.field(description="Departure, or check-in at 14:00 (UTC).")
    check_in: date | None = strawberry.field(description="For a room booking.")
    check_out: date | None = strawberry.field(description="For a room booking (exclusive).")
    quantity: int = strawberry.field(description="Seats, or rooms per night.")
    guests: int = strawberry.field(description="People the booking is for.")
    contact: BookingContact = strawberry.field(description="Who to reach.")
    total_price: int = strawberry.field(description="Price paid, in VND.")
    cancellation_policy: list[CancellationRule] = strawberry.field(
        description="The policy agreed when booking."
    )
    created_at: datetime = strawberry.field(description="When it was confirmed.")
    cancelled_at: datetime | None = strawberry.field(description="When it was cancelled.")
    cancel_reason: str | None = strawberry.field(description="Why, as given when cancelling.")
    refund_percent: int | None = strawberry.field(description="Refunded percent, once cancelled.")
    refund_amount: int | None = strawberry.field(description="Refunded VND, once cancelled.")
    payment_status: PaymentStatusEnum = strawberry.field(  # type: ignore[valid-type]
        description="Whether it was paid (through VNPay), or refunded."
    )
    ticket: BookingTicket | None = strawberry.field(
        description="The ticket to show at the door, once confirmed (kept after it is redeemed)."
    )
    redeemed_at: datetime | None = strawberry.field(
        description="When the ticket was accepted at the door (REDEEMED)."
    )

    @classmethod
    def from_doc(cls, doc: BookingDoc, locale: Locale) -> Booking:
        tour = doc.kind is ItemKind.TOUR
        return cls(
            id=strawberry.ID(str(doc.id)),
            code=doc.code,
            status=doc.status,
            kind=doc.kind,
            product_id=strawberry.ID(doc.product),
            departure_id=strawberry.ID(doc.item) if tour else None,
            room_type_id=strawberry.ID(doc.item) if doc.kind is ItemKind.ROOM else None,
            table_slot_id=strawberry.ID(doc.item) if doc.kind is ItemKind.TABLE else None,
            title=text(doc.title, locale),
            place=text(doc.place, locale),
            starts_at=doc.starts_at,
            check_in=doc.nights[0] if doc.nights else None,
            check_out=(date.fromordinal(doc.nights[-1].toordinal() + 1) if doc.nights else None),
            quantity=doc.quantity,
            guests=doc.guests,
            contact=BookingContact(
                name=doc.contact.name, phone=doc.contact.phone, email=doc.contact.email
            ),
            total_price=doc.amount_vnd,
            cancellation_policy=CancellationRule.many(doc.policy),
            created_at=doc.created_at,
            cancelled_at=doc.cancelled_at,
            cancel_reason=doc.cancel_reason,
            refund_percent=doc.refund_percent,
            refund_amount=doc.refund_vnd,
            payment_status=doc.payment_status,
            ticket=(
                BookingTicket.from_doc(doc.ticket, booking_id=str(doc.id))
                if doc.ticket is not None and doc.status in TICKETED_STATUSES
                else None
            ),
            redeemed_at=doc.redeemed_at,
        )

    @strawberry.field(description="For a tour booking: the departure, with its seats left.")
    async def departure(self, info: Info) -> TourDeparture | None:
        return await _departure(info, self.departure_id)

    @strawberry.field(
        description="For a room booking: the room type; its `availability` for the stay shows "
        "the rooms left."
    )
    async def room_type(self, info: Info) -> RoomType | None:
        return await _room_type(info, self.room_type_id)

    @strawberry.field(
        description="For a table booking: the seating's tables, with the tables left now."
    )
    async def table_slot(self, info: Info) -> RestaurantSlot | None:
        return await table_slot(info, self.table_slot_id)
