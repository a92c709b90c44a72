"""Benchmark 5a: `reportCreate` throughput with photos already uploaded, against a plain route.

Each report is sent by a resident of its own (the app allows 6 reports an hour per resident)
with one photo that resident uploaded beforehand through POST /media, at a spot spread over
3 km around Hoàn Kiếm. Three paths in the same server, one after the other:
- GraphQL with the app's own document (graphql/operations/reports/ReportCreate.graphql: the
  whole report back, with its area, category, photos, counters and the viewer's flags);
- GraphQL selecting only `report { id status } duplicates { id } errors { code }`;
- a plain Starlette route (bench/server.py) making the same service call (the report, its
  idempotency key, the outbox message and the rate-limit counters in one transaction) and
  answering the id and status with orjson.
Every request carries an RS256 ID token verified by the app. Reports/s and p50/p99 at 32
concurrent clients, and the ratios; then the reports written are counted (none lost, none twice).

    .venv/bin/python bench/bench_report_create.py [--duration 6] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    HOAN_KIEM,
    OPERATIONS,
    AppServer,
    Request,
    Result,
    Tokens,
    client,
    database,
    graphql_request,
    header,
    load,
    prepare,
    ratio,
)

DB = "bench_report_create"
FULL = (OPERATIONS / "reports" / "ReportCreate.graphql").read_text()
MINIMAL = """mutation ReportCreateMinimal($input: ReportCreateInput!) {
  reportCreate(input: $input) { report { id status } duplicates { id } errors { code } }
}"""
CATEGORIES = ["pothole", "broken-street-light", "uncollected-garbage", "flooding", "fallen-tree"]


def photo_bytes() -> bytes:
    image = Image.new("RGB", (800, 600), (90, 120, 150))
    for x in range(0, 800, 40):
        for y in range(0, 600, 40):
            image.putpixel((x, y), (x % 255, y % 255, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


class Residents:
    """Residents with a token and one uploaded photo each, handed out once each."""

    def __init__(self) -> None:
        self.ready: list[tuple[str, str]] = []  # (token, photo id)
        self._next = 0
        self.rng = random.Random(5)

    async def upload(self, base_url: str, tokens: Tokens, count: int, concurrency: int) -> None:
        jpeg = photo_bytes()
        queue = [tokens.mint(f"creator-{i:05d}") for i in range(count)]

        async def worker(http: httpx.AsyncClient) -> None:
            while queue:
                token = queue.pop()
                response = await http.post(
                    "/media",
                    files={"file": ("street.jpg", jpeg, "image/jpeg")},
                    headers={"authorization": f"Bearer {token}"},
                )
                if response.status_code != 201:
                    raise SystemExit(f"upload failed: {response.status_code} {response.text}")
                self.ready.append((token, response.json()["id"]))

        async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
            await asyncio.gather(*(worker(http) for _ in range(concurrency)))

    def take(self) -> tuple[str, str]:
        if self._next >= len(self.ready):
            raise SystemExit("ran out of residents: raise --residents")
        item = self.ready[self._next]
        self._next += 1
        return item

    def report_input(self, photo_id: str) -> dict[str, Any]:
        return {
            "categoryId": self.rng.choice(CATEGORIES),
            "description": f"Sự cố trên phố, cần xử lý sớm ({uuid.uuid4().hex[:6]})",
            "location": {
                "lat": HOAN_KIEM[0] + self.rng.uniform(-0.027, 0.027),
                "lng": HOAN_KIEM[1] + self.rng.uniform(-0.029, 0.029),
            },
            "photoIds": [photo_id],
            "anonymous": False,
            "idempotencyKey": uuid.uuid4().hex,
        }


def graphql_creates(residents: Residents, document: str) -> Callable[[int], Request]:
    def make(_: int) -> Request:
        token, photo = residents.take()
        return graphql_request(document, {"input": residents.report_input(photo)}, token=token)

    return make


def plain_creates(residents: Residents) -> Callable[[int], Request]:
    def make(_: int) -> Request:
        token, photo = residents.take()
        body = json.dumps(residents.report_input(photo)).encode()
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}
        return ("POST", "/_plain/report-create", {"content": body, "headers": headers})

    return make


def created(response: Any) -> bool:
    body = response.json()
    payload = (body.get("data") or {}).get("reportCreate") or {}
    return "errors" not in body and payload.get("errors") == [] and bool(payload.get("report"))


def phases(residents: Residents) -> Iterator[tuple[str, Callable[[int], Request]]]:
    yield "graphql reportCreate (app document)", graphql_creates(residents, FULL)
    yield "graphql reportCreate (id, status)", graphql_creates(residents, MINIMAL)
    yield "plain route (same service call)", plain_creates(residents)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-phase", type=int, default=500, help="at most this many per phase")
    args = parser.parse_args()
    header("bench_report_create: reportCreate with one uploaded photo each, vs a plain route")
    residents = Residents()
    with database() as mongo, Tokens() as tokens:
        await prepare(mongo.uri, DB)
        with AppServer(mongo.uri, DB, cert_url=tokens.cert_url) as server:
            started = time.perf_counter()
            count = 3 * args.per_phase
            await residents.upload(server.url, tokens, count, concurrency=8)
            took = time.perf_counter() - started
            print(f"  uploaded {count:,} photos (one per resident) in {took:.1f} s")
            results: dict[str, Result] = {}
            for label, requests in phases(residents):
                result = await load(
                    server.url,
                    label,
                    requests,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                    max_requests=args.per_phase,
                    check=created,
                )
                print(result.line())
                results[label] = result
        mongo_client = client(mongo.uri)
        try:
            stored = await mongo_client[DB]["reports"].count_documents({})
            reporters = len(await mongo_client[DB]["reports"].distinct("reporter"))
        finally:
            await mongo_client.close()
    sent = residents._next
    print(f"  reports stored {stored:,} for {sent:,} requests sent, by {reporters:,} residents")
    full, minimal, plain = results.values()
    print("  ratios (GraphQL reports/s / plain reports/s in the same server):")
    print(f"    app document {ratio(full, plain):.1%}, id+status {ratio(minimal, plain):.1%}")


if __name__ == "__main__":
    asyncio.run(main())
