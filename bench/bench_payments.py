"""1,000 concurrent holds on an 800-seat departure, then every held seat bought through VNPay
(the local sandbox), with 20% of the IPNs duplicated and 5% delayed, through real HTTP.

Starts SecantusDB (:memory:), a loopback certificate server for RS256 ID tokens, the local VNPay
sandbox (a child process) and the app under uvicorn on 127.0.0.1 (a child process, harness.py's
AppServer). Phase 1 fires the 1,000 bookingHold calls (64 in flight, 1,000 users). Phase 2, for
every hold: bookingConfirm (HELD, with its payment URL), the sandbox's payment page, "pay"; the
sandbox sends the signed IPN to the app before it redirects (twice at once for a duplicated one;
a delayed one is released when every customer has paid). Then it checks, from the database and
the sandbox's own records:

- oversold: seats confirmed or still held beyond the departure's capacity (must be 0);
- charged twice: bookings whose money kept at VNPay (paid - refunded) exceeds its price (0);
- confirmed without payment: CONFIRMED bookings with no PAID payment in the ledger (0);
- paid without confirmation or refund: money kept at VNPay for a booking that is not
  CONFIRMED, or a PAID payment the ledger neither confirmed nor refunded (0);
- and that `payments reconcile` finds nothing for the day.
It prints throughput and p50/p99 of the holds and of the purchases (confirm + page + pay, the
pay including the IPN's round trip).

    .venv/bin/python bench/bench_payments.py [--holds 1000] [--seats 800] [--concurrency 64]
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from booking_crowd import app_client, booking_args, graphql, hold_seats, tour_departure
from bson import ObjectId
from harness import AppServer, Result, Tokens, client, database, header

from backend.clock import HANOI
from backend.payments import service as payment_service
from backend.payments.sandbox import LocalVnpay

DB = "bench"
DUPLICATED, DELAYED = 0.20, 0.05
TMN_CODE = "BENCHPAY"
CONTROL = f"/_sandbox/merchants/{TMN_CODE}"
CONFIRM = """mutation($input: BookingConfirmInput!) {
  bookingConfirm(input: $input) { booking { id status } paymentUrl errors { code } } }"""
CONTACT = {"name": "Nguyễn Văn An", "phone": "+84 912 345 678", "email": "an@example.com"}


async def buy_all(
    http: httpx.AsyncClient,
    vn: httpx.AsyncClient,
    users: list[str],
    held: dict[int, str],
    *,
    concurrency: int,
) -> tuple[Result, list[str], Counter[str], int]:
    """Every held seat bought, the IPNs bent as the sandbox is told: the purchases' timings,
    failures, the IPN actions and how many delayed IPNs were released at the end."""
    rng = random.Random(22)
    actions = ["duplicate"] * round(len(held) * DUPLICATED)
    actions += ["delay"] * round(len(held) * DELAYED)
    actions += ["send"] * (len(held) - len(actions))
    rng.shuffle(actions)
    rules = await vn.put(f"{CONTROL}/ipn-rules", json={"rules": [{"action": a} for a in actions]})
    assert rules.status_code == 200, rules.text
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
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
            payload = (await graphql(http, CONFIRM, variables, users[i]))["bookingConfirm"]
            if not payload["paymentUrl"]:
                failures.append(f"no payment URL: {payload}")
                return
            parts = urlsplit(payload["paymentUrl"])
            page = await vn.get(f"{parts.path}?{parts.query}")
            txn_ref = dict(parse_qsl(parts.query))["vnp_TxnRef"]
            paid = await vn.post(
                "/paymentv2/decide", data={"tmn": TMN_CODE, "txn_ref": txn_ref, "outcome": "pay"}
            )
            latencies.append(time.perf_counter() - started)
        if page.status_code != 200 or paid.status_code != 302:
            failures.append(f"payment of {hold_id}: {page.status_code} {paid.status_code}")

    began = time.perf_counter()
    await asyncio.gather(*(buy(i, hold_id) for i, hold_id in held.items()))
    released = (await vn.post(f"{CONTROL}/ipns/release")).json()["released"]
    elapsed = time.perf_counter() - began
    result = Result("purchase (confirm + page + pay)", len(latencies), 0, elapsed, latencies)
    return result, failures, Counter(actions), released


async def audit(
    db: Any, vn: httpx.AsyncClient, departure: str, seats: int
) -> tuple[dict[str, Any], dict[str, int]]:
    """The money and the seats, from the database and from the sandbox's records: what was
    seen, and the counts that must be 0."""
    deliveries = (await vn.get(f"{CONTROL}/ipns")).json()["deliveries"]
    answers = Counter(d.get("answer", {}).get("RspCode", "none") for d in deliveries)
    stored = await db.tour_departures.find_one({"_id": ObjectId(departure)})
    bookings = {b["_id"]: b async for b in db.bookings.find({})}
    paid = [e async for e in db.payments.find({"kind": "PAYMENT", "state": "PAID"})]
    kept_at_vnpay: Counter[ObjectId] = Counter()
    for entry in paid:
        txn = (await vn.get(f"{CONTROL}/transactions/{entry['txn_ref']}")).json()
        kept_at_vnpay[entry["booking"]] += (txn["amount"] - txn["refunded"]) // 100
    confirmed = [b for b in bookings.values() if b["status"] == "CONFIRMED"]
    active_holds = await db.booking_holds.count_documents(
        {"item": departure, "state": "ACTIVE", "booking": None}
    )
    paid_bookings = {e["booking"] for e in paid}
    now = datetime.now(UTC)
    disagreements = await payment_service.reconcile_day(db, now.astimezone(HANOI).date(), now=now)
    seen = {
        "ipn_answers": dict(answers),
        "confirmed": len(confirmed),
        "seats_left": stored["seats_left"],
    }
    return seen, {
        "oversold": max(0, len(confirmed) + active_holds - seats)
        + max(0, -int(stored["seats_left"])),
        "charged_twice": sum(
            1 for b, kept in kept_at_vnpay.items() if kept > bookings[b]["amount_vnd"]
        ),
        "confirmed_without_payment": sum(1 for b in confirmed if b["_id"] not in paid_bookings),
        "paid_without_confirmation_or_refund": sum(
            1 for b, kept in kept_at_vnpay.items() if kept and bookings[b]["status"] != "CONFIRMED"
        ),
        "reconcile_disagreements": len(disagreements),
    }


async def main() -> None:
    args = booking_args(__doc__, holds=1_000, seats=800)
    header(
        f"VNPay purchases: {args.holds:,} users, {args.seats} seats, {args.concurrency} in flight"
    )
    secret = secrets.token_hex(16)
    with database() as mongo, Tokens() as tokens, LocalVnpay() as sandbox:
        departure = await tour_departure(mongo.uri, DB, seats=args.seats)
        users = [tokens.mint(f"bench-{i}") for i in range(args.holds)]
        vnpay = {
            "vnpay_tmn_code": TMN_CODE,
            "vnpay_hash_secret": secret,
            "vnpay_payment_url": sandbox.payment_url,
            "vnpay_api_url": sandbox.api_url,
        }
        server = AppServer(
            mongo.uri, DB, cert_url=tokens.cert_url, loop_monitor=False, settings=vnpay
        )
        db_client = client(mongo.uri)
        with server as app:
            async with (
                app_client(app.url, args.concurrency) as http,
                httpx.AsyncClient(base_url=sandbox.url, timeout=120, trust_env=False) as vn,
            ):
                ipn_url = f"{app.url}/payments/vnpay/ipn"
                registered = await vn.put(CONTROL, json={"hashSecret": secret, "ipnUrl": ipn_url})
                assert registered.status_code == 200, registered.text
                holds = await hold_seats(http, users, departure, concurrency=args.concurrency)
                bought, failures, actions, released = await buy_all(
                    http, vn, users, holds.held, concurrency=args.concurrency
                )
                seen, wrong = await audit(db_client[DB], vn, departure, args.seats)
        await db_client.close()
    print(f"outcomes={holds.outcomes}")
    print(holds.result.line())
    print(
        f"purchases={bought.requests} (IPNs: {actions['duplicate']} duplicated, "
        f"{actions['delay']} delayed, {released} released at the end)"
    )
    print(bought.line())
    print(" ".join(f"{name}={value}" for name, value in seen.items()))
    print(" ".join(f"{name}={count}" for name, count in wrong.items()), f"failures={len(failures)}")
    for failure in failures[:5]:
        print("  ", failure)
    if any(wrong.values()):
        raise SystemExit("MONEY OR SEATS WRONG")
    if failures or seen["confirmed"] != len(holds.held):
        raise SystemExit("SOME PURCHASES FAILED")


if __name__ == "__main__":
    asyncio.run(main())
