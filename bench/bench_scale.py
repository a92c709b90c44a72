"""Benchmark 4: moderationQueue and reportsNearby latency at 10,000 reports and at a big size.

SecantusDB indexes about 300 reports a second here (15 indexes on reports, one 2dsphere), so
the big size is 30,000 by default to finish in about three minutes; --size 100000 takes ~6
minutes more, --big (1,000,000, the issue's figure) about an hour.
Generated reports go straight into the reports collection with insert_many (batches of
5,000), over the same 3 km disc around Hoàn Kiếm, so the density grows
with the count as a real city's backlog does. Each query runs through the app over HTTP,
one request at a time (latency, not throughput), as a signed-in resident and as a moderator; then
`explain` (executionStats) shows the winning plan and how many documents were examined.
Target: big/small latency ratio below 2.

    .venv/bin/python bench/bench_scale.py [--big | --size N] [--requests 5] [--budget 20]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pois import no_errors
from bench_reports import FIRST, MODERATOR, NEARBY, QUEUE, RADIUS, RESIDENT
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
    reference_data,
    report_docs,
)

from backend.moderation.models import QueueSort
from backend.reports import repository as report_repository
from backend.reports.models import OPEN_STATES

DB = "bench_scale"
SMALL = 10_000


def plan_stages(plan: dict[str, Any]) -> str:
    stages = []
    while plan:
        name = plan.get("stage", "?")
        if plan.get("indexName"):
            name += f"({plan['indexName']})"
        stages.append(name)
        plan = plan.get("inputStage") or {}
    return " <- ".join(stages)


async def explain(db: Any, label: str, command: dict[str, Any]) -> dict[str, Any]:
    result = await db.command("explain", command, verbosity="executionStats")
    stats: dict[str, Any] = result.get("executionStats", {})
    # An aggregation explains its pushed-down query in its first stage.
    planner = result.get("queryPlanner") or result["stages"][0]["$cursor"]["queryPlanner"]
    print(
        f"    explain {label}: {plan_stages(planner['winningPlan'])}; "
        f"keys examined {stats.get('totalKeysExamined')}, docs examined "
        f"{stats.get('totalDocsExamined')}, returned {stats.get('nReturned')}, "
        f"{stats.get('executionTimeMillis')} ms"
    )
    return stats


async def explain_all(uri: str) -> None:
    mongo = client(uri)
    try:
        db = mongo[DB]
        public = report_repository.nearby_filter()
        near = report_repository.nearby_pipeline(
            lng=HOAN_KIEM[1], lat=HOAN_KIEM[0], radius_m=RADIUS, query=public
        )
        await explain(db, "reportsNearby", {"aggregate": "reports", "pipeline": near, "cursor": {}})
        # SecantusDB's 2dsphere lookup costs time in proportion to the collection, not to the
        # radius or to the documents examined: a 50 m disc costs what the whole radius does.
        # (Its $geoNear explains as a collection scan; MongoDB's walks the 2dsphere index.)
        small = report_repository.nearby_pipeline(
            lng=HOAN_KIEM[1], lat=HOAN_KIEM[0], radius_m=50, query=public
        )
        await explain(
            db, "the same within 50 m", {"aggregate": "reports", "pipeline": small, "cursor": {}}
        )
        for query in report_repository.queue_queries(
            prefix={},
            statuses=sorted(OPEN_STATES),
            sort=QueueSort.CREATED_AT,
            descending=False,
            after=None,
        ):
            await explain(
                db,
                f"moderationQueue {query.filter}",
                {"find": "reports", "filter": query.filter, "sort": dict(query.sort), "limit": 100},
            )
    finally:
        await mongo.close()


async def measure(
    server: AppServer, size: int, requests: dict[str, Any], args: argparse.Namespace
) -> dict[str, Result]:
    results = {}
    for label, request in requests.items():
        # One request first, unrecorded (connections, certificates, caches).
        await load(server.url, label, lambda _, r=request: r, concurrency=1, duration=120,
                   max_requests=1, warmup=0)  # fmt: skip
        result = await load(
            server.url,
            f"{label} @ {size:,}",
            lambda _, r=request: r,
            concurrency=1,
            duration=args.budget,
            max_requests=args.requests,
            warmup=0,
            check=no_errors,
        )
        print(result.line())
        results[label] = result
    return results


async def grow(uri: str, target: int, have: int, seed: int) -> int:
    categories, areas = await reference_data(uri, DB)
    mongo = client(uri)
    try:
        started = time.perf_counter()
        written = await insert_bulk(
            mongo[DB]["reports"],
            report_docs(
                target - have, categories=categories, areas=areas, seed=seed, resident=RESIDENT
            ),
            progress="reports",
        )
        took = time.perf_counter() - started
        print(f"  inserted {written:,} reports in {took:.1f} s ({written / took:,.0f}/s)")
        return await mongo[DB]["reports"].count_documents({})
    finally:
        await mongo.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", action="store_true", help="1,000,000 reports (default 30,000)")
    parser.add_argument("--size", type=int, default=None, help="the big size, explicitly")
    parser.add_argument("--requests", type=int, default=5, help="requests per query and size")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per query and size")
    args = parser.parse_args()
    big = args.size or (1_000_000 if args.big else 30_000)
    header(f"bench_scale: moderationQueue and reportsNearby at {SMALL:,} and {big:,} reports")
    storage = "tmp" if big > 200_000 else ":memory:"
    with database(storage) as mongo, Tokens() as tokens:
        await prepare(mongo.uri, DB)
        requests = {
            "reportsNearby (resident)": graphql_request(
                NEARBY,
                {"near": {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]}, "radiusMeters": RADIUS,
                 "first": FIRST},
                token=tokens.mint(RESIDENT),
            ),
            "moderationQueue (moderator)": graphql_request(
                QUEUE, {"first": FIRST}, token=tokens.mint(MODERATOR, role="moderator")
            ),
        }  # fmt: skip
        results: dict[int, dict[str, Result]] = {}
        have = 0
        for size, seed in ((SMALL, 1), (big, 2)):
            have = await grow(mongo.uri, size, have, seed)
            print(f"## {have:,} reports")
            with AppServer(
                mongo.uri, DB, cert_url=tokens.cert_url, settings={"db_timeout_ms": 60_000}
            ) as server:
                results[size] = await measure(server, have, requests, args)
            await explain_all(mongo.uri)
    print(f"  ratio {big:,} / {SMALL:,} (p50 latency; target < 2):")
    for label in requests:
        small_p50, big_p50 = results[SMALL][label].p50, results[big][label].p50
        r = big_p50 / small_p50
        print(
            f"    {label:<30} {small_p50:8.1f} ms -> {big_p50:8.1f} ms  = {r:5.2f}x  "
            f"{'met' if r < 2 else 'MISSED'}"
        )


if __name__ == "__main__":
    asyncio.run(main())
