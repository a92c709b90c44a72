"""Fixtures of the payments tests: the local VNPay sandbox (one per session), a merchant of the
test's own on it, the app configured to pay there, and a `Sandbox` client that pays like a
customer (the page, the decision) and hands the IPNs it holds back to the test.

The app is served in-process (httpx ASGITransport), so the sandbox cannot reach its IPN URL:
merchants here have none, and their IPNs wait in the sandbox until `deliver_ipns` fetches them
and sends each to the app's `/payments/vnpay/ipn`, exactly as the sandbox signed (or bent) it.
test_end_to_end.py serves the app on a port instead and lets the sandbox send them itself.
"""

from __future__ import annotations

import secrets
import string
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from backend.payments.sandbox import LocalVnpay
from backend.payments.vnpay import Merchant
from backend.settings import Settings

TMN_ALPHABET = string.ascii_uppercase + string.digits


@dataclass(frozen=True)
class SandboxMerchantKeys:
    tmn_code: str
    hash_secret: str


@pytest.fixture
def merchant(vnpay_sandbox: LocalVnpay) -> SandboxMerchantKeys:
    """A merchant of this test's own (its IPNs held for the test to deliver)."""
    found = SandboxMerchantKeys(
        tmn_code="".join(secrets.choice(TMN_ALPHABET) for _ in range(8)),
        hash_secret=secrets.token_hex(16),
    )
    response = httpx.put(
        f"{vnpay_sandbox.url}/_sandbox/merchants/{found.tmn_code}",
        json={"hashSecret": found.hash_secret},
        trust_env=False,
    )
    assert response.status_code == 200, response.text
    return found


@pytest.fixture
def gateway(vnpay_sandbox: LocalVnpay, merchant: SandboxMerchantKeys) -> Merchant:
    """The app's view of the test's merchant, for calling the worker's jobs directly."""
    return Merchant(
        tmn_code=merchant.tmn_code,
        hash_secret=merchant.hash_secret,
        payment_url=vnpay_sandbox.payment_url,
        api_url=vnpay_sandbox.api_url,
    )


def with_vnpay(settings: Settings, sandbox: LocalVnpay, merchant: SandboxMerchantKeys) -> Settings:
    return replace(
        settings,
        vnpay_tmn_code=merchant.tmn_code,
        vnpay_hash_secret=merchant.hash_secret,
        vnpay_payment_url=sandbox.payment_url,
        vnpay_api_url=sandbox.api_url,
    )


@pytest.fixture
def settings(
    settings: Settings, vnpay_sandbox: LocalVnpay, merchant: SandboxMerchantKeys
) -> Settings:
    """The test settings, paying through the sandbox as this test's merchant."""
    return with_vnpay(settings, vnpay_sandbox, merchant)


class Sandbox:
    """The sandbox's HTTP interface, as a customer and as the test's control panel."""

    def __init__(
        self, http: httpx.AsyncClient, merchant: SandboxMerchantKeys, app: httpx.AsyncClient
    ) -> None:
        self.http = http
        self.merchant = merchant
        self.app = app
        self.control = f"/_sandbox/merchants/{merchant.tmn_code}"

    async def open_page(self, payment_url: str) -> httpx.Response:
        """GET the payment page the app handed out."""
        parts = urlsplit(payment_url)
        return await self.http.get(f"{parts.path}?{parts.query}")

    async def decide(self, payment_url: str, outcome: str = "pay") -> dict[str, str]:
        """Open the page and press pay, fail or cancel; the signed return query."""
        page = await self.open_page(payment_url)
        assert page.status_code == 200, page.text
        txn_ref = dict(parse_qsl(urlsplit(payment_url).query))["vnp_TxnRef"]
        answer = await self.http.post(
            "/paymentv2/decide",
            data={"tmn": self.merchant.tmn_code, "txn_ref": txn_ref, "outcome": outcome},
        )
        assert answer.status_code == 302, answer.text
        return dict(parse_qsl(urlsplit(answer.headers["location"]).query))

    async def rules(self, *rules: dict[str, Any]) -> None:
        """Bend the next IPNs: drop, duplicate, delay, wrong_amount, bad_signature."""
        response = await self.http.put(f"{self.control}/ipn-rules", json={"rules": list(rules)})
        assert response.status_code == 200, response.text

    async def take_ipns(self) -> list[str]:
        """The signed IPN queries the sandbox holds, taken."""
        response = await self.http.get(f"{self.control}/ipns", params={"take": "true"})
        assert response.status_code == 200, response.text
        ipns: list[str] = response.json()["ipns"]
        return ipns

    async def deliver_ipns(self) -> list[dict[str, str]]:
        """Send every held IPN to the app, one after the other; the app's answers."""
        answers = []
        for query in await self.take_ipns():
            response = await self.app.get(f"/payments/vnpay/ipn?{query}")
            assert response.status_code == 200, response.text
            answers.append(response.json())
        return answers

    async def transaction(self, txn_ref: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.control}/transactions/{txn_ref}")
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found


@pytest.fixture
async def sandbox(
    vnpay_sandbox: LocalVnpay, merchant: SandboxMerchantKeys, client: httpx.AsyncClient
) -> AsyncIterator[Sandbox]:
    async with httpx.AsyncClient(base_url=vnpay_sandbox.url, trust_env=False, timeout=30) as http:
        yield Sandbox(http, merchant, client)


def txn_ref_of(payment_url: str) -> str:
    return dict(parse_qsl(urlsplit(payment_url).query))["vnp_TxnRef"]


def new_key() -> str:
    return uuid.uuid4().hex
