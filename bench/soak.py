"""Soak test: a mixed workload against the real app for minutes, watching errors, latency, memory.

    NO_GCE_CHECK=true .venv/bin/python bench/soak.py                 # 10 minutes, 16 users
    NO_GCE_CHECK=true .venv/bin/python bench/soak.py --duration 60   # a smoke run
    ... --users 32 --rate 7    # 7 actions a second (below capacity) instead of back to back
    ... [--users 16] [--interval 10] [--reports 4000] [--json soak.json] [--server-log FILE]

Setup (all on 127.0.0.1): SecantusDB as a child process (":memory:" by default), the city's content
loaded through the release path (backend.seed.migrate), and generated reports over categories
and areas (bench/harness.py's report_docs; a share of them by the soak's residents, who also get
follows, "me too"s and inbox items); RS256 Firebase ID tokens signed with a local key whose
certificate a loopback server hands to the app; the app under uvicorn in a child process
(bench/server.py, as the other benches run it), with the app's own settings (a 2 s database
budget) and JSON logs as in production. Three area alerts are sent through alertSend before the
clock starts. No push worker runs: the outbox only grows, and inbox items are seeded.

Workload (bench/soak_users.py, with the mix and the judging in bench/soak_workload.py and the
measuring in bench/soak_metrics.py): --users virtual users, each sending one action after another
without pause: 70% public reads (pois near, search, POI detail, journeys, journey detail, report
categories, alerts near, offline packs with ETag revalidation, small open-data exports, photo
thumbnails), 20% resident actions (reportCreate, a third with photos uploaded through POST
/media; reportMeToo, reportFollow, myReports, reportsNearby, the inbox, and a tour booking:
departures, bookingHold, bookingConfirm, bookingCancel), 10% moderator actions (the queue, a
report's page, reportTriage or reportSetStatus moving a report one step on, reportStats). The
GraphQL documents are the app's and the console's own, from graphql/operations/.

An error is a transport error, an unexpected HTTP status (5xx, or a 4xx the workload never
provokes), a GraphQL top-level error, or a payload error other than the expected answers
(RATE_LIMITED for reportCreate, SOLD_OUT for bookingHold; the workload is built to avoid both:
reports go round --residents residents, 5 an hour each). The summary lists error kinds with the
first examples, each with the exception the server logged for its x-request-id.

Every --interval seconds one line: requests/s, errors, p50/p95/p99 of that window, the RSS of the
app process and of the database process (/proc/<pid>/status VmRSS), what the app's response cache
holds (estimated from its X-Cache: MISS answers: up to 64 MiB of answers younger than 5
minutes, so part of the app's growth is by design), CPU of app, database and this load
generator, and the app event loop's callbacks of 10 ms or more, wall and CPU time
(bench/server.py's monitor; on a shared machine wall time includes waiting for a CPU).
At the end: totals, error rate, p95/p99 of the first and last minute (half the run when it is
shorter than two minutes) and their ratio, the app's RSS growth from the end of the first minute
to the end, per-operation figures, and PASS/FAIL against the issue's targets for a 10-minute run
on 2 cores:
  error rate < 0.1%;  p99 of the last minute <= 1.5 x the first;  app RSS growth < 10%.
Exit status 0 when all pass, 1 otherwise, 130 on Ctrl-C (after a summary of what ran; the
server and the database are stopped either way).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from bson import ObjectId
from harness import (
    AppServer,
    Tokens,
    client,
    cores,
    database,
    header,
    insert_bulk,
    prepare,
    reference_data,
    report_docs,
)
from soak_metrics import Recorder, Sampler, summarise
from soak_users import VirtualUser
from soak_workload import QUERIES, CreateBudget, Pacer, TokenBook, World, jpeg_photos

DB = "soak"
RESIDENT_REPORT_SHARE = 0.3  # of the generated reports, by the soak's residents
INBOX_RESIDENTS = 500  # residents with inbox items (8 each)


# -- data ----------------------------------------------------------------------------------------


@dataclass
class Seeded:
    pois: list[str]
    journeys: list[str]
    tours: list[str]
    areas: list[str]
    categories: list[str]
    reports: int


def inbox_items(residents: list[str], now: datetime) -> list[dict[str, Any]]:
    """What notifications/delivery.py writes to the inbox for a delivered push."""
    return [
        {
            "outbox_id": ObjectId(),
            "uid": uid,
            "kind": "report.status_changed",
            "title": {"vi": "Phản ánh đã được tiếp nhận", "en": "Your report was acknowledged"},
            "body": {"vi": "Cơ quan chức năng đang xử lý.", "en": "The city is working on it."},
            "deep_link": "thanglong://reports",
            "read": n % 3 == 0,
            "created_at": now - timedelta(hours=n),
        }
        for uid in residents[:INBOX_RESIDENTS]
        for n in range(8)
    ]


async def seed(uri: str, args: argparse.Namespace, residents: list[str]) -> Seeded:
    """Content through the release path, then reports, memberships, names and inbox items."""
    await prepare(uri, DB)
    categories, areas = await reference_data(uri, DB)
    rng = random.Random(args.seed)
    now = datetime.now(UTC)
    mongo = client(uri)
    try:
        db = mongo[DB]
        reports = list(
            report_docs(
                args.reports, categories=categories, areas=areas, seed=args.seed, radius_m=4_000
            )
        )
        for doc in reports:
            if rng.random() < RESIDENT_REPORT_SHARE:
                doc["reporter"] = rng.choice(residents)
        count = await insert_bulk(db["reports"], reports)
        some = rng.sample(reports, min(len(reports), 2_000))
        for collection, docs in (("report_followers", some[::2]), ("report_me_too", some[1::2])):
            await insert_bulk(
                db[collection],
                ({"report": d["_id"], "uid": rng.choice(residents), "at": now} for d in docs),
            )
        await insert_bulk(
            db["users"],
            ({"_id": uid, "uid": uid, "display_name": f"Cư dân {i}"}
             for i, uid in enumerate(residents[::3])),
        )  # fmt: skip
        await insert_bulk(db["notifications"], inbox_items(residents, now))
        ids = {
            name: [str(d["_id"]) for d in await db[name].find({}, {"_id": 1}).to_list(None)]
            for name in ("pois", "journeys", "tours")
        }
    finally:
        await mongo.close()
    return Seeded(
        pois=ids["pois"],
        journeys=ids["journeys"],
        tours=ids["tours"],
        areas=areas,
        categories=[str(c["_id"]) for c in categories],
        reports=count,
    )


async def send_alerts(http: httpx.AsyncClient, world: World) -> None:
    """A city-wide alert and two area alerts, through the console's alertSend."""
    token = world.tokens.get(world.moderators[0])
    expires = (datetime.now(UTC) + timedelta(days=2)).isoformat(timespec="seconds")
    for areas in (None, world.areas[:3], world.areas[3:6]):
        alert = {
            "all": areas is None,
            "areaIds": areas,
            "severity": "WARNING",
            "title": {"vi": "Cảnh báo ngập úng", "en": "Flooding warning"},
            "body": {"vi": "Mưa lớn, tránh các tuyến phố trũng.", "en": "Heavy rain ahead."},
            "expiresAt": expires,
        }
        response = await http.post(
            "/graphql",
            json={"query": QUERIES["alertSend"], "variables": {"input": alert}},
            headers={"authorization": f"Bearer {token}"},
        )
        body = response.json()
        if body.get("errors") or body["data"]["alertSend"]["errors"]:
            raise SystemExit(f"alertSend failed: {body}")


# -- the run -------------------------------------------------------------------------------------


def make_world(
    args: argparse.Namespace, tokens: Tokens, seeded: Seeded, residents: list[str]
) -> World:
    """Identities with their tokens (minted before the clock starts), and the seeded ids."""
    moderators = [f"soak-moderator-{i:02d}" for i in range(max(1, args.users // 4))]
    book = TokenBook(tokens)
    for uid in moderators:
        book.claims[uid] = {"role": "moderator"}
    for uid in residents + moderators:
        book.get(uid)
    return World(
        tokens=book,
        residents=residents,
        moderators=moderators,
        pois=seeded.pois,
        journeys=seeded.journeys,
        tours=seeded.tours,
        areas=seeded.areas,
        categories=seeded.categories,
        photos=jpeg_photos(),
        budget=CreateBudget(residents),
        pacer=Pacer(args.rate),
    )


async def drive(
    args: argparse.Namespace, server: AppServer, world: World, db_pid: int | None, log_file: Path
) -> int:
    """The workload for --duration seconds, a line per window, then the summary."""
    limits = httpx.Limits(max_connections=args.users, max_keepalive_connections=args.users)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=args.timeout) as http:
        await send_alerts(http, world)
        recorder = Recorder()
        sampler = Sampler(recorder, server, db_pid, lambda: sum(world.cached.values()))
        stop_at = recorder.started + args.duration
        users = [VirtualUser(i, world, http, recorder, args.seed) for i in range(args.users)]
        interrupted = False
        try:
            await asyncio.gather(
                sampler.run(args.interval, stop_at), *(user.run(stop_at) for user in users)
            )
        except asyncio.CancelledError:
            interrupted = True
            print("  interrupted: a summary of what ran, then the servers stop")
        await sampler.close()
    ran = time.perf_counter() - recorder.started
    summary = summarise(
        recorder,
        sampler.windows,
        users=args.users,
        duration=args.duration,
        ran=ran,
        log_file=log_file,
    )
    if args.json:
        document = {
            "config": vars(args),
            "cores": cores(),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "windows": [asdict(w) for w in sampler.windows],
            "summary": summary,
        }
        Path(args.json).write_text(json.dumps(document, indent=2, default=str))  # noqa: ASYNC240
        print(f"  windows and summary written to {args.json}")
    if interrupted:
        raise asyncio.CancelledError
    return 0 if summary["passed"] else 1


async def soak(args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    if task is not None:  # `kill <pid>` stops the run as Ctrl-C does: summary, servers stopped
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    pace = f", {args.rate:g} actions/s" if args.rate else ", back to back"
    header(
        f"soak: {args.users} users for {args.duration:.0f} s{pace} "
        "(70% public reads, 20% resident actions, 10% moderator actions)"
    )
    log_file = Path(args.server_log or tempfile.mkdtemp(prefix="soak-") + "/server.log")
    residents = [f"soak-resident-{i:05d}" for i in range(args.residents)]
    with database(args.storage) as mongo, Tokens() as tokens:
        started = time.perf_counter()
        seeded = await seed(mongo.uri, args, residents)
        world = make_world(args, tokens, seeded, residents)
        print(
            f"  seeded in {time.perf_counter() - started:.0f} s: {seeded.reports:,} reports, "
            f"{len(seeded.pois)} POIs, {len(seeded.journeys)} journeys, {len(seeded.tours)} "
            f"tours, {len(seeded.areas)} areas, {len(seeded.categories)} categories; "
            f"{len(residents):,} residents, {len(world.moderators)} moderators"
        )
        settings: dict[str, Any] = {"log_json": True}  # as in production: request ids in the log
        if args.db_timeout_ms:
            settings["db_timeout_ms"] = args.db_timeout_ms
        with AppServer(
            mongo.uri,
            DB,
            cert_url=tokens.cert_url,
            settings=settings,
            log_file=log_file,
            loop_monitor=not args.no_loop_monitor,
        ) as server:
            app_pid = server.process.pid if server.process else None
            print(
                f"  app {server.url} (pid {app_pid}), database {mongo.uri} (pid {mongo.pid}); "
                f"server log {log_file}"
            )
            return await drive(args, server, world, mongo.pid, log_file)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=600.0, help="seconds (default 600)")
    parser.add_argument("--users", type=int, default=16, help="concurrent virtual users")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds per window")
    parser.add_argument("--reports", type=int, default=4_000, help="generated reports")
    parser.add_argument("--residents", type=int, default=2_000, help="resident identities")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--storage", default=":memory:", help='":memory:" or "tmp" (a directory)')
    parser.add_argument("--db-timeout-ms", type=int, default=0, help="the app's DB_TIMEOUT_MS")
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout, seconds")
    parser.add_argument("--json", help="write the windows and the summary to this file")
    parser.add_argument("--server-log", help="the server's output (default: a file in /tmp)")
    parser.add_argument(
        "--rate",
        type=float,
        help="actions started per second across all users (default: each user back to back)",
    )
    parser.add_argument(
        "--no-loop-monitor",
        action="store_true",
        help="run the app without bench/server.py's event-loop monitor (for memory figures)",
    )
    args = parser.parse_args()
    try:
        return asyncio.run(soak(args))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("  stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
