"""The sandbox's memory: merchants, transactions, IPN rules and IPNs held back, all bounded.

Lost when the process exits. Handlers never await between reading and changing it (the one
event loop serialises them), so no lock is needed.
"""

from __future__ import annotations

import itertools
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

MAX_TRANSACTIONS: Final = 200_000
MAX_MERCHANTS: Final = 10_000
MAX_LOG: Final = 10_000
INSTANCE_ENV: Final = "LOCAL_VNPAY_INSTANCE_ID"
INSTANCE_HEADER: Final = "X-Local-Vnpay-Instance"
# What an IPN rule can do to the next IPNs of a merchant.
IPN_ACTIONS: Final = ("send", "drop", "duplicate", "delay", "wrong_amount", "bad_signature")


@dataclass
class IpnRule:
    action: str
    times: int = 1
    delay_seconds: float = 0.0  # "delay": 0 = until released by POST .../ipns/release


@dataclass
class SandboxMerchant:
    tmn_code: str
    hash_secret: str
    ipn_url: str | None = None  # None: IPNs wait in `held` for the caller to take
    rules: deque[IpnRule] = field(default_factory=deque)
    held: deque[str] = field(default_factory=lambda: deque(maxlen=MAX_LOG))  # signed queries
    deliveries: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_LOG))

    def next_action(self) -> IpnRule | None:
        """The rule for the next IPN (each counts down its `times`)."""
        if not self.rules:
            return None
        rule = self.rules[0]
        rule.times -= 1
        if rule.times <= 0:
            self.rules.popleft()
        return rule


@dataclass
class Transaction:
    tmn_code: str
    txn_ref: str
    amount: int  # vnp_Amount (VND x 100)
    order_info: str
    return_url: str
    create_date: str
    expire_at: datetime
    locale: str
    status: str = "01"  # 01 open, 00 paid, 02 failed
    response_code: str | None = None
    transaction_no: str | None = None
    pay_date: str | None = None
    bank_code: str = "NCB"
    refunded: int = 0  # vnp_Amount units
    refund_requests: set[str] = field(default_factory=set)


class SandboxState:
    def __init__(self, instance_id: str | None = None) -> None:
        self.instance_id = instance_id or uuid.uuid4().hex
        self.merchants: OrderedDict[str, SandboxMerchant] = OrderedDict()
        self.transactions: OrderedDict[tuple[str, str], Transaction] = OrderedDict()
        self.transaction_numbers = itertools.count(14_000_001)

    def merchant(self, tmn_code: str) -> SandboxMerchant | None:
        return self.merchants.get(tmn_code)

    def add_merchant(self, merchant: SandboxMerchant) -> None:
        self.merchants[merchant.tmn_code] = merchant
        while len(self.merchants) > MAX_MERCHANTS:
            self.merchants.popitem(last=False)

    def add_transaction(self, txn: Transaction) -> None:
        self.transactions[txn.tmn_code, txn.txn_ref] = txn
        while len(self.transactions) > MAX_TRANSACTIONS:
            self.transactions.popitem(last=False)
