"""Benchmark 1: `pois(filter: {near}, first: 50)` (12 fields + photos) vs a plain Starlette route.

SecantusDB (:memory:) holds the real content/ POIs plus generated ones (2,000 in all) around
Hoàn Kiếm, so the `$near` query does real work; SecantusDB reads every document a query matches
before applying the limit (see RESULTS.md), so at 2,000 POIs the database dominates both paths.
The content-only run (52 POIs, one page) is where the GraphQL overhead itself shows.
The app runs under uvicorn in a subprocess (bench/server.py) with a plain route, /_plain/pois,
that runs the same service call (backend.tourism.service.list_pois) and answers the same JSON
with orjson. 32 concurrent clients:

  GraphQL, response cache off (RESPONSE_CACHE=false)   target >= 20% of the plain route
  GraphQL, response cache on and warm (anonymous)      target >= 50% of the plain route
  plain route (measured in each server, ratios use the same server's figure)

    .venv/bin/python bench/bench_pois.py [--duration 6] [--sizes 52,2000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import math
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    HOAN_KIEM,
    AppServer,
    Result,
    client,
    database,
    fetch_json,
    graphql_request,
    header,
    insert_bulk,
    load,
    plain_request,
    prepare,
    print_loop_report,
    ratio,
)

QUERY = """query BenchPois($filter: PoiFilter, $first: Int) {
  pois(filter: $filter, first: $first) {
    edges {
      cursor
      distanceMeters
      node {
        id name category summary description address district
        location { lat lng }
        openNow visitMinutes
        rating { average count }
        thumbnailUrl photoCredits
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
FIRST = 50


def variables() -> dict[str, Any]:
    return {"filter": {"near": {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]}}, "first": FIRST}


async def load_pois(uri: str, db_name: str, total: int) -> int:
    """Copies of the real POIs (new ids, spread over ~6 km around the lake) up to `total`."""
    mongo = client(uri)
    try:
        pois = mongo[db_name]["pois"]
        real = await pois.find({}).to_list(None)
        rng = random.Random(9)
        generated = []
        for i in range(max(0, total - len(real))):
            doc = copy.deepcopy(rng.choice(real))
            distance = 6_000 * math.sqrt(rng.random())
            bearing = rng.uniform(0, 2 * math.pi)
            lat = HOAN_KIEM[0] + distance * math.cos(bearing) / 111_320
            lng = HOAN_KIEM[1] + distance * math.sin(bearing) / (
                111_320 * math.cos(math.radians(HOAN_KIEM[0]))
            )
            doc["_id"] = f"{doc['_id']}-gen-{i:05d}"
            doc["location"] = {"type": "Point", "coordinates": [lng, lat]}
            doc["rating_sum"], doc["rating_count"] = rng.randint(0, 400), rng.randint(0, 100)
            generated.append(doc)
        await insert_bulk(pois, generated)
        return len(real) + len(generated)
    finally:
        await mongo.close()


def fields_of(value: object) -> int:
    """Resolved fields in a response: every key of every object."""
    if isinstance(value, dict):
        return len(value) + sum(fields_of(v) for v in value.values())
    if isinstance(value, list):
        return sum(fields_of(v) for v in value)
    return 0


def without_cursors(value: object) -> object:
    """Cursors are encrypted with a fresh nonce each time: compare everything else."""
    if isinstance(value, dict):
        return {k: without_cursors(v) for k, v in value.items() if k not in ("cursor", "endCursor")}
    if isinstance(value, list):
        return [without_cursors(v) for v in value]
    return value


def no_errors(response: Any) -> bool:
    return b'"errors"' not in response.content


async def measure(server: AppServer, label: str, args: argparse.Namespace) -> tuple[Result, Result]:
    gql = graphql_request(QUERY, variables())
    plain = plain_request(
        "/_plain/pois", {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1], "first": FIRST}
    )
    graph_body = await fetch_json(server.url, gql)
    plain_body = await fetch_json(server.url, plain)
    same = without_cursors(graph_body) == without_cursors(plain_body)
    edges = len(graph_body["data"]["pois"]["edges"])
    print(
        f"  [{label}] {edges} POIs per page, {fields_of(graph_body['data'])} fields per response; "
        f"GraphQL and plain JSON identical: {'yes' if same else 'NO'}"
    )
    if not same:
        print(f"    graphql: {str(graph_body)[:300]}\n    plain:   {str(plain_body)[:300]}")
    server.loop_report()  # reset: count only the measured phases
    common = {"concurrency": args.concurrency, "duration": args.duration, "warmup": args.warmup}
    graph = await load(server.url, f"graphql ({label})", lambda _: gql, check=no_errors, **common)
    print(graph.line())
    print_loop_report(f"graphql {label}", server.loop_report())
    base = await load(server.url, f"plain route ({label} server)", lambda _: plain, **common)
    print(base.line())
    print_loop_report(f"plain {label} server", server.loop_report())
    return graph, base


def server(uri: str, db_name: str, cache: bool, args: argparse.Namespace) -> AppServer:
    # A saturated database queues requests for many seconds: no timeouts in the measurement.
    return AppServer(
        uri,
        db_name,
        response_cache=cache,
        asyncio_debug=args.asyncio_debug,
        settings={"db_timeout_ms": 30_000},
    )


async def run_size(uri: str, size: int, args: argparse.Namespace) -> None:
    db_name = f"bench_pois_{size}"
    await prepare(uri, db_name)
    count = await load_pois(uri, db_name, size)
    print(f"## {count:,} POIs; {args.concurrency} clients; {args.duration:.0f} s per phase")
    with server(uri, db_name, False, args) as app:
        ceiling = await load(
            app.url,
            "harness ceiling (GET /healthz)",
            lambda _: ("GET", "/healthz", {}),
            concurrency=args.concurrency,
            duration=min(5.0, args.duration),
            warmup=1.0,
        )
        print(ceiling.line())
        app.loop_report()
        cold, plain_cold = await measure(app, "cache off", args)
    with server(uri, db_name, True, args) as app:
        warm, plain_warm = await measure(app, "cache warm", args)
    print(f"  ratios at {count:,} POIs (GraphQL req/s / plain req/s in the same server):")
    cold_ratio, warm_ratio = ratio(cold, plain_cold), ratio(warm, plain_warm)
    print(
        f"    cold {cold_ratio:6.1%}  (target >= 20%: {'met' if cold_ratio >= 0.2 else 'MISSED'})"
    )
    print(
        f"    warm {warm_ratio:6.1%}  (target >= 50%: {'met' if warm_ratio >= 0.5 else 'MISSED'})"
    )
    print(
        f"    p50 cold/plain {cold.p50 / plain_cold.p50:.2f}x, "
        f"warm/plain {warm.p50 / plain_warm.p50:.2f}x"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0, help="unrecorded seconds per phase")
    parser.add_argument(
        "--sizes", default="52", help="POI counts, e.g. 52,2000 (2,000: ~5 min, database-bound)"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--asyncio-debug", action="store_true", help="PYTHONASYNCIODEBUG=1")
    args = parser.parse_args()
    header("bench_pois: pois(near, first: 50), 12 fields + photos, vs a plain orjson route")
    with database() as mongo:
        for size in (int(s) for s in args.sizes.split(",")):
            await run_size(mongo.uri, size, args)


if __name__ == "__main__":
    asyncio.run(main())
