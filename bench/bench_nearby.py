"""Benchmark (issue 18, item 8): `reportsNearby` p50 at 10,000 and 100,000 reports over Hanoi.

Reports are spread over the whole city, not a disc: each is put near the centroid of one of the
126 wards and communes (within 0.8 x the unit's equivalent radius, so inside it), a ward drawn
four times as often as a commune (about 73% of reports in the 51 urban wards), with that unit's
code as its `area`, as reportCreate would file it. Documents are otherwise those of
`harness.report_docs` (reportCreate's shape plus the moderation fields) written through
`ReportDoc.to_mongo` (which adds the location's grid cells), bulk-inserted with insert_many.
The two sizes are two SecantusDB servers (the same 10,000 reports in both, then 90,000 more in
the big one). `explain` (executionStats) of each read the nearby search makes, at
the lake and in the sparsest commune (Ba Vì, 5 km), and of the former single `$geoNear` stage for
comparison. Then `reportsNearby` (1 km around Hoàn Kiếm lake, first 50, as a signed-in resident)
through the app under uvicorn over HTTP, one app per server, one request at a time, the sizes
in turn, so a change in the machine's load (other work on its 2 cores) weighs on both alike.
Target: p50(100,000) / p50(10,000) <= 2.

    .venv/bin/python bench/bench_nearby.py [--size 100000] [--requests 5] [--budget 120]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
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
from backend.reports.models import ReportDoc
from backend.reports.repository.nearby import CELLS, NearbyFilter, nearest

DB = "bench_nearby"
SMALL = 10_000
WARD_WEIGHT = 4  # a ward is drawn this many times as often as a commune
SPREAD = 0.8  # of the unit's equivalent radius
BA_VI = (21.0581, 105.341)  # the centroid of Ba Vì, the largest commune (81 km²): sparse
WIDEST = 5_000.0  # the largest radius reportsNearby takes


async def city(uri: str, name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The seeded categories and the 126 units (code, type, centroid, area)."""
    mongo = client(uri)
    try:
        db = mongo[name]
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
        yield ReportDoc.from_mongo(doc).to_mongo()


async def explain_geo_near(uri: str, name: str, radius_m: float) -> None:
    """`explain` of the former single `$geoNear` stage (SecantusDB scans the collection)."""
    mongo = client(uri)
    try:
        pipeline = report_repository.nearby_pipeline(
            lng=HOAN_KIEM[1],
            lat=HOAN_KIEM[0],
            radius_m=radius_m,
            query=report_repository.nearby_filter(),
        )
        command = {"aggregate": "reports", "pipeline": pipeline, "cursor": {}}
        started = time.perf_counter()
        result = await mongo[name].command("explain", command, verbosity="executionStats")
        took = (time.perf_counter() - started) * 1000
    finally:
        await mongo.close()
    stats = result.get("executionStats", {})
    planner = result.get("queryPlanner") or result["stages"][0]["$cursor"]["queryPlanner"]
    print(
        f"    explain the former $geoNear within {radius_m:,.0f} m: "
        f"{plan_stages(planner['winningPlan'])}; docs examined {stats.get('totalDocsExamined')}, "
        f"{stats.get('executionTimeMillis')} ms (round trip {took:,.0f} ms)"
    )


async def explain(
    uri: str, name: str, label: str, near: tuple[float, float], radius_m: float
) -> None:
    """The nearby search's first page (as reportsNearby asks: FIRST + 1), then `explain`
    (executionStats) of each read it made; prints one line per read and the first's output."""
    mongo = client(uri)
    try:
        db = mongo[name]
        started = time.perf_counter()
        page = await nearest(
            db, lat=near[0], lng=near[1], radius_m=radius_m, only=NearbyFilter(),
            after=None, limit=FIRST + 1,
        )  # fmt: skip
        took = (time.perf_counter() - started) * 1000
        last = page.found[-1][1] if page.found else 0.0
        print(
            f"    {label} within {radius_m:,.0f} m: {len(page.found)} found (the last at "
            f"{last:,.0f} m) in {len(page.reads)} reads, {took:,.0f} ms"
        )
        examined = 0
        for number, query in enumerate(page.reads, 1):
            result = await db["reports"].find(query, report_repository.LIST_PROJECTION).explain()
            stats = result.get("executionStats", {})
            examined += int(stats.get("totalDocsExamined") or 0)
            cells = sum(1 for key in query[CELLS]["$in"] if key is not None)
            print(
                f"      read {number}: {cells} cells{' and the null key' if number == 1 else ''}, "
                f"{plan_stages(result['queryPlanner']['winningPlan'])}; keys examined "
                f"{stats.get('totalKeysExamined')}, docs examined "
                f"{stats.get('totalDocsExamined')}, returned {stats.get('nReturned')}, "
                f"{stats.get('executionTimeMillis')} ms"
            )
            if number == 1:
                for noise in ("$clusterTime", "operationTime", "command"):
                    result.pop(noise, None)
                print("      " + json.dumps(result, default=str, sort_keys=True)[:1500])
        print(f"      docs examined in all: {examined:,}")
    finally:
        await mongo.close()


async def grow(uri: str, name: str, target: int, have: int, seed: int) -> int:
    categories, units = await city(uri, name)
    mongo = client(uri)
    try:
        started = time.perf_counter()
        written = await insert_bulk(
            mongo[name]["reports"],
            spread_over_hanoi(target - have, categories=categories, units=units, seed=seed),
            progress="reports",
        )
        took = time.perf_counter() - started
        print(f"  inserted {written:,} reports in {took:.1f} s ({written / took:,.0f}/s)")
        return int(await mongo[name]["reports"].count_documents({}))
    finally:
        await mongo.close()


async def alternate(
    servers: dict[int, AppServer], request: Any, args: argparse.Namespace
) -> dict[int, Result]:
    """One request to each size in turn (the order swapped every round), so both sizes are
    measured under the same machine load; after one unrecorded request to each."""
    for server in servers.values():
        await load(server.url, "warm-up", lambda _: request, concurrency=1, duration=600,
                   max_requests=1, warmup=0)  # fmt: skip
    latencies: dict[int, list[float]] = {size: [] for size in servers}
    errors = dict.fromkeys(servers, 0)
    stop = time.perf_counter() + 2 * args.budget
    for turn in range(args.requests):
        order = list(servers) if turn % 2 == 0 else list(servers)[::-1]
        for size in order:
            one = await load(
                servers[size].url, "one", lambda _: request, concurrency=1, duration=600,
                max_requests=1, warmup=0, check=no_errors,
            )  # fmt: skip
            latencies[size] += one.latencies
            errors[size] += one.errors
        if time.perf_counter() > stop:
            break
    results = {}
    for size, measured in latencies.items():
        result = Result(f"reportsNearby @ {size:,}", len(measured), errors[size],
                        sum(measured), measured)  # fmt: skip
        print(result.line())
        results[size] = result
    return results


def load_average() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="the big size")
    parser.add_argument("--requests", type=int, default=5, help="requests per size")
    parser.add_argument("--budget", type=float, default=120.0, help="seconds per size")
    args = parser.parse_args()
    big = args.size
    header(f"bench_nearby: reportsNearby at {SMALL:,} and {big:,} reports spread over Hanoi")
    # One server per size: SecantusDB keeps an in-memory database in a 1 GB cache, which
    # 110,000 reports with their indexes would overflow.
    with database(":memory:") as small, database(":memory:") as large, Tokens() as tokens:
        uris = {SMALL: small.uri, big: large.uri}
        for size, uri in uris.items():
            await prepare(uri, DB)
            # The same 10,000 reports in both; the big one then grows.
            have = await grow(uri, DB, SMALL, 0, seed=1)
            if size > SMALL:
                have = await grow(uri, DB, size, have, seed=2)
            print(f"## {have:,} reports")
            await explain(uri, DB, "reportsNearby at the lake", HOAN_KIEM, RADIUS)
            await explain(uri, DB, "reportsNearby in Ba Vì", BA_VI, WIDEST)
            await explain_geo_near(uri, DB, RADIUS)
        variables = {
            "near": {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]},
            "radiusMeters": RADIUS,
            "first": FIRST,
        }
        # The response cache is off: every request reaches the database.
        request = graphql_request(NEARBY, variables, token=tokens.mint(RESIDENT))
        print(f"## reportsNearby over HTTP, the sizes in turn ({load_average()})")
        with contextlib.ExitStack() as stack:
            servers = {
                size: stack.enter_context(
                    AppServer(
                        uri,
                        DB,
                        cert_url=tokens.cert_url,
                        response_cache=False,
                        settings={"db_timeout_ms": 120_000},
                    )
                )
                for size, uri in uris.items()
            }
            results = await alternate(servers, request, args)
        print(f"  ({load_average()} at the end)")
    small_p50, big_p50 = results[SMALL].p50, results[big].p50
    ratio = big_p50 / small_p50
    print(
        f"  ratio {big:,} / {SMALL:,} (p50; target <= 2): {small_p50:,.1f} ms -> "
        f"{big_p50:,.1f} ms = {ratio:.2f}x {'met' if ratio <= 2 else 'MISSED'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
