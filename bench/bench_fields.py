"""Benchmark 3: field-resolution cost of query 1 in process, against pre-fetched data.

`schema.execute` of bench_pois.py's query (50 POIs, 12 fields + photos each) with the service call
(backend.tourism.service.list_pois) replaced by one returning a pre-built page of the real content
POIs: no database, no HTTP. Reports microseconds per resolved field (every key of the response),
the same for the plain JSON builder of bench/server.py as a baseline, and cProfile's top costs.
Target: at most 10 microseconds per field.

    .venv/bin/python bench/bench_fields.py [--seconds 10] [--profile-runs 50]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pois import QUERY, fields_of, variables
from harness import HOAN_KIEM, ROOT, cores, header
from server import pois_json
from starlette.requests import Request
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from backend import geo, pagination
from backend.auth.models import Locale, Viewer
from backend.context import Context
from backend.schema import build_schema
from backend.settings import Settings
from backend.tourism import queries as tourism_queries
from backend.tourism.loader import poi_document
from backend.tourism.models import PoiDoc
from backend.tourism.service import Page

TARGET_US = 10.0


def prefetched_page(first: int = 50) -> Page[PoiDoc]:
    content = json.loads((ROOT / "content" / "tourism" / "pois.json").read_text())["pois"]
    docs = []
    for poi in content:
        doc = poi_document(poi)
        doc["_id"] = poi["slug"]
        docs.append(PoiDoc.from_mongo(doc))
    keyed = sorted(
        (
            geo.haversine_meters(lat1=HOAN_KIEM[0], lng1=HOAN_KIEM[1], lat2=d.lat, lng2=d.lng),
            d.id,
            d,
        )
        for d in docs
    )[:first]
    cursors = [pagination.encode_cursor([dist, pid]) for dist, pid, _ in keyed]
    return Page([d for *_, d in keyed], cursors, True, distances=[dist for dist, *_ in keyed])


def context() -> Context:
    request = Request({"type": "http", "method": "POST", "path": "/graphql", "headers": []})
    return Context(
        request=request,
        response=None,
        viewer=Viewer(locale=Locale.VI),
        db=None,  # type: ignore[arg-type]
        settings=Settings(),
        firebase_app=None,  # type: ignore[arg-type]
        # No content snapshot: the pre-built page stands in for the service call.
        state=SimpleNamespace(snapshot=None),  # type: ignore[arg-type]
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="time per measurement")
    parser.add_argument("--max-runs", type=int, default=5_000)
    parser.add_argument("--profile-runs", type=int, default=50)
    args = parser.parse_args()
    header("bench_fields: in-process execution of query 1 against pre-fetched data")
    page = prefetched_page()

    async def list_pois(**_: Any) -> Page[PoiDoc]:
        return page

    tourism_queries.tourism_service.list_pois = list_pois  # type: ignore[assignment]
    schema = build_schema(production=False)
    vars_ = variables()

    async def once() -> Any:
        result = await schema.execute(QUERY, variable_values=vars_, context_value=context())
        if result.errors:
            raise SystemExit(f"errors: {result.errors}")
        return result.data

    data = await once()
    fields = fields_of(data)
    items = len(data["pois"]["edges"])
    per_item = fields_of(data["pois"]["edges"][0])
    print(
        f"  {items} POIs, {per_item} fields per item (edge, cursor, node and its 12 fields + "
        f"nested + photos), {fields} fields per response; {cores()} cores (shared: noisy)"
    )

    async def timed(label: str, run: Any, baseline: float | None = None) -> float:
        for _ in range(5):
            await run()
        runs = 0
        started = time.perf_counter()
        deadline = started + args.seconds
        while time.perf_counter() < deadline and runs < args.max_runs:
            await run()
            runs += 1
        per_run = (time.perf_counter() - started) / runs
        us = per_run / fields * 1e6
        extra = f"  ({per_run / baseline:.1f}x the plain builder)" if baseline else ""
        print(
            f"  {label:<44} {per_run * 1e3:7.2f} ms/query  {us:6.2f} us/field  runs={runs}{extra}"
        )
        return per_run

    async def plain() -> Any:
        return pois_json(page, Locale.VI)

    async def from_doc_only() -> Any:
        return [tourism_queries.Poi.from_doc(d, Locale.VI) for d in page.items]

    # Before backend/execution.py (issue 24), in the same run: Strawberry's execution context.
    usual = build_schema(production=False)
    usual.execution_context_class = StrawberryGraphQLCoreExecutionContext

    async def once_usual() -> Any:
        result = await usual.execute(QUERY, variable_values=vars_, context_value=context())
        if result.errors or result.data != data:
            raise SystemExit(f"the two execution contexts differ: {result.errors}")
        return result.data

    base = await timed("plain JSON builder (bench/server.py)", plain)
    before = await timed("  graphql-core's field loop (before)", once_usual, base)
    full = await timed("schema.execute (parse + validate + execute)", once, base)
    print(f"  plain fields' short path (backend/execution.py): {before / full:.2f}x faster")
    construct = await timed("  of which Poi.from_doc x 50", from_doc_only, base)
    per_field = full / fields * 1e6
    print(
        f"  GraphQL: {per_field:.2f} us per resolved field (target <= {TARGET_US:.0f}): "
        + ("met" if per_field <= TARGET_US else f"MISSED by {per_field / TARGET_US:.1f}x "
           f"(+{per_field - TARGET_US:.1f} us)")
    )  # fmt: skip
    print(
        f"  Poi.from_doc (eager: every field computed whether selected or not) is "
        f"{construct / full:.0%} of the query"
    )

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.profile_runs):
        await once()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(18)
    print(f"  cProfile, {args.profile_runs} executions, top own-time functions:")
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    for line in lines[start : start + 19]:
        print("   " + line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""))
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
        r"backend|strawberry/(schema|types/fields)|graphql/(execution|validation|language)"
    )
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    print("  cumulative, project and library entry points:")
    for line in lines[start : start + 22]:
        print("   " + line.replace(str(ROOT) + "/", "").replace(sys.prefix + "/", ""))


if __name__ == "__main__":
    asyncio.run(main())
