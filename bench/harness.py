"""Shared helpers of the benchmarks (not a benchmark itself: `make bench` runs bench_*.py only).

- `database()`: SecantusDB on loopback (":memory:" or a directory), via backend.embedded.
- `Tokens`: RS256 Firebase ID tokens signed with a local key, served by a loopback cert server.
- `AppServer`: the app under uvicorn in a *subprocess* (bench/server.py) on a free 127.0.0.1 port,
  so the load generator never shares the server's event loop; it also serves the plain baseline
  routes and reports the event loop's slow callbacks (over 10 ms).
- `load()`: N concurrent httpx workers for a fixed duration (and at most a fixed request count),
  recording latencies: req/s, p50, p99.
- `insert_bulk()`: insert_many in batches of 5,000.
- bookings (a tour departure and a crowd holding its seats): bench/booking_crowd.py.

Only ever talks to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["NO_GCE_CHECK"] = "true"
os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)

import httpx  # noqa: E402
from bson import ObjectId  # noqa: E402
from pymongo import AsyncMongoClient  # noqa: E402

from backend import geo  # noqa: E402
from backend.auth.localtokens import PROJECT_ID, CertServer, SigningKey, id_token  # noqa: E402
from backend.embedded import EmbeddedMongo  # noqa: E402
from backend.processes import free_port  # noqa: E402

OPERATIONS = ROOT / "graphql" / "operations"
HOAN_KIEM = (21.0287, 105.8524)  # lat, lng: the lake
BATCH = 5_000


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def header(title: str) -> None:
    print(f"# {title}")
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M:%S %Z')}, {cores()} cores, "
        f"Python {sys.version.split()[0]}"
    )


# -- database ------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(storage: str = ":memory:") -> Iterator[EmbeddedMongo]:
    """SecantusDB on a free loopback port; storage ":memory:" or "tmp" (a temporary directory)."""
    if storage == "tmp":
        with tempfile.TemporaryDirectory(prefix="bench-db-") as tmp, EmbeddedMongo(tmp) as mongo:
            yield mongo
    else:
        with EmbeddedMongo(storage) as mongo:
            yield mongo


def client(uri: str) -> AsyncMongoClient[dict[str, Any]]:
    return AsyncMongoClient(uri, tz_aware=True)


async def insert_bulk(
    collection: Any,
    docs: Iterable[dict[str, Any]],
    *,
    batch: int = BATCH,
    progress: str | None = None,
) -> int:
    """insert_many in batches (unordered); returns how many were inserted."""
    written = 0
    chunk: list[dict[str, Any]] = []
    started = time.perf_counter()
    for doc in docs:
        chunk.append(doc)
        if len(chunk) >= batch:
            await collection.insert_many(chunk, ordered=False)
            written += len(chunk)
            chunk = []
            if progress and written % (batch * 20) == 0:
                rate = written / (time.perf_counter() - started)
                print(f"  {progress}: {written:,} inserted ({rate:,.0f}/s)", flush=True)
    if chunk:
        await collection.insert_many(chunk, ordered=False)
        written += len(chunk)
    return written


async def prepare(uri: str, db_name: str) -> None:
    """Indexes and content, as the release phase does (backend.seed.migrate)."""
    from backend.seed import migrate

    mongo = client(uri)
    try:
        await migrate(mongo[db_name])
    finally:
        await mongo.close()


# -- tokens --------------------------------------------------------------------------------------


class LoadedSigningKey(SigningKey):
    """A SigningKey that hands PyJWT the loaded key: given PEM, PyJWT parses and checks the RSA
    key again for every token (20-70 ms here), too slow to mint thousands. Same tokens."""

    def private_pem(self) -> Any:  # PyJWT takes the key object where PEM text goes
        return self.key


class Tokens:
    """Mint RS256 ID tokens; the cert server must be running (use as a context manager)."""

    def __init__(self) -> None:
        self.key = LoadedSigningKey()
        self.certs = CertServer([self.key])

    def __enter__(self) -> Tokens:
        self.certs.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.certs.__exit__(*exc)

    @property
    def cert_url(self) -> str:
        return self.certs.url

    def mint(self, uid: str, **claims: object) -> str:
        return id_token(self.key, uid=uid, claims=claims or None, expires_in=3600)


# -- the app in a subprocess ---------------------------------------------------------------------


@dataclass
class AppServer:
    """bench/server.py under uvicorn in a child process (stopped on exit)."""

    mongo_uri: str
    db_name: str
    cert_url: str | None = None
    response_cache: bool = True
    asyncio_debug: bool = False
    loop_monitor: bool = True  # bench/server.py's event-loop monitor
    settings: dict[str, Any] = field(default_factory=dict)
    log_file: Path | None = None  # kept after exit (default: a temporary file, removed)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> AppServer:
        self.port = free_port()
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-app-")
        settings = {
            "env": "test",
            "mongodb_uri": self.mongo_uri,
            "mongodb_db": self.db_name,
            "data_dir": self._tmp.name,
            "firebase_project_id": PROJECT_ID,
            "revocation_check_seconds": 0,
            "response_cache": self.response_cache,
            **self.settings,
        }
        env = {
            **os.environ,
            "BENCH_PORT": str(self.port),
            "BENCH_SETTINGS": json.dumps(settings),
            "BENCH_CERT_URI": self.cert_url or "",
            "PYTHONPATH": str(ROOT),
        }
        if self.asyncio_debug:
            env["PYTHONASYNCIODEBUG"] = "1"
        if not self.loop_monitor:
            env["BENCH_LOOP_MONITOR"] = "0"
        self._log = open(self.log_file or Path(self._tmp.name) / "server.log", "w+b")
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "server.py")],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("bench server died:\n" + self.output())
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("bench server did not start:\n" + self.output())

    def output(self) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-4000:]

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._log is not None:
            self._log.close()
        self._tmp.cleanup()

    def loop_report(self, *, reset: bool = True) -> dict[str, Any]:
        """Slow callbacks (>= 10 ms) the server's event loop saw since the last reset."""
        response = httpx.post(self.url + "/_bench/loop", params={"reset": int(reset)}, timeout=10)
        response.raise_for_status()
        report: dict[str, Any] = response.json()
        return report


def print_loop_report(label: str, report: dict[str, Any], worst: int = 5) -> None:
    debug = f"; asyncio warnings {report['asyncio_warnings']}" if "debug" in report["mode"] else ""
    print(
        f"  event loop [{label}]: {report['slow']} of {report['callbacks']:,} callbacks took >= "
        f"{report['threshold_ms']:.0f} ms wall (max {report['max_ms']:.1f}), {report['slow_cpu']} "
        f"used >= {report['threshold_ms']:.0f} ms CPU (max {report['max_cpu_ms']:.1f}){debug}"
    )
    for offender in report["offenders"][:worst]:
        print(
            f"    {offender['count']:>4} x  max {offender['max_ms']:6.1f} ms wall "
            f"{offender['max_cpu_ms']:6.1f} ms CPU  {offender['where']}"
        )


# -- load generation -----------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    elapsed: float
    latencies: list[float]
    first_error: str | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")

    @property
    def p99(self) -> float:
        return self.percentile(99)

    def line(self) -> str:
        errors = f" errors={self.errors} ({self.first_error})" if self.errors else ""
        return (
            f"  {self.name:<34} {self.rps:8.1f} req/s  p50 {self.p50:7.1f} ms  "
            f"p99 {self.p99:7.1f} ms  n={self.requests}{errors}"
        )


Request = tuple[str, str, dict[str, Any]]  # method, path, httpx keyword arguments


def graphql_request(
    query: str, variables: dict[str, Any], token: str | None = None, locale: str = "vi"
) -> Request:
    """A POST /graphql with a pre-encoded body (the load generator does no JSON work)."""
    headers = {"content-type": "application/json", "accept-language": locale}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = json.dumps({"query": query, "variables": variables}).encode()
    return ("POST", "/graphql", {"content": body, "headers": headers})


def plain_request(path: str, params: dict[str, Any], token: str | None = None) -> Request:
    headers = {"accept-language": "vi"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return ("GET", path, {"params": params, "headers": headers})


async def load(
    base_url: str,
    name: str,
    requests: Callable[[int], Request],
    *,
    concurrency: int = 32,
    duration: float = 10.0,
    max_requests: int = 100_000,
    warmup: float = 1.0,
    check: Callable[[httpx.Response], bool] | None = None,
) -> Result:
    """`concurrency` workers send requests(i) until `duration` seconds or `max_requests` requests.

    A warm-up of `warmup` seconds runs first and is not recorded.
    """
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
        latencies: list[float] = []
        errors = 0
        first_error: str | None = None
        counter = 0

        async def worker(stop_at: float, budget: int, record: bool) -> None:
            nonlocal counter, errors, first_error
            while time.perf_counter() < stop_at and counter < budget:
                counter += 1
                method, path, kwargs = requests(counter)
                started = time.perf_counter()
                response = await http.request(method, path, **kwargs)
                elapsed = time.perf_counter() - started
                ok = response.status_code == 200 and (check is None or check(response))
                if not record:
                    continue
                latencies.append(elapsed)
                if not ok:
                    errors += 1
                    first_error = first_error or f"{response.status_code} {response.text[:200]}"

        if warmup > 0:
            stop = time.perf_counter() + warmup
            await asyncio.gather(*(worker(stop, max_requests, False) for _ in range(concurrency)))
        counter = 0
        began = time.perf_counter()
        stop = began + duration
        await asyncio.gather(*(worker(stop, max_requests, True) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Result(name, len(latencies), errors, elapsed, latencies, first_error)


async def sequential(
    base_url: str, name: str, requests: Callable[[int], Request], *, count: int, warmup: int = 3
) -> Result:
    """One request at a time (latency without queueing), after `warmup` unrecorded requests."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        for i in range(warmup):
            method, path, kwargs = requests(i)
            await http.request(method, path, **kwargs)
    return await load(
        base_url, name, requests, concurrency=1, duration=600.0, max_requests=count, warmup=0
    )


def ratio(part: Result, whole: Result) -> float:
    return part.rps / whole.rps if whole.rps else float("nan")


async def fetch_json(base_url: str, request: Request) -> Any:
    method, path, kwargs = request
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as http:
        response = await http.request(method, path, **kwargs)
    response.raise_for_status()
    return response.json()


# -- generated reports ---------------------------------------------------------------------------

STATUS_WEIGHTS = {
    "SUBMITTED": 30, "ACKNOWLEDGED": 15, "IN_PROGRESS": 15, "REOPENED": 5,
    "RESOLVED": 25, "REJECTED": 5, "DUPLICATE": 5,
}  # fmt: skip
OPEN = {"SUBMITTED", "ACKNOWLEDGED", "IN_PROGRESS", "REOPENED"}
WORDS = [
    "ổ", "gà", "sâu", "giữa", "đường", "nguy", "hiểm", "xe", "máy", "đèn", "đường", "hỏng",
    "tối", "rác", "thải", "chưa", "thu", "gom", "ngập", "nước", "sau", "mưa", "vỉa", "hè", "bị",
    "lấn", "chiếm", "cây", "đổ", "cống", "hở", "tiếng", "ồn", "karaoke", "khuya",
]  # fmt: skip


async def reference_data(uri: str, db_name: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The seeded categories (with departments) and area ids."""
    mongo = client(uri)
    try:
        db = mongo[db_name]
        categories = await db["categories"].find({}).to_list(None)
        areas = [a["_id"] for a in await db["areas"].find({}, {"_id": 1}).to_list(None)]
        return categories, areas
    finally:
        await mongo.close()


def report_docs(
    count: int,
    *,
    categories: list[dict[str, Any]],
    areas: list[str],
    seed: int = 7,
    center: tuple[float, float] = HOAN_KIEM,
    radius_m: float = 3_000.0,
    resident: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Reports as backend.reports.models.ReportDoc.to_mongo writes them (moderation fields too),
    spread uniformly over a disc; one in 50 is by `resident`."""
    import math
    import random

    from backend.text import terms

    rng = random.Random(seed)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    now = datetime.now(UTC)
    cos_lat = math.cos(math.radians(center[0]))
    for i in range(count):
        category = rng.choice(categories)
        status = rng.choices(statuses, weights)[0]
        distance = radius_m * math.sqrt(rng.random())
        bearing = rng.uniform(0, 2 * math.pi)
        lat = center[0] + distance * math.cos(bearing) / 111_320
        lng = center[1] + distance * math.sin(bearing) / (111_320 * cos_lat)
        created = now - timedelta(minutes=rng.randint(10, 365 * 24 * 60))
        ack_due = created + timedelta(hours=category["sla_hours"]["acknowledge"] * 2)
        resolve_due = created + timedelta(hours=category["sla_hours"]["resolve"] * 2)
        description = " ".join(rng.choices(WORDS, k=rng.randint(6, 18)))
        is_open = status in OPEN
        reporter = resident if resident and i % 50 == 0 else f"user-{rng.randint(0, 49_999):05d}"
        yield {
            "_id": ObjectId(),
            "category": category["_id"],
            "department": category["department"],
            "status": status,
            "description": description,
            "location": {"type": "Point", "coordinates": [lng, lat]},
            # as ReportDoc.to_mongo writes them: reportsNearby reads by grid cell
            "location_cells": geo.grid_cells(lat=lat, lng=lng),
            "address": f"Số {rng.randint(1, 200)} phố Hàng Bài" if rng.random() < 0.6 else None,
            "area": rng.choice(areas),
            "photo_ids": [ObjectId() for _ in range(rng.randint(0, 3))],
            "reporter": reporter,
            "anonymous": rng.random() < 0.1,
            "me_too_count": rng.randint(0, 30),
            "follower_count": rng.randint(1, 40),
            "created_at": created,
            "updated_at": created + timedelta(minutes=rng.randint(0, 600)),
            "sla_due_at": (ack_due if status in ("SUBMITTED", "REOPENED") else resolve_due)
            if is_open
            else None,
            "resolved_at": None if is_open else created + timedelta(hours=rng.randint(1, 200)),
            "search_terms": terms(description),
            "priority": "URGENT" if category.get("urgent") else "NORMAL",
            "ack_due_at": ack_due,
            "resolve_due_at": resolve_due,
            "acknowledged_at": None if status in ("SUBMITTED",) else created + timedelta(hours=2),
            "hidden": rng.random() < 0.01,
            "duplicate_of": None,
            "reopen_count": 1 if status == "REOPENED" else 0,
            "locked_by": None,
            "locked_until": None,
        }
