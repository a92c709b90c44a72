"""Benchmark 2: `reportsNearby(first: 50)` as a signed-in resident and `moderationQueue(first: 50)`
as a moderator, each against a plain Starlette route doing the same service call.

SecantusDB (:memory:) holds generated reports (2,000 by default) within 3 km of Hoàn Kiếm, with
the fields backend/reports/repository/ (nearby, the moderators' queue) reads. The documents are the
app's own operations (graphql/operations/reports/ReportsNearby.graphql and
graphql/operations/console/ConsoleQueue.graphql); the plain routes in bench/server.py make the same
reads (the service call, then one query per looked-up kind, like the DataLoaders) and build the
same JSON by hand. Every request carries an RS256 ID token verified by the app (both paths).

    .venv/bin/python bench/bench_reports.py [--reports 2000] [--duration 6] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pois import fields_of, no_errors, without_cursors
from harness import (
    HOAN_KIEM,
    OPERATIONS,
    AppServer,
    Result,
    Tokens,
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
    reference_data,
    report_docs,
)

DB = "bench_reports"
NEARBY = (OPERATIONS / "reports" / "ReportsNearby.graphql").read_text()
QUEUE = (OPERATIONS / "console" / "ConsoleQueue.graphql").read_text()
RESIDENT = "resident-bench"
MODERATOR = "moderator-bench"
FIRST = 50
RADIUS = 1_000.0


async def seed(uri: str, count: int) -> None:
    await prepare(uri, DB)
    categories, areas = await reference_data(uri, DB)
    mongo = client(uri)
    try:
        db = mongo[DB]
        await insert_bulk(
            db["reports"],
            report_docs(count, categories=categories, areas=areas, resident=RESIDENT),
        )
        # The resident follows and said "me too" on some reports; some users have names.
        some = await db["reports"].find({}, {"_id": 1}).limit(200).to_list(None)
        await insert_bulk(
            db["report_followers"], ({"report": d["_id"], "uid": RESIDENT} for d in some[::2])
        )
        await insert_bulk(
            db["report_me_too"], ({"report": d["_id"], "uid": RESIDENT} for d in some[::3])
        )
        await insert_bulk(
            db["users"],
            ({"_id": f"user-{i:05d}", "uid": f"user-{i:05d}", "display_name": f"Cư dân {i}"}
             for i in range(0, 50_000, 7)),
        )  # fmt: skip
    finally:
        await mongo.close()


async def compare(server: AppServer, label: str, gql: Any, plain: Any, root: str) -> None:
    graph_body = await fetch_json(server.url, gql)
    plain_body = await fetch_json(server.url, plain)
    if "errors" in graph_body:
        raise SystemExit(f"{label}: GraphQL errors {graph_body['errors']}")
    same = without_cursors(graph_body) == without_cursors(plain_body)
    edges = len(graph_body["data"][root]["edges"])
    print(
        f"  [{label}] {edges} items per page, {fields_of(graph_body['data'])} fields per response; "
        f"GraphQL and plain JSON identical: {'yes' if same else 'NO'}"
    )
    if not same:
        g = without_cursors(graph_body)["data"][root]["edges"]  # type: ignore[index]
        p = without_cursors(plain_body)["data"][root]["edges"]  # type: ignore[index]
        for a, b in zip(g, p, strict=False):
            if a != b:
                diff = {
                    k: (a["node"].get(k), b["node"].get(k))
                    for k in a["node"]
                    if a["node"].get(k) != b["node"].get(k)
                }
                print(f"    first difference: {diff or (a, b)}")
                break


async def pair(
    server: AppServer,
    label: str,
    gql: Any,
    plain: Any,
    args: argparse.Namespace,
) -> tuple[Result, Result]:
    common = {"concurrency": args.concurrency, "duration": args.duration, "warmup": args.warmup}
    server.loop_report()
    graph = await load(server.url, f"graphql {label}", lambda _: gql, check=no_errors, **common)
    print(graph.line())
    print_loop_report(f"graphql {label}", server.loop_report())
    base = await load(server.url, f"plain {label}", lambda _: plain, **common)
    print(base.line())
    print_loop_report(f"plain {label}", server.loop_report())
    r = ratio(graph, base)
    print(
        f"  {label}: GraphQL at {r:.1%} of the plain route's req/s; p50 {graph.p50 / base.p50:.2f}x"
    )
    return graph, base


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reports", type=int, default=2_000)
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--asyncio-debug", action="store_true", help="PYTHONASYNCIODEBUG=1")
    args = parser.parse_args()
    header(
        "bench_reports: reportsNearby (resident) and moderationQueue (moderator) vs plain routes"
    )
    with database() as mongo, Tokens() as tokens:
        await seed(mongo.uri, args.reports)
        print(f"  {args.reports:,} reports within 3 km; {args.concurrency} clients; "
              f"{args.duration:.0f} s per phase")  # fmt: skip
        resident = tokens.mint(RESIDENT)
        moderator = tokens.mint(MODERATOR, role="moderator")
        near = {"lat": HOAN_KIEM[0], "lng": HOAN_KIEM[1]}
        nearby_gql = graphql_request(
            NEARBY, {"near": near, "radiusMeters": RADIUS, "first": FIRST}, token=resident
        )
        nearby_plain = plain_request(
            "/_plain/reports-nearby", {**near, "radius": RADIUS, "first": FIRST}, token=resident
        )
        queue_gql = graphql_request(QUEUE, {"first": FIRST}, token=moderator)
        queue_plain = plain_request("/_plain/moderation-queue", {"first": FIRST}, token=moderator)
        with AppServer(
            mongo.uri,
            DB,
            cert_url=tokens.cert_url,
            asyncio_debug=args.asyncio_debug,
            settings={"db_timeout_ms": 30_000},
        ) as server:
            await compare(server, "reportsNearby", nearby_gql, nearby_plain, "reportsNearby")
            await compare(server, "moderationQueue", queue_gql, queue_plain, "moderationQueue")
            await pair(server, "reportsNearby", nearby_gql, nearby_plain, args)
            await pair(server, "moderationQueue", queue_gql, queue_plain, args)


if __name__ == "__main__":
    asyncio.run(main())
