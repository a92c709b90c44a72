"""Bench-only server: the app (backend.app.create_app) plus plain baseline routes, under uvicorn.

Run by bench/harness.py's AppServer in a subprocess (never by the app). Environment:
  BENCH_PORT       port on 127.0.0.1
  BENCH_SETTINGS   JSON of backend.settings.Settings fields
  BENCH_CERT_URI   loopback URL of the ID-token certificates (firebase_admin._token_gen)
  PYTHONASYNCIODEBUG=1  full asyncio debug mode (else a light monitor with the same 10 ms rule)
  BENCH_LOOP_MONITOR=0  no loop monitor at all: its stack samples fill linecache, which a soak
                        judging memory growth would count as the app's
  BENCH_EXECUTOR=graphql-core  graphql-core's own field loop instead of backend/execution.py's
                        short path for plain leaf fields (bench_snapshot's "before" figure)
  BENCH_RATINGS=own    each request reads its places' ratings on its own, not in reads shared by
                        concurrent requests (backend/tourism/service/ratings.py; "before" too)
  BENCH_PLACE_MEMOS=off  a place's texts and `openNow` built anew for every request (no memo on
                        PoiDoc.texts and OpeningHours.is_open; "before" too)

Plain routes run the same service call as the GraphQL resolver and the same follow-up reads
(categories, areas, membership, names: one query each, like the DataLoaders), then build the same
JSON as the GraphQL response (`{"data": ...}`) by hand and answer it with orjson:
  GET /_plain/pois?lat=&lng=&first=
  GET /_plain/reports-nearby?lat=&lng=&radius=&first=
  GET /_plain/moderation-queue?first=
POST /_bench/loop?reset=1 reports the event loop's slow callbacks (>= 10 ms) and where they ran.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ["NO_GCE_CHECK"] = "true"

import orjson  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from backend.areas import repository as area_repository  # noqa: E402
from backend.auth import repository as user_repository  # noqa: E402
from backend.auth.models import Locale, Viewer  # noqa: E402
from backend.media import repository as media_repository  # noqa: E402
from backend.media.models import photo_url, public_base, thumbnail_url  # noqa: E402
from backend.moderation import service as moderation_service  # noqa: E402
from backend.moderation.models import QueueFilter, QueueSort, SortDirection  # noqa: E402
from backend.reports import repository as report_repository  # noqa: E402
from backend.reports import service as report_service  # noqa: E402
from backend.reports.models import OPEN_STATES, CategoryDoc, ReportDoc  # noqa: E402
from backend.tourism import service as tourism_service  # noqa: E402
from backend.tourism.models import PoiDoc, localise  # noqa: E402
from backend.tourism.service import LatLng, PoiCriteria  # noqa: E402

THRESHOLD = 0.010  # seconds: the "nothing blocks the event loop for more than 10 ms"

# -- plain JSON builders (also used by bench_fields.py as the per-field baseline) ---------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def poi_json(doc: PoiDoc, locale: Locale, now: datetime) -> dict[str, Any]:
    """What bench_pois.py's GraphQL selection returns for one POI."""
    rating = doc.rating
    known = not doc.hours.is_empty
    return {
        "id": doc.id,
        "name": localise(doc.name, locale),
        "category": doc.category,
        "summary": localise(doc.summary, locale),
        "description": localise(doc.description, locale),
        "address": localise(doc.address, locale),
        "district": doc.district,
        "location": {"lat": doc.lat, "lng": doc.lng},
        "openNow": doc.hours.is_open(now) if known else None,
        "visitMinutes": doc.visit_minutes,
        "rating": {"average": rating.average, "count": rating.count},
        "thumbnailUrl": doc.thumbnail_url,
        "photoCredits": doc.photo_credits,
    }


def pois_json(page: tourism_service.Page[PoiDoc], locale: Locale) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "data": {
            "pois": {
                "edges": [
                    {
                        "cursor": cursor,
                        "distanceMeters": round(distance, 1) if distance is not None else None,
                        "node": poi_json(doc, locale, now),
                    }
                    for doc, cursor, distance in zip(
                        page.items, page.cursors, page.distances, strict=True
                    )
                ],
                "pageInfo": {"hasNextPage": page.has_next_page, "endCursor": page.end_cursor},
            }
        }
    }


def _photos(ids: Sequence[object], lookups: dict[str, Any]) -> list[dict[str, Any]]:
    base, sizes = lookups["base"], lookups["sizes"]
    photos = []
    for p in ids:
        size = sizes.get(p)
        photos.append(
            {
                "id": str(p),
                "url": photo_url(str(p), base=base),
                "thumbnailUrl": thumbnail_url(str(p), base=base),
                "width": size.width if size else None,
                "height": size.height if size else None,
            }
        )
    return photos


async def _lookups(
    request: Request,
    db: Any,
    viewer: Viewer,
    docs: Sequence[ReportDoc],
    *,
    names_for: Sequence[str],
) -> dict[str, Any]:
    """The reads the report DataLoaders make: one query per kind, only when needed."""
    photo_ids = [p for d in docs for p in d.photo_ids]
    sizes = await media_repository.photo_sizes(db, photo_ids) if photo_ids else {}
    base = public_base(request.app.state.thanglong.settings.public_base_url, request)
    categories = {c.id: c for c in await report_repository.list_categories(db)} if docs else {}
    areas = (
        {a.id: a for a in await area_repository.get_many(db, sorted({d.area for d in docs}))}
        if docs
        else {}
    )
    names = await user_repository.display_names(db, sorted(set(names_for))) if names_for else {}
    return {"categories": categories, "areas": areas, "names": names, "sizes": sizes, "base": base}


def _area(areas: dict[str, Any], area_id: str, locale: Locale) -> dict[str, str] | None:
    found = areas.get(area_id)
    return None if found is None else {"id": found.id, "name": found.localized_name(locale)}


def nearby_node(
    doc: ReportDoc,
    viewer: Viewer,
    category: CategoryDoc | None,
    lookups: dict[str, Any],
    following: set[object],
    me_too: set[object],
) -> dict[str, Any]:
    """graphql/operations/reports/ReportsNearby.graphql's node, built by hand."""
    exact = report_service.may_see_exact_location(viewer, doc, category)
    sees_reporter = report_service.may_see_reporter(viewer, doc)
    rating = doc.rating
    return {
        "id": str(doc.id),
        "status": doc.status.value,
        "description": doc.description,
        "location": {"lat": doc.lat, "lng": doc.lng}
        if exact
        else {"lat": report_service.coarse(doc.lat), "lng": report_service.coarse(doc.lng)},
        "locationIsApproximate": not exact,
        "address": doc.address if exact else None,
        "area": _area(lookups["areas"], doc.area, viewer.locale),
        "photos": _photos(doc.photo_ids, lookups),
        "category": None
        if category is None
        else {
            "id": category.id,
            "name": category.localized_name(viewer.locale),
            "private": category.private,
        },
        "createdAt": _iso(doc.created_at),
        "updatedAt": _iso(doc.updated_at),
        "slaDueAt": _iso(doc.sla_due_at) if doc.status in OPEN_STATES else None,
        "meTooCount": doc.me_too_count,
        "followerCount": doc.follower_count,
        "viewerIsFollowing": doc.id in following,
        "viewerHasMeToo": doc.id in me_too,
        "viewerIsReporter": report_service.is_reporter(viewer, doc),
        "reporter": {"id": doc.reporter, "displayName": lookups["names"].get(doc.reporter)}
        if sees_reporter
        else None,
        "rating": {"stars": rating.stars, "comment": rating.comment, "createdAt": _iso(rating.at)}
        if rating is not None and sees_reporter
        else None,
    }


def queue_node(
    doc: ReportDoc, viewer: Viewer, lookups: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """graphql/operations/console/ConsoleQueue.graphql's node, built by hand."""
    category = lookups["categories"].get(doc.category)
    until = doc.locked_until
    locked = viewer.is_staff and until is not None and until > now
    return {
        "id": str(doc.id),
        "status": doc.status.value,
        "priority": doc.priority,
        "description": doc.description,
        "createdAt": _iso(doc.created_at),
        "slaDueAt": _iso(doc.sla_due_at) if doc.status in OPEN_STATES else None,
        "ackDueAt": _iso(doc.ack_due_at),
        "resolveDueAt": _iso(doc.resolve_due_at),
        "meTooCount": doc.me_too_count,
        "hidden": doc.hidden,
        "lockedUntil": _iso(until) if locked else None,
        "lockedBy": {"id": doc.locked_by, "displayName": lookups["names"].get(doc.locked_by)}
        if locked and doc.locked_by is not None
        else None,
        "category": None
        if category is None
        else {"id": category.id, "name": category.localized_name(viewer.locale)},
        "area": _area(lookups["areas"], doc.area, viewer.locale),
    }


def _orjson(body: object) -> Response:
    return Response(orjson.dumps(body), media_type="application/json")


async def plain_pois(request: Request) -> Response:
    db = request.app.state.thanglong.db
    viewer: Viewer = request.state.viewer
    params = request.query_params
    criteria = PoiCriteria(near=LatLng(float(params["lat"]), float(params["lng"])))
    page = await tourism_service.list_pois(
        db=db, criteria=criteria, first=int(params.get("first", 50)), after=None
    )
    return _orjson(pois_json(page, viewer.locale))


async def plain_reports_nearby(request: Request) -> Response:
    db = request.app.state.thanglong.db
    viewer: Viewer = request.state.viewer
    params = request.query_params
    page = await report_service.nearby(
        db=db,
        lat=float(params["lat"]),
        lng=float(params["lng"]),
        radius_m=float(params.get("radius", 1000)),
        status=None,
        category_id=None,
        first=int(params.get("first", 50)),
        after=None,
    )
    docs = page.items
    ids = [d.id for d in docs]
    lookups = await _lookups(
        request, db, viewer, docs,
        names_for=[d.reporter for d in docs if report_service.may_see_reporter(viewer, d)],
    )  # fmt: skip
    following: set[object] = set()
    me_too: set[object] = set()
    if viewer.uid and docs:
        following = set(
            await report_repository.member_reports(db, report_repository.FOLLOWERS, ids, viewer.uid)
        )
        me_too = set(
            await report_repository.member_reports(db, report_repository.ME_TOO, ids, viewer.uid)
        )
    edges = []
    for doc, cursor, distance in zip(docs, page.cursors, page.distances or [], strict=True):
        category = lookups["categories"].get(doc.category)
        if not report_service.may_see_exact_location(viewer, doc, category):
            distance = round(distance / 100.0) * 100.0
        edges.append(
            {
                "cursor": cursor,
                "distanceMeters": distance,
                "node": nearby_node(doc, viewer, category, lookups, following, me_too),
            }
        )
    return _orjson(
        {
            "data": {
                "reportsNearby": {
                    "edges": edges,
                    "pageInfo": {
                        "hasNextPage": page.has_next_page,
                        "endCursor": page.cursors[-1] if page.cursors else None,
                    },
                }
            }
        }
    )


async def plain_moderation_queue(request: Request) -> Response:
    db = request.app.state.thanglong.db
    viewer: Viewer = request.state.viewer
    if not viewer.is_staff:
        return _orjson({"errors": [{"message": "staff only"}]})
    now = datetime.now(UTC)
    page = await moderation_service.queue(
        db=db,
        viewer=viewer,
        criteria=QueueFilter(),
        sort=QueueSort.CREATED_AT,
        direction=SortDirection.ASC,
        first=int(request.query_params.get("first", 50)),
        after=None,
        now=now,
    )
    docs = page.items
    locked = [
        d.locked_by for d in docs
        if d.locked_by is not None and d.locked_until is not None and d.locked_until > now
    ]  # fmt: skip
    lookups = await _lookups(request, db, viewer, docs, names_for=locked)
    return _orjson(
        {
            "data": {
                "moderationQueue": {
                    "edges": [
                        {"cursor": cursor, "node": queue_node(doc, viewer, lookups, now)}
                        for doc, cursor in zip(docs, page.cursors, strict=True)
                    ],
                    "pageInfo": {"hasNextPage": page.has_next_page, "endCursor": page.end_cursor},
                }
            }
        }
    )


# -- event loop monitor --------------------------------------------------------------------------


class LoopMonitor:
    """Times every callback the loop runs (as asyncio's debug mode does) and, from a watchdog
    thread, samples the loop thread's stack while a callback has run past half the threshold,
    so each slow callback is attributed to the code that was running, not just to its task."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self.mode = "light"
        self.reset()
        self._started = 0.0
        self._sample: str | None = None
        self._handle: Any = None
        self._thread_id = threading.get_ident()
        self._asyncio_warnings = 0

    def reset(self) -> None:
        self.callbacks = 0
        # (wall seconds, CPU seconds of the loop thread, where) of each callback over the threshold
        self.slow: list[tuple[float, float, str]] = []
        self._asyncio_warnings = 0

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.slow_callback_duration = self.threshold
        self._thread_id = threading.get_ident()
        if loop.get_debug():
            self.mode = "asyncio debug (PYTHONASYNCIODEBUG=1)"
            monitor = self

            class Counter(logging.Handler):
                def emit(self, record: logging.LogRecord) -> None:
                    if record.msg.startswith("Executing"):
                        monitor._asyncio_warnings += 1

            logging.getLogger("asyncio").addHandler(Counter(logging.WARNING))
        original = asyncio.events.Handle._run
        monitor = self

        def timed_run(handle: asyncio.Handle) -> None:
            monitor._handle = handle
            monitor._sample = None
            cpu = time.thread_time()
            monitor._started = time.perf_counter()
            try:
                original(handle)
            finally:
                took = time.perf_counter() - monitor._started
                monitor._started = 0.0
                monitor.callbacks += 1
                if took >= monitor.threshold:
                    where = monitor._sample or monitor._describe(handle)
                    monitor.slow.append((took, time.thread_time() - cpu, where))

        asyncio.events.Handle._run = timed_run  # type: ignore[method-assign]
        threading.Thread(target=self._watch, name="loop-watchdog", daemon=True).start()

    @staticmethod
    def _describe(handle: Any) -> str:
        text = repr(handle)
        found = re.search(r"coro=<([^ >(]+)", text)
        return f"(no sample) {found.group(1) if found else text[:120]}"

    def _watch(self) -> None:
        while True:
            time.sleep(0.002)
            started = self._started
            if (
                started
                and self._sample is None
                and time.perf_counter() - started > self.threshold / 2
            ):
                frame = sys._current_frames().get(self._thread_id)
                if frame is not None and self._started == started:
                    self._sample = self._where(traceback.extract_stack(frame))

    @staticmethod
    def _where(stack: traceback.StackSummary) -> str:
        """The innermost project frame, and the innermost frame below it."""
        root = str(ROOT)
        own = [f for f in stack if f.filename.startswith(root) and "/.venv/" not in f.filename]
        inner = stack[-1]
        parts = []
        if own:
            f = own[-1]
            parts.append(f"{Path(f.filename).relative_to(root)}:{f.lineno} {f.name}")
        if not own or inner is not own[-1]:
            parts.append(f"-> {Path(inner.filename).name}:{inner.lineno} {inner.name}")
        return " ".join(parts)

    def report(self) -> dict[str, Any]:
        groups: dict[str, list[tuple[float, float]]] = {}
        for took, cpu, where in self.slow:
            groups.setdefault(where, []).append((took, cpu))
        offenders = sorted(
            (
                {"where": where, "count": len(times), "max_ms": max(t for t, _ in times) * 1000,
                 "max_cpu_ms": max(c for _, c in times) * 1000}
                for where, times in groups.items()
            ),
            key=lambda o: (-o["max_cpu_ms"], -o["max_ms"]),
        )  # fmt: skip
        return {
            "mode": self.mode,
            "threshold_ms": self.threshold * 1000,
            "callbacks": self.callbacks,
            "slow": len(self.slow),
            # Callbacks that themselves used >= 10 ms of CPU (the rest waited for a CPU: this
            # machine is shared, so wall time includes being descheduled).
            "slow_cpu": sum(1 for _, cpu, _ in self.slow if cpu >= self.threshold),
            "asyncio_warnings": self._asyncio_warnings,
            "max_ms": max((t for t, _, _ in self.slow), default=0.0) * 1000,
            "max_cpu_ms": max((c for _, c, _ in self.slow), default=0.0) * 1000,
            "offenders": offenders,
        }


MONITOR = LoopMonitor()


async def loop_report(request: Request) -> Response:
    body = MONITOR.report()
    # Live blocks of Python's allocator: grows with live objects, unlike RSS, which keeps
    # freed arenas and moves with when the cyclic GC last ran.
    body["py_blocks"] = sys.getallocatedblocks()
    if request.query_params.get("reset", "1") == "1":
        MONITOR.reset()
    return _orjson(body)


async def plain_report_create(request: Request) -> Response:
    """reportCreate's service call (the same writes: report, idempotency key, outbox message,
    rate-limit counters, in one transaction), answered with the new id and status."""
    db = request.app.state.thanglong.db
    viewer: Viewer = request.state.viewer
    body = orjson.loads(await request.body())
    draft = report_service.ReportDraft(
        category_id=body["categoryId"],
        description=body["description"],
        lat=body["location"]["lat"],
        lng=body["location"]["lng"],
        address=body.get("address"),
        photo_ids=list(body.get("photoIds") or []),
        anonymous=bool(body.get("anonymous")),
        idempotency_key=body["idempotencyKey"],
    )
    created = await report_service.create_report(
        db=db, viewer=viewer, draft=draft, now=datetime.now(UTC)
    )
    return _orjson(
        {
            "data": {
                "reportCreate": {
                    "report": {"id": str(created.report.id), "status": created.report.status},
                    "duplicates": [{"id": str(d.id)} for d in created.duplicates],
                    "errors": [],
                }
            }
        }
    )


_SNAPSHOT: Any = None


async def memory_diff(request: Request) -> Response:
    """Bench only, with BENCH_TRACEMALLOC=1: allocation sites that grew since the previous call
    (the first call takes the baseline), after a full collection."""
    import gc
    import tracemalloc

    global _SNAPSHOT
    if not tracemalloc.is_tracing():
        return _orjson({"error": "start the server with BENCH_TRACEMALLOC=1"})
    gc.collect()
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    previous, _SNAPSHOT = _SNAPSHOT, snapshot
    if previous is None:
        return _orjson({"baseline": True})
    top = snapshot.compare_to(previous, "traceback")[:12]
    return _orjson(
        [
            {"size_diff": s.size_diff, "count_diff": s.count_diff,
             "where": s.traceback.format(limit=10)}
            for s in top
        ]
    )  # fmt: skip


PLAIN_ROUTES = [
    Route("/_plain/report-create", plain_report_create, methods=["POST"]),
    Route("/_plain/pois", plain_pois, methods=["GET"]),
    Route("/_plain/reports-nearby", plain_reports_nearby, methods=["GET"]),
    Route("/_plain/moderation-queue", plain_moderation_queue, methods=["GET"]),
    Route("/_bench/loop", loop_report, methods=["POST"]),
    Route("/_bench/memory", memory_diff, methods=["POST"]),
]


def build_app() -> Any:
    from backend.app import create_app
    from backend.settings import Environment, Settings

    raw = json.loads(os.environ["BENCH_SETTINGS"])
    raw["env"] = Environment(raw.get("env", "test"))
    raw["data_dir"] = Path(raw["data_dir"])
    raw.setdefault("tune_gc", True)  # as a web process runs (load_settings' default)
    if os.environ.get("BENCH_EXECUTOR") == "graphql-core":
        from graphql.execution.executor import Executor

        from backend.execution import FastLeafExecutionContext

        FastLeafExecutionContext.execute_fields = Executor.execute_fields  # type: ignore[method-assign]
    if os.environ.get("BENCH_RATINGS") == "own":
        from backend.tourism import repository as tourism_repository
        from backend.tourism.service.ratings import SharedRatingReads

        async def own_read(self: SharedRatingReads, ids: Sequence[str]) -> dict[str, Any]:
            return await tourism_repository.ratings(self.db, ids)

        SharedRatingReads.get = own_read  # type: ignore[method-assign,assignment]
    if os.environ.get("BENCH_PLACE_MEMOS") == "off":
        from backend.tourism import hours as tourism_hours
        from backend.tourism import models as tourism_models

        def texts(self: tourism_models.PoiDoc, locale: Locale) -> tourism_models.PoiTexts:
            self.__dict__.pop("_texts", None)
            return memo_texts(self, locale)

        def is_open(self: tourism_hours.OpeningHours, at: datetime) -> bool:
            return self._open_at(tourism_hours._local(at))

        memo_texts = tourism_models.PoiDoc.texts
        tourism_models.PoiDoc.texts = texts  # type: ignore[method-assign]
        tourism_hours.OpeningHours.is_open = is_open  # type: ignore[method-assign]
    app = create_app(Settings(**raw))
    app.router.routes.extend(PLAIN_ROUTES)
    return app


async def serve() -> None:
    import firebase_admin._token_gen as token_gen
    import uvicorn

    if os.environ.get("BENCH_CERT_URI"):
        token_gen.ID_TOKEN_CERT_URI = os.environ["BENCH_CERT_URI"]
    app = build_app()
    if os.environ.get("BENCH_TRACEMALLOC") == "1":
        import tracemalloc

        tracemalloc.start(12)
    if os.environ.get("BENCH_LOOP_MONITOR") != "0":
        MONITOR.install(asyncio.get_running_loop())
    else:
        MONITOR.mode = "off"
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=int(os.environ["BENCH_PORT"]),
        log_level="warning",
        access_log=False,
        backlog=1024,
    )
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve())
