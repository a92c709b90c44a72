"""Collection payments: the ledger of VNPay payments and refunds; the only code that touches it.

Every amount is an integer in VND. A payment moves PENDING -> PAID or FAILED once, by a
conditional update, so two IPNs (or an IPN and querydr) never both apply it. A refund's `key`
is unique (booking and sequence number), so two workers never owe the same refund twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime, timedelta

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from backend.db import Database
from backend.db import created_between as db_created_between
from backend.payments.models import EntryKind, LedgerEntry, PaymentState, RefundState

PAYMENTS = "payments"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    PAYMENTS: [
        # "pay:<txn_ref>" or "refund:<booking>:<n>": one entry per VNPay transaction or refund.
        IndexModel([("key", ASCENDING)], unique=True, name="key_unique"),
        IndexModel([("txn_ref", ASCENDING), ("kind", ASCENDING)], name="txn_ref_kind"),
        IndexModel([("booking", ASCENDING), ("created_at", ASCENDING)], name="booking_created"),
        # querydr of payments with no IPN, retries of refunds: what is due, oldest first.
        IndexModel(
            [("kind", ASCENDING), ("state", ASCENDING), ("check_at", ASCENDING)], name="due"
        ),
        # The daily reconciliation.
        IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)], name="created_at"),
    ],
}
# A booking has a handful of attempts and refunds; more is a bug, not a page to read.
MAX_PER_BOOKING = 100


def payment_key(txn_ref: str) -> str:
    return f"pay:{txn_ref}"


def refund_key(booking: ObjectId, sequence: int) -> str:
    return f"refund:{booking}:{sequence}"


async def insert_entry(
    db: Database, entry: LedgerEntry, *, session: AsyncClientSession | None = None
) -> None:
    """Insert a payment or refund (DuplicateKeyError when its key exists)."""
    await db[PAYMENTS].insert_one(entry.to_mongo(), session=session)


async def get_payment(db: Database, txn_ref: str) -> LedgerEntry | None:
    """The payment with this vnp_TxnRef."""
    doc = await db[PAYMENTS].find_one({"txn_ref": txn_ref, "kind": EntryKind.PAYMENT.value})
    return LedgerEntry.from_mongo(doc) if doc else None


async def entries_of(db: Database, booking: ObjectId) -> list[LedgerEntry]:
    """A booking's payments and refunds, oldest first."""
    cursor = (
        db[PAYMENTS].find({"booking": booking}).sort("created_at", ASCENDING).limit(MAX_PER_BOOKING)
    )
    return [LedgerEntry.from_mongo(doc) for doc in await cursor.to_list(None)]


async def live_payment(db: Database, booking: ObjectId, *, until: datetime) -> LedgerEntry | None:
    """The booking's newest PENDING payment whose page is still open at `until`."""
    doc = await db[PAYMENTS].find_one(
        {
            "booking": booking,
            "kind": EntryKind.PAYMENT.value,
            "state": PaymentState.PENDING.value,
            "expire_at": {"$gt": until},
        },
        sort=[("created_at", DESCENDING)],
    )
    return LedgerEntry.from_mongo(doc) if doc else None


async def settle_payment(
    db: Database,
    entry_id: ObjectId,
    *,
    state: PaymentState,
    transaction_no: str | None,
    pay_date: datetime | None,
    response_code: str,
    now: datetime,
    session: AsyncClientSession,
) -> LedgerEntry | None:
    """PENDING -> PAID or FAILED, once; None when it was settled already."""
    doc = await db[PAYMENTS].find_one_and_update(
        {"_id": entry_id, "state": PaymentState.PENDING.value},
        {
            "$set": {
                "state": state.value,
                "transaction_no": transaction_no,
                "pay_date": pay_date,
                "response_code": response_code,
                "settled_at": now,
                "check_at": None,
            }
        },
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    return LedgerEntry.from_mongo(doc) if doc else None


async def claim_due(
    db: Database, *, kind: EntryKind, now: datetime, lease: timedelta
) -> LedgerEntry | None:
    """Lease one PENDING payment (for querydr) or refund (to send) that is due."""
    doc = await db[PAYMENTS].find_one_and_update(
        {"kind": kind.value, "state": "PENDING", "check_at": {"$lte": now}},
        {"$set": {"check_at": now + lease}},
        sort=[("check_at", ASCENDING)],
        return_document=ReturnDocument.AFTER,
    )
    return LedgerEntry.from_mongo(doc) if doc else None


async def claim_refund(
    db: Database, entry_id: ObjectId, *, now: datetime, lease: timedelta
) -> LedgerEntry | None:
    """Lease this PENDING refund for sending; None when another sender holds it or it is done."""
    doc = await db[PAYMENTS].find_one_and_update(
        {"_id": entry_id, "state": RefundState.PENDING.value, "check_at": {"$lte": now}},
        {"$set": {"check_at": now + lease}},
        return_document=ReturnDocument.AFTER,
    )
    return LedgerEntry.from_mongo(doc) if doc else None


async def refund_done(
    db: Database,
    entry_id: ObjectId,
    *,
    transaction_no: str | None,
    response_code: str,
    now: datetime,
) -> None:
    """PENDING -> DONE: VNPay accepted the refund."""
    await db[PAYMENTS].update_one(
        {"_id": entry_id, "state": RefundState.PENDING.value},
        {
            "$set": {
                "state": RefundState.DONE.value,
                "transaction_no": transaction_no,
                "response_code": response_code,
                "settled_at": now,
                "check_at": None,
            }
        },
    )


async def note_response(db: Database, entry_id: ObjectId, *, response_code: str) -> None:
    """Keep VNPay's last answer about an entry still pending (for support)."""
    await db[PAYMENTS].update_one({"_id": entry_id}, {"$set": {"response_code": response_code}})


async def created_between(
    db: Database, start: datetime, end: datetime
) -> AsyncIterator[LedgerEntry]:
    """Ledger entries created in [start, end), oldest first, streamed."""
    async for found in db_created_between(db[PAYMENTS], start, end):
        yield LedgerEntry.from_mongo(found)
