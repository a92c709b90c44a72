"""The soak's vocabulary: the operations it sends, the mix, what virtual users share, and how
each answer is judged.

Used by bench/soak.py (read its docstring first) and bench/soak_users.py; not a benchmark.
A request is an error when it ends in a transport error, an HTTP status other than the route's
normal answers, a GraphQL top-level error, or a payload error that is not in EXPECTED.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import random
import time
from collections import Counter, deque
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from harness import HOAN_KIEM, OPERATIONS, Request, Tokens, graphql_request
from soak_metrics import Recorder

# -- the documents the app and the console send --------------------------------------------------

DOCUMENTS = {
    "pois": "tourism/Pois",
    "search": "tourism/Search",
    "poi": "tourism/Poi",
    "journeys": "tourism/Journeys",
    "journey": "tourism/Journey",
    "reportCategories": "reports/ReportCategories",
    "alerts": "notifications/Alerts",
    "reportCreate": "reports/ReportCreate",
    "reportMeToo": "reports/ReportMeToo",
    "reportFollow": "reports/ReportFollow",
    "myReports": "reports/MyReports",
    "reportsNearby": "reports/ReportsNearby",
    "inbox": "notifications/Inbox",
    "tour": "bookings/Tour",
    "bookingHold": "bookings/BookingHold",
    "bookingConfirm": "bookings/BookingConfirm",
    "bookingCancel": "bookings/BookingCancel",
    "moderationQueue": "console/ConsoleQueue",
    "moderationReport": "console/ConsoleReport",
    "reportTriage": "console/ConsoleReportTriage",
    "reportSetStatus": "console/ConsoleReportSetStatus",
    "reportStats": "console/ConsoleStats",
    "alertSend": "notifications/AlertSend",
}
QUERIES = {op: (OPERATIONS / f"{path}.graphql").read_text() for op, path in DOCUMENTS.items()}

# Payload errors that are right answers to a workload like this one, not faults.
EXPECTED = frozenset({("reportCreate", "RATE_LIMITED"), ("bookingHold", "SOLD_OUT")})

# Each group's share of the actions, and within it each action's weight (a method of
# VirtualUser, named after what it sends).
MIX: dict[str, tuple[float, dict[str, int]]] = {
    "public": (
        0.70,
        {
            "pois": 18,
            "search": 12,
            "poi": 14,
            "journeys": 8,
            "journey": 8,
            "report_categories": 8,
            "alerts": 12,
            "offline_pack": 8,
            "open_data": 6,
            "media_thumb": 6,
        },
    ),
    "resident": (
        0.20,
        {
            "report_create": 12,
            "report_me_too": 12,
            "report_follow": 10,
            "my_reports": 14,
            "reports_nearby": 22,
            "inbox": 18,
            "booking": 12,
        },
    ),
    "moderator": (
        0.10,
        {
            "moderation_queue": 35,
            "moderation_report": 20,
            "moderation_work": 30,
            "report_stats": 15,
        },
    ),
}
PHOTO_SHARE = 0.3  # reports sent with photos
ANONYMOUS_SHARE = 0.7  # public reads without a token
CREATES_PER_HOUR = 5  # per resident: the app allows 6 (one spare for a request across the hour)
CREATES_PER_DAY = 18  # under its 20 a day
OPEN = frozenset({"SUBMITTED", "ACKNOWLEDGED", "IN_PROGRESS", "REOPENED"})
# Map centres people look at (lat, lng): the lake, the Old Quarter, Văn Miếu, Ba Đình, Hồ Tây.
POPULAR = [
    HOAN_KIEM,
    (21.0341, 105.8503),
    (21.0287, 105.8355),
    (21.0368, 105.8346),
    (21.0535, 105.8262),
]
SEARCHES = [
    "hoan kiem",
    "Hoàn Kiếm",
    "van mieu",
    "chùa",
    "den",
    "temple",
    "pagoda",
    "pho co",
    "lake",
    "ho tay",
    "bảo tàng",
    "museum",
    "long bien",
    "nha tho",
    "cầu",
]


def disc_point(
    rng: random.Random, center: tuple[float, float], radius_m: float
) -> dict[str, float]:
    """A point uniformly spread over a disc, rounded as a map centre is (4 decimals, ~10 m)."""
    distance = radius_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat = center[0] + distance * math.cos(bearing) / 111_320
    lng = center[1] + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(center[0])))
    return {"lat": round(lat, 4), "lng": round(lng, 4)}


def map_centre(rng: random.Random) -> dict[str, float]:
    """Half the time a popular place (shared by many users: cacheable), else anywhere nearby."""
    if rng.random() < 0.5:
        lat, lng = rng.choice(POPULAR)
        return {"lat": lat, "lng": lng}
    return disc_point(rng, HOAN_KIEM, 4_000)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def jpeg_photos(count: int = 4, size: tuple[int, int] = (1024, 768)) -> list[bytes]:
    """Phone-like JPEGs for POST /media: 1024 x 768, a gradient with noise, 280-420 KB."""
    from PIL import Image

    photos = []
    for i in range(count):
        noise = Image.effect_noise(size, 24 + 8 * i)
        gradient = Image.linear_gradient("L").resize(size)
        image = Image.merge("RGB", (gradient, noise, gradient.rotate(90 * i).resize(size)))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        photos.append(out.getvalue())
    return photos


# -- shared knowledge of the virtual users -------------------------------------------------------


class TokenBook:
    """One ID token per uid, minted on first use and again before it expires (after an hour)."""

    LIFETIME = 50 * 60.0

    def __init__(self, tokens: Tokens) -> None:
        self.tokens = tokens
        self.claims: dict[str, dict[str, object]] = {}
        self._minted: dict[str, tuple[float, str]] = {}

    def get(self, uid: str) -> str:
        now = time.monotonic()
        cached = self._minted.get(uid)
        if cached is None or now - cached[0] > self.LIFETIME:
            cached = (now, self.tokens.mint(uid, **self.claims.get(uid, {})))
            self._minted[uid] = cached
        return cached[1]


class CreateBudget:
    """Hands out residents for reportCreate, each under the app's hourly and daily limits."""

    def __init__(self, residents: list[str]) -> None:
        self.residents = residents
        self._next = 0
        self._counts: Counter[tuple[str, str]] = Counter()

    def take(self) -> str | None:
        now = datetime.now(UTC)
        hour, day = now.strftime("%Y%m%d%H"), now.strftime("%Y%m%d")
        for _ in range(len(self.residents)):
            uid = self.residents[self._next]
            self._next = (self._next + 1) % len(self.residents)
            if (
                self._counts[(uid, hour)] < CREATES_PER_HOUR
                and self._counts[(uid, day)] < CREATES_PER_DAY
            ):
                self._counts[(uid, hour)] += 1
                self._counts[(uid, day)] += 1
                return uid
        return None


@dataclass
class Pacer:
    """At most `rate` actions started a second across all users: an arrival rate, not users
    sending back to back. Below the system's capacity, latency is then service time rather than
    the queue in front of the bottleneck. None: back to back (a saturating load)."""

    rate: float | None = None
    _next: float = 0.0

    async def wait(self) -> None:
        if not self.rate:
            return
        now = time.perf_counter()
        slot = max(now, self._next)  # a late slot is not made up for with a burst
        self._next = slot + 1 / self.rate
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass
class World:
    """What the virtual users share: identities, content ids, and who is acting on what."""

    tokens: TokenBook
    residents: list[str]
    moderators: list[str]
    pois: list[str]
    journeys: list[str]
    tours: list[str]
    areas: list[str]
    categories: list[str]
    photos: list[bytes]
    budget: CreateBudget
    moderating: set[str] = field(default_factory=set)  # reports a moderator is changing
    engaging: Counter[str] = field(default_factory=Counter)  # reports residents are acting on
    closed: set[str] = field(default_factory=set)  # closed by the soak's moderators
    uploaded: deque[str] = field(default_factory=lambda: deque(maxlen=500))
    etags: dict[str, str] = field(default_factory=dict)
    # What the app's response cache holds, as seen from here: the size of each answer it gave
    # with X-Cache: MISS (and so stored), by request. Expired entries stay until evicted.
    cached: dict[int, int] = field(default_factory=dict)
    pacer: Pacer = field(default_factory=Pacer)


# -- requests and how each answer is judged ------------------------------------------------------


class Caller:
    """Sends requests as one virtual user; records each with its latency and its verdict."""

    def __init__(
        self, index: int, world: World, http: httpx.AsyncClient, recorder: Recorder, seed: int
    ) -> None:
        self.index = index
        self.world = world
        self.http = http
        self.recorder = recorder
        self.rng = random.Random(seed * 1_000 + index)
        self.sent = 0

    def _locale(self) -> str:
        return "vi" if self.rng.random() < 0.7 else "en"

    def _request_id(self) -> str:
        self.sent += 1
        return f"soak-{self.index:03d}-{self.sent:07d}"

    async def _send(
        self, op: str, request: Request, ok: Collection[int], what: str
    ) -> tuple[httpx.Response, float, str] | None:
        """The response when its status is one of `ok`; else None, the failure recorded.

        `what` describes the request in the examples of errors, after its x-request-id."""
        method, path, kwargs = request
        request_id = self._request_id()
        kwargs.setdefault("headers", {})["x-request-id"] = request_id
        started = time.perf_counter()
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            latency = time.perf_counter() - started
            kind = f"transport {type(error).__name__}"
            example = f"{request_id} {what} -> {error!r} after {latency:.1f} s"
            self.recorder.record(op, latency, kind, example)
            return None
        latency = time.perf_counter() - started
        if response.status_code not in ok:
            status = response.status_code
            kind = "http 5xx" if status >= 500 else f"http {status}"
            self.recorder.record(
                op, latency, kind, f"{request_id} {what} -> {status} {response.text}"
            )
            return None
        return response, latency, request_id

    async def gql(
        self, op: str, variables: dict[str, Any], uid: str | None = None
    ) -> dict[str, Any] | None:
        """Send one of QUERIES; its `data` when the answer is a success, else None."""
        token = self.world.tokens.get(uid) if uid else None
        locale = self._locale()
        request = graphql_request(QUERIES[op], variables, token, locale)
        what = f"{op} {json.dumps(variables, ensure_ascii=False)[:300]}"
        sent = await self._send(op, request, (200,), what)
        if sent is None:
            return None
        response, latency, request_id = sent
        try:
            body = response.json()
        except ValueError:
            self.recorder.record(op, latency, "not JSON", f"{request_id} {what} -> {response.text}")
            return None
        if body.get("errors"):
            code = (body["errors"][0].get("extensions") or {}).get("code", "NO_CODE")
            errors = json.dumps(body["errors"], ensure_ascii=False)
            self.recorder.record(op, latency, f"graphql {code}", f"{request_id} {what} -> {errors}")
            return None
        data: dict[str, Any] = body.get("data") or {}
        for payload in data.values():
            if isinstance(payload, dict) and payload.get("errors"):
                code = payload["errors"][0].get("code", "NO_CODE")
                if (op, code) in EXPECTED:
                    self.recorder.expected[f"{op}: {code}"] += 1
                    self.recorder.record(op, latency, None)
                    return None
                errors = json.dumps(payload["errors"], ensure_ascii=False)
                example = f"{request_id} {what} -> {errors}"
                self.recorder.record(op, latency, f"payload {code}", example)
                return None
        self.recorder.record(op, latency, None)
        if response.headers.get("x-cache") == "MISS":  # the app stored this answer
            self.world.cached[hash((request[2]["content"], locale))] = len(response.content)
        return data

    async def rest(
        self, op: str, request: Request, ok: Collection[int] = (200,)
    ) -> httpx.Response | None:
        method, path, kwargs = request
        what = f"{method} {path} {kwargs.get('params') or ''}".rstrip()
        sent = await self._send(op, request, ok, what)
        if sent is None:
            return None
        self.recorder.record(op, sent[1], None)
        return sent[0]

    def _headers(self, uid: str | None) -> dict[str, str]:
        headers = {"accept-language": self._locale()}
        if uid:
            headers["authorization"] = f"Bearer {self.world.tokens.get(uid)}"
        return headers
