"""Storage models of the bookings domain: tours, departures, hotels, room types, holds, bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId

from backend.clock import HANOI

Text = dict[str, str]  # {"vi": ..., "en": ...}

# Vietnam keeps UTC+7 all year: departure times and hotel dates are Hanoi wall-clock.
HOLD_TTL = timedelta(minutes=10)
# Released and confirmed holds stay this long after expiry (for support), then TTL removes them.
HOLD_PURGE_AFTER = timedelta(days=1)
CHECK_IN_HOUR = 14  # a stay "starts" at 14:00 on the check-in day, for cancellation windows
DEPARTURE_DAYS = 60
ROOM_NIGHT_DAYS = 120
MAX_SEATS = 20
MAX_ROOMS = 9
MAX_NIGHTS = 30
REMINDER_BEFORE = timedelta(hours=24)
# Staff cancellations (weather, a guide falls ill) refund in full.
STAFF_REFUND_PERCENT = 100


class BookingErrorCode(StrEnum):
    SOLD_OUT = "SOLD_OUT"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    HOLD_ALREADY_CONFIRMED = "HOLD_ALREADY_CONFIRMED"
    INVALID_DATES = "INVALID_DATES"
    TOO_MANY_GUESTS = "TOO_MANY_GUESTS"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    INVALID_INPUT = "INVALID_INPUT"
    DEPARTED = "DEPARTED"
    CANCELLATION_NOT_ALLOWED = "CANCELLATION_NOT_ALLOWED"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    INVENTORY_BELOW_SOLD = "INVENTORY_BELOW_SOLD"
    DEPARTURE_EXISTS = "DEPARTURE_EXISTS"
    FORBIDDEN = "FORBIDDEN"
    # bookingRedeem: why a ticket's code was refused at the door.
    TICKET_INVALID = "TICKET_INVALID"  # not a code we signed (forged, altered, unknown key)
    TICKET_ALREADY_REDEEMED = "TICKET_ALREADY_REDEEMED"
    TICKET_CANCELLED = "TICKET_CANCELLED"
    TICKET_EXPIRED = "TICKET_EXPIRED"
    TICKET_NOT_YET_VALID = "TICKET_NOT_YET_VALID"
    TICKET_OTHER_OPERATOR = "TICKET_OTHER_OPERATOR"
    TICKET_NOT_CONFIRMED = "TICKET_NOT_CONFIRMED"  # the booking is not (or not yet) confirmed


class ItemKind(StrEnum):
    TOUR = "TOUR"
    ROOM = "ROOM"


class HoldState(StrEnum):
    ACTIVE = "ACTIVE"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"


class BookingStatus(StrEnum):
    # A priced booking waits in HELD (its hold keeps the inventory) until VNPay's IPN reports
    # the payment; EXPIRED when the hold ran out first (a late payment is refunded).
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    # The ticket was checked at the door (bookingRedeem), once.
    REDEEMED = "REDEEMED"


class PaymentStatus(StrEnum):
    """Where the booking's money is; the payments ledger holds the details."""

    NOT_REQUIRED = "NOT_REQUIRED"  # free
    UNPAID = "UNPAID"
    PAID = "PAID"
    REFUND_PENDING = "REFUND_PENDING"  # owed back (cancelled or paid too late), not yet refunded
    REFUNDED = "REFUNDED"


@dataclass(frozen=True)
class PolicyRule:
    """Cancelling at least `hours_before` the start refunds `refund_percent`."""

    hours_before: int
    refund_percent: int


def parse_policy(rules: list[dict[str, Any]]) -> list[PolicyRule]:
    """Policy rules, most generous (longest notice) first."""
    parsed = [PolicyRule(int(r["hours_before"]), int(r["refund_percent"])) for r in rules]
    return sorted(parsed, key=lambda rule: -rule.hours_before)


def refund_percent(policy: list[PolicyRule], *, hours_left: float) -> int | None:
    """The refund for cancelling `hours_left` before the start; None when no rule allows it."""
    for rule in policy:  # longest notice first: the first rule met is the best one
        if hours_left >= rule.hours_before:
            return rule.refund_percent
    return None


def hanoi_date(at: datetime) -> date:
    return at.astimezone(HANOI).date()


def stay_start(check_in: date) -> datetime:
    """When a stay begins (check-in time, Hanoi), for cancellation windows and reminders."""
    return datetime(check_in.year, check_in.month, check_in.day, CHECK_IN_HOUR, tzinfo=HANOI)


def nights(check_in: date, check_out: date) -> list[date]:
    return [check_in + timedelta(days=i) for i in range((check_out - check_in).days)]


@dataclass(frozen=True, kw_only=True)
class TourDoc:
    id: str
    title: Text
    description: Text
    price_vnd: int
    duration_minutes: int
    meeting_point_name: Text
    lat: float
    lng: float
    languages: list[str]
    policy: list[PolicyRule]
    capacity: int
    journeys: list[str]
    pois: list[str]

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> TourDoc:
        lng, lat = doc["meeting_point"]["location"]["coordinates"]
        return cls(
            id=doc["_id"],
            title=doc["title"],
            description=doc["description"],
            price_vnd=int(doc["price_vnd"]),
            duration_minutes=int(doc["duration_minutes"]),
            meeting_point_name=doc["meeting_point"]["name"],
            lat=lat,
            lng=lng,
            languages=list(doc.get("languages", [])),
            policy=parse_policy(doc.get("cancellation_policy", [])),
            capacity=int(doc["capacity"]),
            journeys=list(doc.get("journeys", [])),
            pois=list(doc.get("pois", [])),
        )


@dataclass(frozen=True, kw_only=True)
class DepartureDoc:
    id: ObjectId
    tour: str
    starts_at: datetime
    capacity: int
    seats_left: int

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> DepartureDoc:
        return cls(
            id=doc["_id"],
            tour=doc["tour"],
            starts_at=doc["starts_at"],
            capacity=int(doc["capacity"]),
            seats_left=int(doc["seats_left"]),
        )


@dataclass(frozen=True, kw_only=True)
class HotelDoc:
    id: str
    name: Text
    description: Text
    address: Text
    lat: float
    lng: float
    stars: int
    policy: list[PolicyRule]

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> HotelDoc:
        lng, lat = doc["location"]["coordinates"]
        return cls(
            id=doc["_id"],
            name=doc["name"],
            description=doc.get("description", {}),
            address=doc.get("address", {}),
            lat=lat,
            lng=lng,
            stars=int(doc["stars"]),
            policy=parse_policy(doc.get("cancellation_policy", [])),
        )


@dataclass(frozen=True, kw_only=True)
class RoomTypeDoc:
    id: str
    hotel: str
    name: Text
    capacity: int
    price_vnd: int
    weekend_price_vnd: int
    rooms: int

    def price_on(self, night: date) -> int:
        """The price of one night: Friday and Saturday nights cost the weekend price."""
        return self.weekend_price_vnd if night.weekday() in (4, 5) else self.price_vnd

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> RoomTypeDoc:
        return cls(
            id=doc["_id"],
            hotel=doc["hotel"],
            name=doc["name"],
            capacity=int(doc["capacity"]),
            price_vnd=int(doc["price_vnd"]),
            weekend_price_vnd=int(doc.get("weekend_price_vnd") or doc["price_vnd"]),
            rooms=int(doc["rooms"]),
        )


@dataclass(frozen=True, kw_only=True)
class RoomNightDoc:
    room_type: str
    date: date
    rooms_total: int
    rooms_left: int
    price_vnd: int

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> RoomNightDoc:
        return cls(
            room_type=doc["room_type"],
            date=date.fromisoformat(doc["date"]),
            rooms_total=int(doc["rooms_total"]),
            rooms_left=int(doc["rooms_left"]),
            price_vnd=int(doc["price_vnd"]),
        )


@dataclass(frozen=True, kw_only=True)
class HoldDoc:
    """Seats of a departure or rooms of a room type for some nights, taken for 10 minutes."""

    id: ObjectId
    user: str
    kind: ItemKind
    item: str  # departure id (as a string) or room type id: the inventory it took from
    quantity: int
    nights: list[date]  # ROOM only
    amount_vnd: int
    state: HoldState
    expire_at: datetime
    created_at: datetime
    booking: ObjectId | None = None  # a priced booking waiting on its payment

    @property
    def departure_id(self) -> ObjectId | None:
        return ObjectId(self.item) if self.kind is ItemKind.TOUR else None

    @property
    def check_in(self) -> date | None:
        return self.nights[0] if self.nights else None

    @property
    def check_out(self) -> date | None:
        return self.nights[-1] + timedelta(days=1) if self.nights else None

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "user": self.user,
            "kind": self.kind.value,
            "item": self.item,
            "quantity": self.quantity,
            "nights": [night.isoformat() for night in self.nights],
            "amount_vnd": self.amount_vnd,
            "state": self.state.value,
            "expire_at": self.expire_at,
            "created_at": self.created_at,
            "booking": self.booking,
        }

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> HoldDoc:
        return cls(
            id=doc["_id"],
            user=doc["user"],
            kind=ItemKind(doc["kind"]),
            item=doc["item"],
            quantity=int(doc["quantity"]),
            nights=[date.fromisoformat(n) for n in doc.get("nights", [])],
            amount_vnd=int(doc["amount_vnd"]),
            state=HoldState(doc["state"]),
            expire_at=doc["expire_at"],
            created_at=doc["created_at"],
            booking=doc.get("booking"),
        )


@dataclass(frozen=True, kw_only=True)
class Contact:
    name: str
    phone: str
    email: str


@dataclass(frozen=True, kw_only=True)
class TicketDoc:
    """A confirmed booking's ticket: a signed code (backend/bookings/tickets) and its window."""

    code: str
    key_id: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime

    def to_mongo(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "key_id": self.key_id,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "issued_at": self.issued_at,
        }

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> TicketDoc:
        return cls(
            code=doc["code"],
            key_id=doc["key_id"],
            valid_from=doc["valid_from"],
            valid_until=doc["valid_until"],
            issued_at=doc["issued_at"],
        )


@dataclass(frozen=True, kw_only=True)
class BookingDoc:
    id: ObjectId
    code: str
    user: str
    kind: ItemKind
    item: str  # as the hold's: the shard key's prefix (DESIGN: bookings by {item, _id})
    product: str  # tour slug or hotel slug
    title: Text
    place: Text
    starts_at: datetime
    quantity: int
    nights: list[date]
    guests: int
    contact: Contact
    amount_vnd: int
    policy: list[PolicyRule]
    status: BookingStatus
    hold: ObjectId
    created_at: datetime
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    refund_percent: int | None = None
    refund_vnd: int | None = None
    payment_status: PaymentStatus = PaymentStatus.NOT_REQUIRED
    paid_at: datetime | None = None
    ticket: TicketDoc | None = None
    redeemed_at: datetime | None = None
    redeemed_by: str | None = None

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "code": self.code,
            "user": self.user,
            "kind": self.kind.value,
            "item": self.item,
            "product": self.product,
            "title": self.title,
            "place": self.place,
            "starts_at": self.starts_at,
            "quantity": self.quantity,
            "nights": [night.isoformat() for night in self.nights],
            "guests": self.guests,
            "contact": {
                "name": self.contact.name,
                "phone": self.contact.phone,
                "email": self.contact.email,
            },
            "amount_vnd": self.amount_vnd,
            "policy": [
                {"hours_before": r.hours_before, "refund_percent": r.refund_percent}
                for r in self.policy
            ],
            "status": self.status.value,
            "hold": self.hold,
            "created_at": self.created_at,
            "reminder_sent_at": None,
            "payment_status": self.payment_status.value,
            "paid_at": self.paid_at,
        }

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> BookingDoc:
        contact = doc["contact"]
        return cls(
            id=doc["_id"],
            code=doc["code"],
            user=doc["user"],
            kind=ItemKind(doc["kind"]),
            item=doc["item"],
            product=doc["product"],
            title=doc["title"],
            place=doc["place"],
            starts_at=doc["starts_at"],
            quantity=int(doc["quantity"]),
            nights=[date.fromisoformat(n) for n in doc.get("nights", [])],
            guests=int(doc["guests"]),
            contact=Contact(name=contact["name"], phone=contact["phone"], email=contact["email"]),
            amount_vnd=int(doc["amount_vnd"]),
            policy=parse_policy(doc.get("policy", [])),
            status=BookingStatus(doc["status"]),
            hold=doc["hold"],
            created_at=doc["created_at"],
            cancelled_at=doc.get("cancelled_at"),
            cancelled_by=doc.get("cancelled_by"),
            cancel_reason=doc.get("cancel_reason"),
            refund_percent=doc.get("refund_percent"),
            refund_vnd=doc.get("refund_vnd"),
            payment_status=PaymentStatus(doc.get("payment_status", PaymentStatus.NOT_REQUIRED)),
            paid_at=doc.get("paid_at"),
            ticket=TicketDoc.from_mongo(doc["ticket"]) if doc.get("ticket") else None,
            redeemed_at=doc.get("redeemed_at"),
            redeemed_by=doc.get("redeemed_by"),
        )
