"""Benchmark: where the CPU of one signed-in, cache-off `pois(first: 52)` goes, stage by stage.

The app of bench/server.py (snapshot on, response cache off) in process, behind httpx's ASGI
transport, one request at a time; each stage is timed with the thread's CPU clock (so the time
spent waiting for the database is left out, and other work on the machine counts less), median
over the requests. Run once as the code is and once with issue 24's cuts undone
(bench/server.py's BENCH_EXECUTOR=graphql-core, BENCH_RATINGS=own, BENCH_PLACE_MEMOS=off), each in
a child process.

    .venv/bin/python bench/bench_stages.py [--requests 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from bench_snapshot import FIRST, QUERY
from harness import Tokens, database, graphql_request, header, prepare

from backend.auth.localtokens import PROJECT_ID

DB = "bench_stages"
VARIANTS = {
    "now": {},
    "before (graphql-core field loop, own ratings read, no memos of places)": {
        "BENCH_EXECUTOR": "graphql-core",
        "BENCH_RATINGS": "own",
        "BENCH_PLACE_MEMOS": "off",
    },
}
TIMES: dict[str, list[int]] = {}


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap owner.name (a coroutine function) to add its thread CPU time to TIMES[label]."""
    original = getattr(owner, name)

    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time_ns()
        try:
            return await original(*args, **kwargs)
        finally:
            TIMES.setdefault(label, []).append(time.thread_time_ns() - started)

    setattr(owner, name, wrapper)


def _timed_sync(owner: Any, name: str, label: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.thread_time_ns()
        try:
            return original(*args, **kwargs)
        finally:
            TIMES.setdefault(label, []).append(time.thread_time_ns() - started)

    setattr(owner, name, wrapper)


async def child(requests: int) -> None:
    """In the child: build the app (switches from the environment), time each stage."""
    import firebase_admin._token_gen as token_gen
    import server
    import strawberry.schema.schema as strawberry_schema

    from backend import graphql_view
    from backend.auth import service as auth_service
    from backend.tourism import dataloaders, queries
    from backend.tourism.service import memory

    token_gen.ID_TOKEN_CERT_URI = os.environ["BENCH_CERT_URI"]
    app = server.build_app()
    _timed(auth_service, "authenticate", "token verification")
    _timed(graphql_view.GraphQLView, "__call__", "GraphQL view (from the route)")
    _timed(strawberry_schema.Schema, "execute", "schema.execute (parse, validate, execute)")
    _timed(dataloaders, "live_ratings", "live ratings (client side of the read)")
    queries.live_ratings = dataloaders.live_ratings  # type: ignore[attr-defined]
    _timed_sync(memory, "list_pois", "the page from the snapshot")
    _timed_sync(graphql_view.GraphQLView, "encode_json", "JSON encoding of the answer")
    method, path, kwargs = graphql_request(QUERY, {"first": FIRST}, token=os.environ["BENCH_TOKEN"])

    async def whole(scope: Any, receive: Any, send: Any) -> None:
        started = time.thread_time_ns()
        try:
            await app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                TIMES.setdefault("the whole ASGI app (middleware and all)", []).append(
                    time.thread_time_ns() - started
                )

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=whole)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            for _ in range(30):
                response = await http.request(method, path, **kwargs)
                assert b'"errors"' not in response.content, response.text[:300]
            TIMES.clear()
            for _ in range(requests):
                await http.request(method, path, **kwargs)
    order = sorted(TIMES, key=lambda label: -statistics.median(TIMES[label]))
    for label in order:
        print(f"    {label:<52} {statistics.median(TIMES[label]) / 1e6:6.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        await child(args.requests)
        return
    header("bench_stages: CPU per stage of a signed-in, cache-off pois(first: 52), in process")
    with database() as mongo, Tokens() as tokens, tempfile.TemporaryDirectory() as data_dir:
        await prepare(mongo.uri, DB)
        settings = {
            "env": "test",
            "mongodb_uri": mongo.uri,
            "mongodb_db": DB,
            "data_dir": data_dir,
            "firebase_project_id": PROJECT_ID,
            "revocation_check_seconds": 0,
            "response_cache": False,
            "content_snapshot": True,
            "db_timeout_ms": 30_000,
        }
        env = {
            **os.environ,
            "BENCH_SETTINGS": json.dumps(settings),
            "BENCH_CERT_URI": tokens.cert_url,
            "BENCH_TOKEN": tokens.mint("bench-visitor"),
            "NO_GCE_CHECK": "true",
        }
        for label, switches in VARIANTS.items():
            print(f"  {label}: median thread CPU per request ({args.requests} requests)")
            command = [sys.executable, __file__, "--child", "--requests", str(args.requests)]
            await asyncio.to_thread(subprocess.run, command, env={**env, **switches}, check=True)


if __name__ == "__main__":
    asyncio.run(main())
