"""1,000 concurrent bookingHold attempts at one 50-seat departure, through real HTTP.

Starts SecantusDB (:memory:), a loopback certificate server for RS256 ID tokens, and the app
under uvicorn on 127.0.0.1; fires the holds with 64 in flight from 1,000 distinct users; prints
throughput, p50/p99 latency, and how many seats were oversold (must be 0).

    .venv/bin/python bench/bench_booking_hold.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
from backend.embedded import EmbeddedMongo
from backend.settings import Environment, Settings

ATTEMPTS, CONCURRENCY, SEATS = 1_000, 64, 50
HOLD = """mutation($input: BookingHoldInput!) {
  bookingHold(input: $input) { hold { id } errors { code } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def main() -> None:
    key = SigningKey()
    with (
        EmbeddedMongo(":memory:") as mongo,
        CertServer([key]) as certs,
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
        )
        db_client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo.uri, tz_aware=True)
        db = db_client["bench"]
        from backend.bookings import loader
        from backend.domains import ensure_indexes
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
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
        )
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.05)
        tokens = [id_token(key, uid=f"bench-{i}") for i in range(ATTEMPTS)]
        latencies: list[float] = []
        outcomes: dict[str, int] = {}
        gate = asyncio.Semaphore(CONCURRENCY)
        limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120
        ) as http:

            async def attempt(i: int) -> None:
                body = {
                    "query": HOLD,
                    "variables": {
                        "input": {
                            "idempotencyKey": uuid.uuid4().hex,
                            "tour": {"departureId": str(departure), "seats": 1},
                        }
                    },
                }
                async with gate:
                    started = time.perf_counter()
                    response = await http.post(
                        "/graphql", json=body, headers={"Authorization": f"Bearer {tokens[i]}"}
                    )
                    latencies.append(time.perf_counter() - started)
                payload = response.json()["data"]["bookingHold"]
                outcome = "held" if payload["hold"] else payload["errors"][0]["code"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1

            began = time.perf_counter()
            await asyncio.gather(*(attempt(i) for i in range(ATTEMPTS)))
            elapsed = time.perf_counter() - began
        server.should_exit = True
        await serving
        stored = await db.tour_departures.find_one({"_id": departure})
        held_seats = await db.booking_holds.count_documents({"item": str(departure)})
        await db_client.close()
    latencies.sort()
    oversold = max(0, held_seats - SEATS) + max(0, -int(stored["seats_left"]))
    print(f"attempts={ATTEMPTS} concurrency={CONCURRENCY} seats={SEATS}")
    print(f"outcomes={outcomes} seats_left={stored['seats_left']} holds={held_seats}")
    print(f"throughput={ATTEMPTS / elapsed:.1f} req/s elapsed={elapsed:.2f}s")
    print(
        f"p50={statistics.median(latencies) * 1000:.1f}ms "
        f"p99={latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f}ms"
    )
    print(f"oversold={oversold}")
    if oversold:
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    asyncio.run(main())
