"""Storage models of the payments ledger: one document per VNPay payment or refund, in VND."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId

# A payment page lives at most this long, and never past its hold's expiry.
PAYMENT_WINDOW = timedelta(minutes=10)
# querydr asks about a payment with no IPN this long after its page expired (VNPay retries
# IPNs for a while first), and again after each lease while VNPay does not know yet.
QUERY_AFTER = timedelta(minutes=2)
LEASE = timedelta(minutes=1)
# A payment VNPay still has not heard of this long after its page expired was abandoned.
ABANDON_AFTER = timedelta(hours=1)


class EntryKind(StrEnum):
    PAYMENT = "PAYMENT"
    REFUND = "REFUND"


class PaymentState(StrEnum):
    PENDING = "PENDING"  # the page is out; neither IPN nor querydr has said how it ended
    PAID = "PAID"
    FAILED = "FAILED"  # cancelled, refused, or expired unpaid


class RefundState(StrEnum):
    PENDING = "PENDING"  # owed; VNPay has not accepted it yet (retried by the worker)
    DONE = "DONE"


class PaymentErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    NOT_PAYABLE = "NOT_PAYABLE"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    PAYMENTS_UNAVAILABLE = "PAYMENTS_UNAVAILABLE"


@dataclass(frozen=True, kw_only=True)
class LedgerEntry:
    """A payment (money in) or a refund (money out) of a booking."""

    id: ObjectId
    kind: EntryKind
    booking: ObjectId
    user: str
    amount_vnd: int
    state: str  # PaymentState or RefundState
    txn_ref: str  # the payment's vnp_TxnRef (a refund: its payment's)
    created_at: datetime
    expire_at: datetime | None = None  # PAYMENT: vnp_ExpireDate
    url: str | None = None  # PAYMENT: the signed page URL, handed out again while it lives
    payment: ObjectId | None = None  # REFUND: what it gives back
    key: str | None = None  # REFUND: unique per booking and sequence, so no refund is made twice
    transaction_no: str | None = None  # VNPay's vnp_TransactionNo
    pay_date: datetime | None = None
    response_code: str | None = None
    settled_at: datetime | None = None
    check_at: datetime | None = None  # when querydr / the refund retry may look at it next

    @property
    def payment_state(self) -> PaymentState:
        return PaymentState(self.state)

    def to_mongo(self) -> dict[str, Any]:
        return {
            "_id": self.id,
            "kind": self.kind.value,
            "booking": self.booking,
            "user": self.user,
            "amount_vnd": self.amount_vnd,
            "state": self.state,
            "txn_ref": self.txn_ref,
            "created_at": self.created_at,
            "expire_at": self.expire_at,
            "url": self.url,
            "payment": self.payment,
            "key": self.key,
            "transaction_no": self.transaction_no,
            "pay_date": self.pay_date,
            "response_code": self.response_code,
            "settled_at": self.settled_at,
            "check_at": self.check_at,
        }

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> LedgerEntry:
        return cls(
            id=doc["_id"],
            kind=EntryKind(doc["kind"]),
            booking=doc["booking"],
            user=doc["user"],
            amount_vnd=int(doc["amount_vnd"]),
            state=doc["state"],
            txn_ref=doc["txn_ref"],
            created_at=doc["created_at"],
            expire_at=doc.get("expire_at"),
            url=doc.get("url"),
            payment=doc.get("payment"),
            key=doc.get("key"),
            transaction_no=doc.get("transaction_no"),
            pay_date=doc.get("pay_date"),
            response_code=doc.get("response_code"),
            settled_at=doc.get("settled_at"),
            check_at=doc.get("check_at"),
        )
