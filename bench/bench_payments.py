"""1,000 concurrent holds on an 800-seat departure, then every held seat bought through VNPay
(the local sandbox), with 20% of the IPNs duplicated and 5% delayed, through real HTTP.

Starts SecantusDB (:memory:), a loopback certificate server for RS256 ID tokens, the local VNPay
sandbox (a child process) and the app under uvicorn on 127.0.0.1. Phase 1 fires the 1,000
bookingHold calls (64 in flight, 1,000 users). Phase 2, for every hold: bookingConfirm (HELD,
with its payment URL), the sandbox's payment page, "pay"; the sandbox sends the signed IPN to the
app before it redirects (twice at once for a duplicated one; a delayed one is released when
every customer has paid). Then it checks, from the database and the sandbox's own records:

- oversold: seats confirmed or still held beyond the departure's capacity (must be 0);
- charged twice: bookings whose money kept at VNPay (paid - refunded) exceeds its price (0);
- confirmed without payment: CONFIRMED bookings with no PAID payment in the ledger (0);
- paid without confirmation or refund: money kept at VNPay for a booking that is not
  CONFIRMED, or a PAID payment the ledger neither confirmed nor refunded (0);
- and that `payments reconcile` finds nothing for the day.
It prints throughput and p50/p99 of the holds and of the purchases (confirm + page + pay, the
pay including the IPN's round trip).

    .venv/bin/python bench/bench_payments.py
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["NO_GCE_CHECK"] = "true"
os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)

import firebase_admin._token_gen as token_gen
import httpx
import uvicorn
from bson import ObjectId
from pymongo import AsyncMongoClient

from backend.app import create_app
from backend.auth.localtokens import PROJECT_ID, CertServer, SigningKey, id_token
from backend.clock import HANOI
from backend.embedded import EmbeddedMongo
from backend.payments.sandbox import LocalVnpay
from backend.settings import Environment, Settings

HOLDS, CONCURRENCY, SEATS = 1_000, 64, 800
DUPLICATED, DELAYED = 0.20, 0.05
TMN_CODE = "BENCHPAY"
HOLD = """mutation($input: BookingHoldInput!) {
  bookingHold(input: $input) { hold { id } errors { code } } }"""
CONFIRM = """mutation($input: BookingConfirmInput!) {
  bookingConfirm(input: $input) { booking { id status } paymentUrl errors { code } } }"""
CONTACT = {"name": "Nguyễn Văn An", "phone": "+84 912 345 678", "email": "an@example.com"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)] * 1000


async def main() -> None:
    key = SigningKey()
    secret = secrets.token_hex(16)
    with (
        EmbeddedMongo(":memory:") as mongo,
        CertServer([key]) as certs,
        LocalVnpay() as sandbox,
        tempfile.TemporaryDirectory() as tmp,
    ):
        token_gen.ID_TOKEN_CERT_URI = certs.url
        settings = Settings(
            env=Environment.TEST,
            mongodb_uri=mongo.uri,
            mongodb_db="bench",
            data_dir=Path(tmp),
            firebase_project_id=PROJECT_ID,
            revocation_check_seconds=0,
            vnpay_tmn_code=TMN_CODE,
            vnpay_hash_secret=secret,
            vnpay_payment_url=sandbox.payment_url,
            vnpay_api_url=sandbox.api_url,
        )
        db_client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri, tz_aware=True)
        db = db_client["bench"]
        from backend.bookings import loader
        from backend.domains import ensure_indexes
        from backend.payments import service as payment_service
        from backend.seed import CONTENT_DIR

        await ensure_indexes(db)
        await loader.load_content(db, CONTENT_DIR)
        departure = ObjectId()
        now = datetime.now(UTC)
        await db.tour_departures.insert_one(
            {
                "_id": departure,
                "tour": "old-quarter-walking",
                "starts_at": now + timedelta(days=2, minutes=7),
                "capacity": SEATS,
                "seats_left": SEATS,
                "created_at": now,
            }
        )
        port = free_port()
        # Keep-alive longer than a purchase's pause between two calls to the app (uvicorn's 5 s
        # default closes pooled connections under the client, as a load balancer would not).
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                timeout_keep_alive=75,
            )
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.05)
        tokens = [id_token(key, uid=f"bench-{i}") for i in range(HOLDS)]
        gate = asyncio.Semaphore(CONCURRENCY)
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        control = f"/_sandbox/merchants/{TMN_CODE}"
        async with (
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120, trust_env=False
            ) as http,
            httpx.AsyncClient(
                base_url=sandbox.url, limits=limits, timeout=120, trust_env=False
            ) as vn,
        ):
            ipn_url = f"http://127.0.0.1:{port}/payments/vnpay/ipn"
            registered = await vn.put(control, json={"hashSecret": secret, "ipnUrl": ipn_url})
            assert registered.status_code == 200, registered.text

            async def gql(i: int, query: str, variables: dict[str, Any]) -> dict[str, Any]:
                response = await http.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    # (as the app sends it; also spares a stored-locale read per request)
                    headers={"Authorization": f"Bearer {tokens[i]}", "Accept-Language": "vi"},
                )
                body: dict[str, Any] = response.json()
                return body["data"]

            # Phase 1: the holds.
            hold_latencies: list[float] = []
            holds: dict[int, str] = {}
            outcomes: dict[str, int] = {}

            async def hold(i: int) -> None:
                variables = {
                    "input": {
                        "idempotencyKey": uuid.uuid4().hex,
                        "tour": {"departureId": str(departure), "seats": 1},
                    }
                }
                async with gate:
                    started = time.perf_counter()
                    payload = (await gql(i, HOLD, variables))["bookingHold"]
                    hold_latencies.append(time.perf_counter() - started)
                outcome = "held" if payload["hold"] else payload["errors"][0]["code"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if payload["hold"]:
                    holds[i] = payload["hold"]["id"]

            began = time.perf_counter()
            await asyncio.gather(*(hold(i) for i in range(HOLDS)))
            hold_elapsed = time.perf_counter() - began

            # Phase 2: every held seat bought; the IPNs bent as the sandbox is told.
            rng = random.Random(22)
            actions = ["duplicate"] * round(len(holds) * DUPLICATED)
            actions += ["delay"] * round(len(holds) * DELAYED)
            actions += ["send"] * (len(holds) - len(actions))
            rng.shuffle(actions)
            rules = await vn.put(
                f"{control}/ipn-rules", json={"rules": [{"action": a} for a in actions]}
            )
            assert rules.status_code == 200, rules.text
            buy_latencies: list[float] = []
            failures: list[str] = []

            async def buy(i: int, hold_id: str) -> None:
                variables = {
                    "input": {
                        "holdId": hold_id,
                        "idempotencyKey": uuid.uuid4().hex,
                        "contact": CONTACT,
                        "guests": 1,
                    }
                }
                async with gate:
                    started = time.perf_counter()
                    payload = (await gql(i, CONFIRM, variables))["bookingConfirm"]
                    if not payload["paymentUrl"]:
                        failures.append(f"no payment URL: {payload}")
                        return
                    parts = urlsplit(payload["paymentUrl"])
                    page = await vn.get(f"{parts.path}?{parts.query}")
                    txn_ref = dict(parse_qsl(parts.query))["vnp_TxnRef"]
                    paid = await vn.post(
                        "/paymentv2/decide",
                        data={"tmn": TMN_CODE, "txn_ref": txn_ref, "outcome": "pay"},
                    )
                    buy_latencies.append(time.perf_counter() - started)
                if page.status_code != 200 or paid.status_code != 302:
                    failures.append(f"payment of {hold_id}: {page.status_code} {paid.status_code}")

            began = time.perf_counter()
            await asyncio.gather(*(buy(i, hold_id) for i, hold_id in holds.items()))
            released = await vn.post(f"{control}/ipns/release")
            buy_elapsed = time.perf_counter() - began
            deliveries = (await vn.get(f"{control}/ipns")).json()["deliveries"]
            answers: dict[str, int] = {}
            for delivery in deliveries:
                code = delivery.get("answer", {}).get("RspCode", "none")
                answers[code] = answers.get(code, 0) + 1

            # The checks, from the database and from the sandbox's records.
            stored = await db.tour_departures.find_one({"_id": departure})
            bookings = {b["_id"]: b async for b in db.bookings.find({})}
            entries = [e async for e in db.payments.find({})]
            kept_at_vnpay: dict[ObjectId, int] = {}
            for entry in entries:
                if entry["kind"] != "PAYMENT" or entry["state"] != "PAID":
                    continue
                txn = (await vn.get(f"{control}/transactions/{entry['txn_ref']}")).json()
                kept = (txn["amount"] - txn["refunded"]) // 100
                kept_at_vnpay[entry["booking"]] = kept_at_vnpay.get(entry["booking"], 0) + kept
            confirmed = [b for b in bookings.values() if b["status"] == "CONFIRMED"]
            active_holds = await db.booking_holds.count_documents(
                {"item": str(departure), "state": "ACTIVE", "booking": None}
            )
            oversold = max(0, len(confirmed) + active_holds - SEATS) + max(
                0, -int(stored["seats_left"])
            )
            charged_twice = sum(
                1 for b, kept in kept_at_vnpay.items() if kept > bookings[b]["amount_vnd"]
            )
            paid_bookings = {
                e["booking"] for e in entries if e["kind"] == "PAYMENT" and e["state"] == "PAID"
            }
            unpaid_confirmed = sum(1 for b in confirmed if b["_id"] not in paid_bookings)
            paid_unconfirmed = sum(
                1
                for b, kept in kept_at_vnpay.items()
                if kept and bookings[b]["status"] != "CONFIRMED"
            )
            day = datetime.now(HANOI).date()
            disagreements = await payment_service.reconcile_day(db, day, now=datetime.now(UTC))
        server.should_exit = True
        await serving
        await db_client.close()
    purchases = len(buy_latencies)
    print(f"holds={HOLDS} concurrency={CONCURRENCY} seats={SEATS} outcomes={outcomes}")
    print(
        f"holds: {HOLDS / hold_elapsed:.1f} req/s, "
        f"p50={statistics.median(hold_latencies) * 1000:.1f}ms "
        f"p99={percentile(hold_latencies, 0.99):.1f}ms"
    )
    print(
        f"purchases={purchases} (IPNs: {actions.count('duplicate')} duplicated, "
        f"{actions.count('delay')} delayed, {released.json()['released']} released at the end)"
    )
    print(
        f"purchases: {purchases / buy_elapsed:.1f}/s, "
        f"p50={statistics.median(buy_latencies) * 1000:.1f}ms "
        f"p99={percentile(buy_latencies, 0.99):.1f}ms"
    )
    print(f"IPN answers={answers} confirmed={len(confirmed)} seats_left={stored['seats_left']}")
    print(
        f"oversold={oversold} charged_twice={charged_twice} "
        f"confirmed_without_payment={unpaid_confirmed} "
        f"paid_without_confirmation_or_refund={paid_unconfirmed} "
        f"reconcile_disagreements={len(disagreements)} failures={len(failures)}"
    )
    for failure in failures[:5]:
        print("  ", failure)
    if oversold or charged_twice or unpaid_confirmed or paid_unconfirmed or disagreements:
        raise SystemExit("MONEY OR SEATS WRONG")
    if failures or len(confirmed) != len(holds):
        raise SystemExit("SOME PURCHASES FAILED")


if __name__ == "__main__":
    asyncio.run(main())
