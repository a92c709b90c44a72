"""1,000 concurrent bookingHold attempts at one 50-seat departure, through real HTTP.

Starts SecantusDB (:memory:), a loopback certificate server for RS256 ID tokens, and the app
under uvicorn on 127.0.0.1 (a child process, bench/harness.py's AppServer); fires the holds with
64 in flight from 1,000 distinct users; prints throughput, p50/p99 latency, and how many seats
were oversold (must be 0).

    .venv/bin/python bench/bench_booking_hold.py [--holds 1000] [--seats 50] [--concurrency 64]
"""

from __future__ import annotations

import asyncio

from booking_crowd import app_client, booking_args, hold_seats, tour_departure
from bson import ObjectId
from harness import AppServer, Tokens, client, database, header

DB = "bench"


async def main() -> None:
    args = booking_args(__doc__, holds=1_000, seats=50)
    header(f"bookingHold: {args.holds:,} users, {args.seats} seats, {args.concurrency} in flight")
    with database() as mongo, Tokens() as tokens:
        departure = await tour_departure(mongo.uri, DB, seats=args.seats)
        users = [tokens.mint(f"bench-{i}") for i in range(args.holds)]
        with AppServer(mongo.uri, DB, cert_url=tokens.cert_url, loop_monitor=False) as app:
            async with app_client(app.url, args.concurrency) as http:
                holds = await hold_seats(http, users, departure, concurrency=args.concurrency)
        db_client = client(mongo.uri)
        db = db_client[DB]
        stored = await db.tour_departures.find_one({"_id": ObjectId(departure)})
        held_seats = await db.booking_holds.count_documents({"item": departure})
        await db_client.close()
    assert stored is not None
    oversold = max(0, held_seats - args.seats) + max(0, -int(stored["seats_left"]))
    print(f"outcomes={holds.outcomes} seats_left={stored['seats_left']} holds={held_seats}")
    print(holds.result.line())
    print(f"oversold={oversold}")
    if oversold:
        raise SystemExit("OVERSOLD")


if __name__ == "__main__":
    asyncio.run(main())
