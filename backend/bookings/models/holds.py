"""Storage model of a hold: inventory taken for a few minutes while the booking is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bson import ObjectId

from backend.bookings.models.statuses import HoldState, ItemKind


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
    party: int | None = None  # TABLE: the party the table was held (and its deposit paid) for

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
            "party": self.party,
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
            party=doc.get("party"),
        )
