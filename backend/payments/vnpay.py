"""VNPay's payment gateway, version 2.1.0: the signed payment URL, IPN checks, refund, querydr.

Shared by the app and the local sandbox (backend/payments/sandbox), so both sides sign alike.

- Payment URL and IPN / return query: every `vnp_*` parameter except `vnp_SecureHash` and
  `vnp_SecureHashType`, sorted by name, URL-encoded (spaces as `+`, as VNPay's own samples do),
  joined with `&`, signed with HMAC-SHA512 under the merchant's hash secret, hex.
- refund and querydr (`POST` JSON to the API URL): the checksum is HMAC-SHA512 over fixed
  fields joined by `|`, in an order of their own (`REFUND_FIELDS`, `QUERYDR_FIELDS`), and the
  answer carries a checksum over its own order (`*_RESPONSE_FIELDS`).
Times are Hanoi wall clock, yyyyMMddHHmmss; amounts are VND x 100.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, urlencode

from backend.clock import HANOI

VERSION = "2.1.0"
TIME_FORMAT = "%Y%m%d%H%M%S"
SIGNATURE_FIELDS = ("vnp_SecureHash", "vnp_SecureHashType")

# The IPN answers VNPay's documentation lists (RspCode, Message).
IPN_SUCCESS = ("00", "Confirm Success")
IPN_ORDER_NOT_FOUND = ("01", "Order not found")
IPN_ALREADY_CONFIRMED = ("02", "Order already confirmed")
IPN_INVALID_AMOUNT = ("04", "invalid amount")
IPN_INVALID_SIGNATURE = ("97", "Invalid signature")
IPN_OTHER = ("99", "Unknow error")

# vnp_ResponseCode of a payment: 00 paid; 24 the customer cancelled; 11 the payment page
# expired; 51 not enough money (what the sandbox's "fail" answers).
PAID = "00"
CUSTOMER_CANCELLED = "24"
PAGE_EXPIRED = "11"
INSUFFICIENT_FUNDS = "51"
# querydr / refund vnp_ResponseCode: 00 done, 91 no such transaction, 94 duplicate request,
# 97 bad checksum, 02 the refund amount is wrong, 99 other.
API_OK = "00"
API_NOT_FOUND = "91"
API_DUPLICATE = "94"
API_BAD_CHECKSUM = "97"
API_INVALID_AMOUNT = "02"
# vnp_TransactionType of a refund: 02 in full, 03 in part.
REFUND_FULL = "02"
REFUND_PARTIAL = "03"

QUERYDR_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_TransactionDate",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_FIELDS = (
    "vnp_RequestId",
    "vnp_Version",
    "vnp_Command",
    "vnp_TmnCode",
    "vnp_TransactionType",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_TransactionNo",
    "vnp_TransactionDate",
    "vnp_CreateBy",
    "vnp_CreateDate",
    "vnp_IpAddr",
    "vnp_OrderInfo",
)
REFUND_RESPONSE_FIELDS = (
    "vnp_ResponseId",
    "vnp_Command",
    "vnp_ResponseCode",
    "vnp_Message",
    "vnp_TmnCode",
    "vnp_TxnRef",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_PayDate",
    "vnp_TransactionNo",
    "vnp_TransactionType",
    "vnp_TransactionStatus",
    "vnp_OrderInfo",
)
# querydr answers the refund's fields and the promotion applied, in that order.
QUERYDR_RESPONSE_FIELDS = (*REFUND_RESPONSE_FIELDS, "vnp_PromotionCode", "vnp_PromotionAmount")


def hanoi_time(at: datetime) -> str:
    """yyyyMMddHHmmss in Hanoi (GMT+7), as VNPay wants every time."""
    return at.astimezone(HANOI).strftime(TIME_FORMAT)


def parse_hanoi_time(text: str) -> datetime:
    """The inverse of `hanoi_time` (ValueError on anything else)."""
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=HANOI)


def hmac_sha512(secret: str, data: str) -> str:
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def query_sign_data(params: Mapping[str, str]) -> str:
    """The signed text of a payment URL, IPN or return query."""
    fields = sorted(
        (k, v)
        for k, v in params.items()
        if k.startswith("vnp_") and k not in SIGNATURE_FIELDS and v != ""
    )
    return urlencode(fields, quote_via=quote_plus)


def sign_query(params: Mapping[str, str], secret: str) -> str:
    """vnp_SecureHash of a payment URL, IPN or return query."""
    return hmac_sha512(secret, query_sign_data(params))


def signed_query(params: Mapping[str, str], secret: str) -> str:
    """The query string with its vnp_SecureHash last."""
    return query_sign_data(params) + "&vnp_SecureHash=" + sign_query(params, secret)


def verify_query(params: Mapping[str, str], secret: str) -> bool:
    """Whether an IPN or return query carries the right signature (constant time)."""
    given = params.get("vnp_SecureHash", "")
    return hmac.compare_digest(given.lower(), sign_query(params, secret))


def pipe_checksum(body: Mapping[str, Any], fields: tuple[str, ...], secret: str) -> str:
    """refund / querydr checksum: the fields in their fixed order, joined by `|`."""
    return hmac_sha512(secret, "|".join(str(body.get(field, "")) for field in fields))


@dataclass(frozen=True, kw_only=True)
class Merchant:
    """A merchant's connection to VNPay (or to the local sandbox)."""

    tmn_code: str
    hash_secret: str
    payment_url: str
    api_url: str


@dataclass(frozen=True, kw_only=True)
class PaymentRequest:
    txn_ref: str
    amount_vnd: int
    order_info: str
    locale: str  # "vn" or "en"
    return_url: str
    ip_addr: str
    created_at: datetime
    expire_at: datetime


def payment_url(merchant: Merchant, request: PaymentRequest) -> str:
    """The URL the app opens to pay (vnp_Command=pay), signed."""
    params = {
        "vnp_Version": VERSION,
        "vnp_Command": "pay",
        "vnp_TmnCode": merchant.tmn_code,
        "vnp_Amount": str(request.amount_vnd * 100),
        "vnp_CurrCode": "VND",
        "vnp_TxnRef": request.txn_ref,
        "vnp_OrderInfo": request.order_info,
        "vnp_OrderType": "other",
        "vnp_Locale": request.locale,
        "vnp_ReturnUrl": request.return_url,
        "vnp_IpAddr": request.ip_addr,
        "vnp_CreateDate": hanoi_time(request.created_at),
        "vnp_ExpireDate": hanoi_time(request.expire_at),
    }
    return merchant.payment_url + "?" + signed_query(params, merchant.hash_secret)


def querydr_body(
    merchant: Merchant,
    *,
    request_id: str,
    txn_ref: str,
    transaction_date: datetime,
    now: datetime,
    ip_addr: str,
) -> dict[str, str]:
    """A signed querydr request."""
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "querydr",
        "vnp_TmnCode": merchant.tmn_code,
        "vnp_TxnRef": txn_ref,
        "vnp_OrderInfo": f"Query {txn_ref}",
        "vnp_TransactionDate": hanoi_time(transaction_date),
        "vnp_CreateDate": hanoi_time(now),
        "vnp_IpAddr": ip_addr,
    }
    body["vnp_SecureHash"] = pipe_checksum(body, QUERYDR_FIELDS, merchant.hash_secret)
    return body


def refund_body(
    merchant: Merchant,
    *,
    request_id: str,
    txn_ref: str,
    amount_vnd: int,
    full: bool,
    transaction_no: str,
    transaction_date: datetime,
    created_by: str,
    now: datetime,
    ip_addr: str,
) -> dict[str, str]:
    """A signed refund request (02 in full, 03 in part)."""
    body = {
        "vnp_RequestId": request_id,
        "vnp_Version": VERSION,
        "vnp_Command": "refund",
        "vnp_TmnCode": merchant.tmn_code,
        "vnp_TransactionType": REFUND_FULL if full else REFUND_PARTIAL,
        "vnp_TxnRef": txn_ref,
        "vnp_Amount": str(amount_vnd * 100),
        "vnp_OrderInfo": f"Refund {txn_ref}",
        "vnp_TransactionNo": transaction_no,
        "vnp_TransactionDate": hanoi_time(transaction_date),
        "vnp_CreateBy": created_by,
        "vnp_CreateDate": hanoi_time(now),
        "vnp_IpAddr": ip_addr,
    }
    body["vnp_SecureHash"] = pipe_checksum(body, REFUND_FIELDS, merchant.hash_secret)
    return body


def verify_response(body: Mapping[str, Any], fields: tuple[str, ...], secret: str) -> bool:
    """Whether a querydr / refund answer is VNPay's (its checksum over its own order)."""
    given = str(body.get("vnp_SecureHash", ""))
    return hmac.compare_digest(given.lower(), pipe_checksum(body, fields, secret))
