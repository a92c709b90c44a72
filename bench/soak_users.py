"""The soak's virtual users: what each sends, one action after another, without pausing.

Used by bench/soak.py (read its docstring first). Each action is drawn from soak_workload.MIX:
70% public reads, 20% resident actions, 10% moderator actions; an action is one request or a
short flow (a booking is four). The users keep out of each other's way, so that a correct server
answers every request without an error: reports are created by many residents in turn (the app
allows 6 an hour each), and no moderator changes a report that another user is acting on
(CHANGED and REPORT_CLOSED would then be right answers to a race, not faults).
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from harness import HOAN_KIEM, WORDS, Request
from soak_metrics import Recorder
from soak_workload import (
    ANONYMOUS_SHARE,
    MIX,
    OPEN,
    PHOTO_SHARE,
    SEARCHES,
    Caller,
    World,
    disc_point,
    iso,
    map_centre,
)


class VirtualUser(Caller):
    """A tourist, a resident and a moderator in turn, as MIX draws them."""

    def __init__(
        self, index: int, world: World, http: httpx.AsyncClient, recorder: Recorder, seed: int
    ) -> None:
        super().__init__(index, world, http, recorder, seed)
        self.resident = self.rng.choice(world.residents)
        self.nearby: list[dict[str, Any]] = []  # the resident's last reportsNearby nodes
        self.queue: list[dict[str, Any]] = []  # the moderator's last queue page
        self.moderator = world.moderators[index % len(world.moderators)]
        self.mixes = {
            group: (share, list(mix), list(mix.values())) for group, (share, mix) in MIX.items()
        }

    async def run(self, stop_at: float) -> None:
        groups, shares = list(MIX), [share for share, _, _ in self.mixes.values()]
        while time.perf_counter() < stop_at:
            await self.world.pacer.wait()
            if time.perf_counter() >= stop_at:
                break
            group = self.rng.choices(groups, shares)[0]
            _, actions, weights = self.mixes[group]
            action = self.rng.choices(actions, weights)[0]
            self.recorder.actions[group] += 1
            if group == "resident" and self.rng.random() < 0.2:
                self._switch_resident()
            try:
                await getattr(self, action)()
            except (KeyError, TypeError, IndexError, ValueError) as error:
                # An answer without the shape the documents ask for: an error; the user goes on.
                kind = f"{action}: malformed answer ({type(error).__name__})"
                self.recorder.count_error(kind, f"{error!r}")

    def _viewer(self) -> str | None:
        """Most public reads are anonymous (tourists); the rest come from signed-in residents."""
        return None if self.rng.random() < ANONYMOUS_SHARE else self.resident

    def _switch_resident(self) -> None:
        self.resident = self.rng.choice(self.world.residents)
        self.nearby = []

    # -- public reads ----------------------------------------------------------------------------

    async def pois(self) -> None:
        await self.gql(
            "pois", {"filter": {"near": map_centre(self.rng)}, "first": 20}, self._viewer()
        )

    async def search(self) -> None:
        variables: dict[str, Any] = {"query": self.rng.choice(SEARCHES), "first": 10}
        if self.rng.random() < 0.5:
            variables["near"] = map_centre(self.rng)
        await self.gql("search", variables, self._viewer())

    async def poi(self) -> None:
        await self.gql("poi", {"id": self.rng.choice(self.world.pois)}, self._viewer())

    async def journeys(self) -> None:
        journey_filter = {"near": map_centre(self.rng)} if self.rng.random() < 0.6 else {}
        await self.gql("journeys", {"filter": journey_filter, "first": 20}, self._viewer())

    async def journey(self) -> None:
        await self.gql("journey", {"id": self.rng.choice(self.world.journeys)}, self._viewer())

    async def report_categories(self) -> None:
        await self.gql("reportCategories", {}, self._viewer())

    async def alerts(self) -> None:
        await self.gql("alerts", {"near": map_centre(self.rng)}, self._viewer())

    async def offline_pack(self) -> None:
        """The journey's pack; an app that has it revalidates with If-None-Match (304)."""
        journey = self.rng.choice(self.world.journeys)
        locale = self._locale()
        headers = self._headers(None)
        known = self.world.etags.get(f"{journey}:{locale}")
        if known and self.rng.random() < 0.5:
            headers["if-none-match"] = known
        path = f"/offline/journeys/{journey}.json"
        response = await self.rest(
            "offlinePack",
            ("GET", path, {"params": {"locale": locale}, "headers": headers}),
            ok=(200, 304),
        )
        if response is not None and response.headers.get("etag"):
            self.world.etags[f"{journey}:{locale}"] = response.headers["etag"]

    async def open_data(self) -> None:
        """Small open-data requests: one day or week of reports, or the POIs."""
        day = datetime.now(UTC).date() - timedelta(days=self.rng.randint(1, 360))
        choice = self.rng.random()
        if choice < 0.4:
            path, params = "/opendata/reports.csv", {"from": str(day), "to": str(day)}
        elif choice < 0.8:
            path = "/opendata/reports.geojson"
            params = {
                "from": str(day),
                "to": str(day + timedelta(days=6)),
                "area": self.rng.choice(self.world.areas),
                "status": "open",
            }
        else:
            path, params = "/opendata/pois.geojson", {}
        await self.rest(
            "openData", ("GET", path, {"params": params, "headers": self._headers(None)})
        )

    async def media_thumb(self) -> None:
        if not self.world.uploaded:
            await self.pois()
            return
        photo = self.rng.choice(self.world.uploaded)
        await self.rest("mediaThumb", ("GET", f"/media/{photo}/thumb", {"headers": {}}))

    # -- resident actions ------------------------------------------------------------------------

    async def upload(self, uid: str) -> str | None:
        photo = self.rng.choice(self.world.photos)
        files = {"file": ("photo.jpg", photo, "image/jpeg")}
        request: Request = ("POST", "/media", {"files": files, "headers": self._headers(uid)})
        response = await self.rest("mediaUpload", request, ok=(201,))
        if response is None:
            return None
        photo_id = str(response.json()["id"])
        self.world.uploaded.append(photo_id)
        return photo_id

    async def report_create(self) -> None:
        uid = self.world.budget.take()
        if uid is None:
            self.recorder.skipped["reportCreate: every resident at the hourly limit"] += 1
            return
        photo_ids = []
        if self.rng.random() < PHOTO_SHARE:
            for _ in range(self.rng.randint(1, 2)):
                photo_id = await self.upload(uid)
                if photo_id is None:
                    return
                photo_ids.append(photo_id)
        report_input = {
            "categoryId": self.rng.choice(self.world.categories),
            "description": " ".join(self.rng.choices(WORDS, k=self.rng.randint(6, 24))),
            "location": disc_point(self.rng, HOAN_KIEM, 4_000),
            "idempotencyKey": uuid.uuid4().hex,
            "address": f"Số {self.rng.randint(1, 300)} phố Hàng Bông"
            if self.rng.random() < 0.5
            else None,
            "photoIds": photo_ids,
            "anonymous": self.rng.random() < 0.1,
        }
        await self.gql("reportCreate", {"input": report_input}, uid)

    async def reports_nearby(self) -> None:
        variables: dict[str, Any] = {
            "near": map_centre(self.rng),
            "radiusMeters": self.rng.choice([300.0, 500.0, 1_000.0]),
            "first": 20,
        }
        if self.rng.random() < 0.2:
            variables["status"] = "SUBMITTED"
        data = await self.gql("reportsNearby", variables, self.resident)
        if data is not None:
            self.nearby = [edge["node"] for edge in data["reportsNearby"]["edges"]]

    def _engageable(self) -> list[str]:
        """Open reports of others from the resident's map that no moderator is changing."""
        world = self.world
        return [
            node["id"]
            for node in self.nearby
            if node["status"] in OPEN
            and not node["viewerIsReporter"]
            and node["id"] not in world.closed
            and node["id"] not in world.moderating
        ]

    async def _engage(self, op: str) -> None:
        if not self._engageable():
            await self.reports_nearby()
        candidates = self._engageable()
        if not candidates:
            self.recorder.skipped[f"{op}: no open report of others nearby"] += 1
            return
        report_id = self.rng.choice(candidates)
        self.world.engaging[report_id] += 1
        try:
            await self.gql(op, {"input": {"reportId": report_id}}, self.resident)
        finally:
            self.world.engaging[report_id] -= 1
            if not self.world.engaging[report_id]:
                del self.world.engaging[report_id]

    async def report_me_too(self) -> None:
        await self._engage("reportMeToo")

    async def report_follow(self) -> None:
        await self._engage("reportFollow")

    async def my_reports(self) -> None:
        await self.gql("myReports", {"first": 20}, self.resident)

    async def inbox(self) -> None:
        await self.gql("inbox", {"first": 20}, self.resident)

    async def booking(self) -> None:
        """A tour's departures, then hold, confirm and cancel (the seats come back)."""
        uid = self.resident
        now = datetime.now(UTC)
        tour = self.rng.choice(self.world.tours)
        span = {"from": iso(now + timedelta(days=2)), "to": iso(now + timedelta(days=30))}
        data = await self.gql("tour", {"id": tour, **span}, uid)
        if data is None or data["tour"] is None:
            return
        seats = self.rng.randint(1, 2)
        departures = [d for d in data["tour"]["departures"] if d["seatsLeft"] >= seats]
        if not departures:
            self.recorder.skipped["booking: no departure with seats"] += 1
            return
        hold_input = {
            "idempotencyKey": uuid.uuid4().hex,
            "tour": {"departureId": self.rng.choice(departures)["id"], "seats": seats},
        }
        held = await self.gql("bookingHold", {"input": hold_input}, uid)
        if held is None:
            return
        contact = {
            "name": "Nguyễn Thị Lan",
            "phone": "+84 912 345 678",
            "email": f"{uid}@example.com",
        }
        confirm_input = {
            "holdId": held["bookingHold"]["hold"]["id"],
            "idempotencyKey": uuid.uuid4().hex,
            "contact": contact,
            "guests": seats,
        }
        confirmed = await self.gql("bookingConfirm", {"input": confirm_input}, uid)
        if confirmed is None:
            return
        cancel_input = {
            "bookingId": confirmed["bookingConfirm"]["booking"]["id"],
            "reason": "Đổi kế hoạch",
        }
        await self.gql("bookingCancel", {"input": cancel_input}, uid)

    # -- moderator actions -----------------------------------------------------------------------

    async def moderation_queue(self) -> None:
        world, rng = self.world, self.rng
        queue_filter = rng.choice(
            [
                {},
                {},
                {"status": "SUBMITTED"},
                {"status": "IN_PROGRESS"},
                {"areaId": rng.choice(world.areas)},
                {"categoryId": rng.choice(world.categories)},
                {"overdue": True},
                {"text": rng.choice(["duong", "rác", "ngap"])},
            ]
        )
        sort = {
            "field": rng.choice(["CREATED_AT", "SLA_DUE_AT", "ME_TOO_COUNT"]),
            "direction": rng.choice(["ASC", "DESC"]),
        }
        variables = {"filter": queue_filter, "sort": sort, "first": rng.choice([20, 50])}
        data = await self.gql("moderationQueue", variables, self.moderator)
        if data is not None:
            self.queue = [edge["node"] for edge in data["moderationQueue"]["edges"]]

    async def moderation_report(self) -> None:
        if not self.queue:
            await self.moderation_queue()
        if self.queue:
            report_id = self.rng.choice(self.queue)["id"]
            await self.gql("moderationReport", {"id": report_id}, self.moderator)

    async def moderation_work(self) -> None:
        """Take a report nobody else is acting on, read it, and move it one step on."""
        world = self.world
        if not self.queue:
            await self.moderation_queue()
        free = [
            node["id"]
            for node in self.queue
            if node["id"] not in world.moderating
            and node["id"] not in world.engaging
            and node["id"] not in world.closed
        ]
        if not free:
            self.recorder.skipped["moderation: no free report on the queue page"] += 1
            return
        report_id = self.rng.choice(free)
        world.moderating.add(report_id)
        try:
            await self._move_on(report_id)
        finally:
            world.moderating.discard(report_id)

    async def _move_on(self, report_id: str) -> None:
        data = await self.gql("moderationReport", {"id": report_id}, self.moderator)
        report = data["report"] if data else None
        if report is None:
            return
        status = report["status"]
        if status in ("SUBMITTED", "REOPENED"):
            triage = {
                "reportId": report_id,
                "priority": "URGENT" if self.rng.random() < 0.1 else "NORMAL",
                "acknowledge": True,
            }
            await self.gql("reportTriage", {"input": triage}, self.moderator)
        elif status == "ACKNOWLEDGED":
            change = {
                "reportId": report_id,
                "status": "IN_PROGRESS",
                "internalNote": "Đã giao đội hiện trường",
            }
            await self.gql("reportSetStatus", {"input": change}, self.moderator)
        elif status == "IN_PROGRESS":
            photo_id = await self.upload(self.moderator)
            if photo_id is None:
                return
            resolve: dict[str, object] = {
                "reportId": report_id,
                "status": "RESOLVED",
                "publicNote": "Đã xử lý xong, cảm ơn bạn đã báo.",
                "photoIds": [photo_id],
            }
            if await self.gql("reportSetStatus", {"input": resolve}, self.moderator):
                self.world.closed.add(report_id)
        else:
            self.world.closed.add(report_id)
        self.queue = [node for node in self.queue if node["id"] != report_id]

    async def report_stats(self) -> None:
        now = datetime.now(UTC)
        stats_filter: dict[str, Any] = {
            "from": iso(now - timedelta(days=self.rng.choice([7, 30, 90]))),
            "to": iso(now),
        }
        if self.rng.random() < 0.3:
            stats_filter["areaId"] = self.rng.choice(self.world.areas)
        await self.gql("reportStats", {"filter": stats_filter}, self.moderator)
