"""Benchmark (issue 18, item 8): `reportsNearby` p50 at 10,000 and 100,000 reports over Hanoi.

Reports are spread over the whole city, not a disc: each is put near the centroid of one of the
126 wards and communes (within 0.8 x the unit's equivalent radius, so inside it), a ward drawn
four times as often as a commune (about 73% of reports in the 51 urban wards), with that unit's
code as its `area`, as reportCreate would file it. Documents are otherwise those of
`harness.report_docs` (reportCreate's shape plus the moderation fields), bulk-inserted with
insert_many. `reportsNearby` (1 km around Hoàn Kiếm lake, first 50, as a signed-in resident) goes
through the app under uvicorn over HTTP, one request at a time; then `explain` (executionStats)
of `nearby_pipeline` at both sizes. Target: p50(100,000) / p50(10,000) <= 2.

    .venv/bin/python bench/bench_nearby.py [--size 100000] [--requests 5] [--budget 120]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pois import no_errors
from bench_reports import FIRST, NEARBY, RADIUS, RESIDENT
from bench_scale import plan_stages
from harness import (
    HOAN_KIEM,
    AppServer,
    Result,
    Tokens,
    client,
    database,
    graphql_request,
    header,
    insert_bulk,
    load,
    prepare,
    report_docs,
)

from backend import geo
from backend.reports import repository as report_repository

DB = "bench_nearby"
SMALL = 10_000
WARD_WEIGHT = 4  # a ward is drawn this many times as often as a commune
SPREAD = 0.8  # of the unit's equivalent radius


async def city(uri: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The seeded categories and the 126 units (code, type, centroid, area)."""
    mongo = client(uri)
    try:
        db = mongo[DB]
        categories = await db["categories"].find({}).to_list(None)
        units = await db["areas"].find({}, {"type": 1, "centroid": 1, "area_km2": 1}).to_list(None)
        return categories, units
    finally:
        await mongo.close()


def spread_over_hanoi(
    count: int, *, categories: list[dict[str, Any]], units: list[dict[str, Any]], seed: int
) -> Iterator[dict[str, Any]]:
    """`harness.report_docs`, each moved to a random point of a random unit, filed in it."""
    rng = random.Random(seed * 7919)
    weights = [WARD_WEIGHT if unit["type"] == "ward" else 1 for unit in units]
    docs = report_docs(count, categories=categories, areas=["-"], seed=seed, resident=RESIDENT)
    for doc in docs:
        unit = rng.choices(units, weights)[0]
        lng, lat = unit["centroid"]["coordinates"]
        radius = SPREAD * math.sqrt(unit["area_km2"] / math.pi) * 1000.0
        distance = radius * math.sqrt(rng.random())
        bearing = rng.uniform(0, 2 * math.pi)
        lat, lng = geo.offset(
            lat=lat,
            lng=lng,
            north_m=distance * math.cos(bearing),
            east_m=distance * math.sin(bearing),
        )
        doc["location"] = geo.point(lat=lat, lng=lng)
        doc["area"] = unit["_id"]
        yield doc


async def explain(uri: str, radius_m: float) -> dict[str, Any]:
    """`explain` (executionStats) of reportsNearby's pipeline; prints a summary and the output."""
    mongo = client(uri)
    try:
        pipeline = report_repository.nearby_pipeline(
            lng=HOAN_KIEM[1],
            lat=HOAN_KIEM[0],
            radius_m=radius_m,
            query=report_repository.nearby_filter(),
        )
        started = time.perf_counter()
        result: dict[str, Any] = await mongo[DB].command(
            "explain",
            {"aggregate": "reports", "pipeline": pipeline, "cursor": {}},
            verbosity="executionStats",
        )
        took = (time.perf_counter() - started) * 1000
    finally:
        await mongo.close()
    result.pop("$clusterTime", None)
    result.pop("operationTime", None)
    stats = result.get("executionStats", {})
    planner = result.get("queryPlanner") or result["stages"][0]["$cursor"]["queryPlanner"]
    print(
        f"    explain reportsNearby within {radius_m:,.0f} m: "
        f"{plan_stages(planner['winningPlan'])}; keys examined {stats.get('totalKeysExamined')}, "
        f"docs examined {stats.get('totalDocsExamined')}, returned {stats.get('nReturned')}, "
        f"{stats.get('executionTimeMillis')} ms (round trip {took:,.0f} ms)"
    )
    print("    " + json.dumps(result, default=str, sort_keys=True)[:4000])
    return result


async def grow(uri: str, target: int, have: int, seed: int) -> int:
    categories, units = await city(uri)
    mongo = client(uri)
    try:
        started = time.perf_counter()
        written = await insert_bulk(
            mongo[DB]["reports"],
            spread_over_hanoi(target - have, categories=categories, units=units, seed=seed),
            progress="reports",
        )
        took = time.perf_counter() - started
        print(f"  inserted {written:,} reports in {took:.1f} s ({written / took:,.0f}/s)")
        return int(await mongo[DB]["reports"].count_documents({}))
    finally:
        await mongo.close()


async def measure(server: AppServer, size: int, request: Any, args: argparse.Namespace) -> Result:
    # One request first, unrecorded (connections, certificates, caches).
    await load(server.url, "warm-up", lambda _: request, concurrency=1, duration=600,
               max_requests=1, warmup=0)  # fmt: skip
    result = await load(
        server.url,
        f"reportsNearby @ {size:,}",
        lambda _: request,
        concurrency=1,
        duration=args.budget,
        max_requests=args.requests,
        warmup=0,
        check=no_errors,
    )
    print(result.line())
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="the big size")
    parser.add_argument("--requests", type=int, default=5, help="requests per size")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per size")
    args = parser.parse_args()
    big = args.size
    header(f"bench_nearby: reportsNearby at {SMALL:,} and {big:,} reports spread over Hanoi")
    with database(":memory:") as mongo, Tokens() as tokens:
        await prepare(mongo.uri, DB)
        variables = {
            "near": {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]},
            "radiusMeters": RADIUS,
            "first": FIRST,
        }
        # The response cache is off: every request reaches the database.
        request = graphql_request(NEARBY, variables, token=tokens.mint(RESIDENT))
        results: dict[int, Result] = {}
        have = 0
        for size, seed in ((SMALL, 1), (big, 2)):
            have = await grow(mongo.uri, size, have, seed)
            print(f"## {have:,} reports")
            with AppServer(
                mongo.uri,
                DB,
                cert_url=tokens.cert_url,
                response_cache=False,
                settings={"db_timeout_ms": 120_000},
            ) as server:
                results[size] = await measure(server, have, request, args)
            await explain(mongo.uri, RADIUS)
            await explain(mongo.uri, 50.0)
    small_p50, big_p50 = results[SMALL].p50, results[big].p50
    ratio = big_p50 / small_p50
    print(
        f"  ratio {big:,} / {SMALL:,} (p50; target <= 2): {small_p50:,.1f} ms -> "
        f"{big_p50:,.1f} ms = {ratio:.2f}x {'met' if ratio <= 2 else 'MISSED'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
