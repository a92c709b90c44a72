"""What the payments rules share: their error, the merchant from settings, VNPay's API."""

from __future__ import annotations

from typing import Any

import httpx

from backend.errors import DomainError
from backend.payments.vnpay import Merchant
from backend.settings import Settings

# The address VNPay's API sees in refund and querydr requests (this server, not a customer).
SERVER_IP = "127.0.0.1"
API_TIMEOUT_SECONDS = 10.0


class PaymentError(DomainError):
    """A payments rule the request broke."""


def merchant_of(settings: Settings) -> Merchant | None:
    """The VNPay merchant the settings configure; None when payments are not set up."""
    if not (
        settings.vnpay_tmn_code
        and settings.vnpay_hash_secret
        and settings.vnpay_payment_url
        and settings.vnpay_api_url
    ):
        return None
    return Merchant(
        tmn_code=settings.vnpay_tmn_code,
        hash_secret=settings.vnpay_hash_secret,
        payment_url=settings.vnpay_payment_url,
        api_url=settings.vnpay_api_url,
    )


async def call_api(merchant: Merchant, body: dict[str, str]) -> dict[str, Any]:
    """POST a refund or querydr request; the JSON answer (ValueError when it is not JSON)."""
    # trust_env=False: a developer's HTTP(S)_PROXY must not capture the sandbox's traffic.
    async with httpx.AsyncClient(trust_env=False, timeout=API_TIMEOUT_SECONDS) as client:
        response = await client.post(merchant.api_url, json=body)
    answer = response.json()
    if not isinstance(answer, dict):
        raise ValueError("VNPay answered something other than a JSON object")
    return answer
