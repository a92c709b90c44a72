"""Storage models of a booking: its contact, its ticket and the booking itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bson import ObjectId

from backend.bookings.models.policy import PolicyRule, parse_policy
from backend.bookings.models.statuses import BookingStatus, ItemKind, PaymentStatus, Text


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
