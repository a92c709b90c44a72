"""One tour departure and a crowd holding its seats: the shared part of bench_booking_hold.py
and bench_payments.py (not a benchmark itself). Only ever talks to 127.0.0.1."""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId
from harness import Result, client, prepare

HOLD = """mutation($input: BookingHoldInput!) {
  bookingHold(input: $input) { hold { id } errors { code } } }"""
TOUR = "old-quarter-walking"


def booking_args(doc: str | None, *, holds: int, seats: int) -> argparse.Namespace:
    """--holds, --seats and --concurrency, with the bench's docstring as --help's text."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--holds", type=int, default=holds, help=f"users holding one seat each ({holds:,})"
    )
    parser.add_argument(
        "--seats", type=int, default=seats, help=f"seats of the departure ({seats:,})"
    )
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight (64)")
    return parser.parse_args()


async def tour_departure(uri: str, db_name: str, *, seats: int) -> str:
    """The release's indexes and content, and a departure of TOUR in two days with `seats`."""
    await prepare(uri, db_name)
    mongo = client(uri)
    try:
        departure, now = ObjectId(), datetime.now(UTC)
        await mongo[db_name]["tour_departures"].insert_one(
            {
                "_id": departure,
                "tour": TOUR,
                "starts_at": now + timedelta(days=2, minutes=7),
                "capacity": seats,
                "seats_left": seats,
                "created_at": now,
            }
        )
    finally:
        await mongo.close()
    return str(departure)


def app_client(base_url: str, concurrency: int) -> httpx.AsyncClient:
    """Pooled connections to the app; idle ones are dropped before uvicorn's 5 s keep-alive
    closes them under the client (a purchase pauses between two calls to the app)."""
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120, trust_env=False)


async def graphql(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str
) -> dict[str, Any]:
    """POST /graphql as the app sends it (its language too: no stored-locale read); the data."""
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "vi"},
    )
    data: dict[str, Any] = response.json()["data"]
    return data


@dataclass
class Holds:
    result: Result
    outcomes: dict[str, int]  # "held" or the error code: how many
    held: dict[int, str]  # the user's index -> the hold's id


async def hold_seats(
    http: httpx.AsyncClient, tokens: list[str], departure: str, *, concurrency: int
) -> Holds:
    """One bookingHold of one seat by each user (token) at once, `concurrency` in flight."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    held: dict[int, str] = {}

    async def hold(i: int) -> None:
        tour = {"departureId": departure, "seats": 1}
        variables = {"input": {"idempotencyKey": uuid.uuid4().hex, "tour": tour}}
        async with gate:
            started = time.perf_counter()
            payload = (await graphql(http, HOLD, variables, tokens[i]))["bookingHold"]
            latencies.append(time.perf_counter() - started)
        outcome = "held" if payload["hold"] else payload["errors"][0]["code"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if payload["hold"]:
            held[i] = payload["hold"]["id"]

    began = time.perf_counter()
    await asyncio.gather(*(hold(i) for i in range(len(tokens))))
    elapsed = time.perf_counter() - began
    return Holds(Result("bookingHold", len(latencies), 0, elapsed, latencies), outcomes, held)
