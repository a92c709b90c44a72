"""Who may call what: every root query and mutation, called as each kind of viewer.

TABLE is the contract, written from what the city's app should allow: residents see their own
private data only, staff act on their department's reports, moderators on every report, admins on
the admin fields. The test fails when the schema gains a root field the table does not list (so
nobody adds an unprotected field silently), and names the field and the viewer of every answer
that differs from the table.

One world per test: resident A's reports in categories of the ward committee (ubnd-phuong), one
of them private (noise) and one hidden by a moderator; A's booking, journey, preferences, inbox
item and review. Mutations that change their target get a fresh one per call, so each call is
checked against the state it expects.
"""

from __future__ import annotations

import importlib
import inspect
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId

from backend.air import repository as air_repository
from backend.air.models import StationInfo
from backend.schema import schema
from backend.settings import Settings
from tests.bookings.conftest import CONTACT
from tests.conftest import with_settings
from tests.moderation.conftest import report_doc
from tests.reports.conftest import LAKE, report_input
from tests.security.matrix import ACTOR_NAMES, DENIED, NONE, OK, UNAUTH

# --- the contract (OK, NONE, UNAUTH, DENIED and the viewers: tests/security/matrix.py) ----------

REDACTED = "REDACTED"  # shown without the reporter, the address and the exact place


def refused(code: str) -> str:
    """A payload error (`errors { code }` in the mutation's payload), and no object."""
    return f"errors: {code}"


P_DENIED, P_NONE, P_OWN = refused("FORBIDDEN"), refused("NOT_FOUND"), refused("OWN_REPORT")

# "owner" is resident A, who owns the object in question; "staff" work in its department
# (ubnd-phuong), "other staff" in another one (urenco). Role-only fields answer an anonymous
# viewer FORBIDDEN, like a resident (the permission classes check the role first).
# fmt: off
TABLE: dict[str, tuple[str, str, str, str, str, str, str]] = {
    #                          anonymous owner    other    staff    staff2   moderator admin
    # queries
    "viewer":                 (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "health":                 (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "reportCategories":       (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    # A hidden report: only those who handle it (and its reporter) see it at all.
    "report":                 (NONE,    OK,      NONE,    OK,      NONE,    OK,      OK),
    "myReports":              (UNAUTH,  OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    # Staff of another unit see a private report as the public does.
    "reportsNearby":          (REDACTED, OK,     REDACTED, OK,     REDACTED, OK,     OK),
    "pois":                   (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "poi":                    (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "journeys":               (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "journey":                (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "search":                 (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "poiClusters":            (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "areas":                  (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "area":                   (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "airQuality":             (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "airStations":            (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "airStation":             (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    # A station without readings has no hours, whoever asks.
    "airStationHistory":      (NONE,    NONE,    NONE,    NONE,    NONE,    NONE,    NONE),
    "airAlerts":              (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  NONE,    NONE),
    "myJourneys":             (UNAUTH,  OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    "notificationPreferences": (UNAUTH, OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    "notifications":          (UNAUTH,  OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    "unreadNotificationCount": (UNAUTH, OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    "alerts":                 (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "outboxDead":             (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK),
    "tours":                  (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "tour":                   (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "hotels":                 (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "hotel":                  (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    "myBookings":             (UNAUTH,  OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    # Bookings belong to the Department of Tourism: the report departments' staff have no
    # power over them (tourism staff: tests/bookings/test_bookings.py).
    "booking":                (NONE,    OK,      NONE,    NONE,    NONE,    NONE,    OK),
    "moderationQueue":        (DENIED,  DENIED,  DENIED,  OK,      NONE,    OK,      OK),
    "auditLog":               (DENIED,  DENIED,  DENIED,  OK,      DENIED,  OK,      OK),
    "reportStats":            (DENIED,  DENIED,  DENIED,  OK,      DENIED,  OK,      OK),
    "legalDocuments":         (OK,      OK,      OK,      OK,      OK,      OK,      OK),
    # mutations
    "viewerUpdate":           (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "consentSet":             (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "reportCreate":           (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "reportMeToo":            (UNAUTH,  P_OWN,   OK,      OK,      OK,      OK,      OK),
    # The hidden report: staff of another unit cannot see it, so cannot follow it.
    "reportFollow":           (UNAUTH,  OK,      P_NONE,  OK,      P_NONE,  OK,      OK),
    "reportUnfollow":         (UNAUTH,  OK,      P_NONE,  OK,      P_NONE,  OK,      OK),
    "reportReopen":           (UNAUTH,  OK,      P_DENIED, P_DENIED, P_DENIED, P_DENIED, P_DENIED),
    "reportRate":             (UNAUTH,  OK,      P_DENIED, P_DENIED, P_DENIED, P_DENIED, P_DENIED),
    "journeyStart":           (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "journeyCheckIn":         (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "reviewCreate":           (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "reviewHide":             (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      OK),
    "deviceRegister":         (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "deviceUnregister":       (UNAUTH,  OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    "notificationPreferencesUpdate": (UNAUTH, OK, OK,     OK,      OK,      OK,      OK),
    "notificationsMarkRead":  (UNAUTH,  OK,      NONE,    NONE,    NONE,    NONE,    NONE),
    "alertSend":              (DENIED,  DENIED,  DENIED,  OK,      OK,      OK,      OK),
    "outboxRetry":            (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK),
    "bookingHold":            (UNAUTH,  OK,      OK,      OK,      OK,      OK,      OK),
    "bookingConfirm":         (UNAUTH,  OK,      P_NONE,  P_NONE,  P_NONE,  P_NONE,  P_NONE),
    "bookingCancel":          (UNAUTH,  OK,      P_NONE,  P_NONE,  P_NONE,  P_NONE,  OK),
    "tourDepartureCreate":    (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK),
    "roomInventorySet":       (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK),
    "reportTriage":           (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportSetStatus":        (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportsBulkSetStatus":   (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportMerge":            (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportEdit":             (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportHide":             (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportUnhide":           (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportLock":             (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "reportAssign":           (DENIED,  DENIED,  DENIED,  OK,      P_DENIED, OK,     OK),
    "userBan":                (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      OK),
    # Moderators only; no automatic alert exists in this world, so theirs is NOT_FOUND.
    "airAlertEdit":           (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  P_NONE,  P_NONE),
    "airAlertCancel":         (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  P_NONE,  P_NONE),
    "userUnban":              (DENIED,  DENIED,  DENIED,  DENIED,  DENIED,  OK,      OK),
}
# fmt: on

# --- the viewers and the world ------------------------------------------------------------------

WARD = "ubnd-phuong"  # handles graffiti (a public category) and noise (a private one)
PRIVATE_SPOT = {"lat": 21.0335, "lng": 105.8480}
HIDDEN_SPOT = {"lat": 21.0250, "lng": 105.8410}
POI, JOURNEY = "ho-hoan-kiem", "thang-long-nghin-nam"
TOUR, HOTEL = "old-quarter-walking", "ho-guom-heritage"
ROOM_TYPE = f"{HOTEL}:superior-double"
PREFERENCES = {"areaIds": ["00070"], "quietHours": {"start": "22:00", "end": "06:30"}}
AIR_STATION, NO_ALERT = "hoan-kiem", "0123456789abcdef01234567"
OWNER_NAME = "Chị Lan"


@dataclass(frozen=True)
class Actor:
    name: str
    uid: str | None = None
    claims: dict[str, str] = field(default_factory=dict)


OWNER = Actor("owner", "resident-a")
ACTORS = (
    Actor("anonymous"),
    OWNER,
    Actor("other resident", "resident-b"),
    Actor("staff", "staff-ward", {"role": "staff", "department": WARD}),
    Actor("other staff", "staff-waste", {"role": "staff", "department": "urenco"}),
    Actor("moderator", "mod-1", {"role": "moderator"}),
    Actor("admin", "admin-1", {"role": "admin"}),
)
MODERATOR, ADMIN = ACTORS[5], ACTORS[6]
assert tuple(actor.name for actor in ACTORS) == ACTOR_NAMES


def key() -> str:
    return uuid.uuid4().hex


def confirmation(hold_id: str) -> dict[str, Any]:
    return {"holdId": hold_id, "idempotencyKey": key(), "contact": CONTACT, "guests": 1}


def alert_input() -> dict[str, Any]:
    alert = {
        "all": True,
        "severity": "WARNING",
        "title": {"vi": "Ngập úng", "en": "Flooding"},
        "body": {"vi": "Tránh phố Hàng Bài", "en": "Avoid Hàng Bài street"},
        "expiresAt": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }
    return {"input": alert}


@dataclass
class World:
    """The app, its database, and the objects of resident A's that the probes ask about."""

    http: httpx.AsyncClient
    db: Any
    make_token: Callable[..., str]
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    stop_at: dict[str, float] = field(default_factory=dict)
    # Reports written for the call under way: a refused call must leave them as they were.
    made: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0

    async def call(
        self, document: str, variables: dict[str, Any], who: Actor = OWNER
    ) -> dict[str, Any]:
        headers = {}
        if who.uid is not None:
            if who.uid not in self.tokens:
                self.tokens[who.uid] = self.make_token(uid=who.uid, claims=who.claims)
            headers["Authorization"] = f"Bearer {self.tokens[who.uid]}"
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def must(self, name: str, variables: dict[str, Any], who: Actor = OWNER) -> Any:
        """A setup step through a mutation's probe that must succeed: its payload."""
        body = await self.call(MUTATIONS[name].document, variables, who)
        assert "errors" not in body, body
        assert body["data"][name]["errors"] == [], body
        return body["data"][name]

    def unique(self) -> int:
        self.count += 1
        return self.count

    async def report(self, **changes: Any) -> str:
        """A new graffiti report of A's in the ward's queue, written directly."""
        doc = report_doc(reporter=OWNER.uid, category="graffiti", department=WARD, **changes)
        await self.db.reports.insert_one(doc)
        await self.db.report_followers.insert_one(
            {"report": doc["_id"], "uid": OWNER.uid, "at": doc["created_at"]}
        )
        self.made.append(doc)
        return str(doc["_id"])

    async def changed(self) -> list[str]:
        """The reports made for this call that are no longer as written (dates aside: the
        database keeps milliseconds)."""

        def plain(doc: dict[str, Any] | None) -> dict[str, Any]:
            return {k: v for k, v in (doc or {}).items() if not isinstance(v, datetime)}

        return [
            str(doc["_id"])
            for doc in self.made
            if plain(await self.db.reports.find_one({"_id": doc["_id"]})) != plain(doc)
        ]

    async def hold(self) -> str:
        payload = await self.must("bookingHold", tour_hold(self, OWNER))
        return str(payload["hold"]["id"])

    async def booking(self) -> str:
        payload = await self.must("bookingConfirm", {"input": confirmation(await self.hold())})
        return str(payload["booking"]["id"])

    async def device(self) -> str:
        token = f"fid-resident-a-{key()}"
        await self.db.devices.insert_one(
            {"_id": token, "uid": OWNER.uid, "platform": "ANDROID", "updated_at": datetime.now(UTC)}
        )
        return token

    async def inbox_item(self) -> str:
        """An unread inbox item of A's, as the push worker writes them."""
        item = {
            "_id": ObjectId(),
            "uid": OWNER.uid,
            "outbox_id": ObjectId(),
            "kind": "report.status_changed",
            "title": {"vi": "Cập nhật", "en": "Update"},
            "body": {"vi": "Phản ánh của bạn đã được tiếp nhận", "en": "Your report was seen"},
            "read": False,
            "created_at": datetime.now(UTC),
        }
        await self.db.notifications.insert_one(item)
        return str(item["_id"])

    async def dead_push(self) -> str:
        """A push to A that failed every attempt."""
        push = {
            "_id": ObjectId(),
            "kind": "report.created",
            "state": "dead",
            "attempts": 8,
            "last_error": "InternalError",
            "recipients": {"uids": [OWNER.uid]},
            "data": {},
            "created_at": datetime.now(UTC),
        }
        await self.db.outbox.insert_one(push)
        return str(push["_id"])


JOURNEY_STOP = "query($id: ID!) { journey(id: $id) { stops { id poi { location { lat lng } } } } }"


async def build_world(world: World) -> World:
    """Resident A's reports, booking, journey, preferences, review and inbox item; an alert."""
    created = [
        await world.must("reportCreate", {"input": report_input(**changes)})
        for changes in (
            {"categoryId": "graffiti", "location": dict(LAKE)},
            {"categoryId": "noise", "location": PRIVATE_SPOT, "address": "12 Hàng Bạc"},
            {"categoryId": "noise", "location": HIDDEN_SPOT, "address": "3 Tràng Thi"},
        )
    ]
    world.ids.update(
        zip(("public", "private", "hidden"), (p["report"]["id"] for p in created), strict=True)
    )
    hide = {"reportId": world.ids["hidden"], "reason": "Số điện thoại cá nhân"}
    await world.must("reportHide", {"input": hide}, MODERATOR)  # its audit entry too
    starts = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0)
    departure = {"tourId": TOUR, "startsAt": starts.isoformat(), "capacity": 60}
    payload = await world.must("tourDepartureCreate", {"input": departure}, ADMIN)
    world.ids["departure"] = payload["departure"]["id"]
    world.ids["booking"] = await world.booking()
    await world.must("journeyStart", {"input": {"journeyId": JOURNEY}})
    await world.must("notificationPreferencesUpdate", {"input": PREFERENCES})
    await world.must("viewerUpdate", {"input": {"displayName": OWNER_NAME}})
    await world.must("consentSet", {"input": {"kind": "PUSH", "granted": True}})
    review = {"poiId": POI, "rating": 4, "text": "Đẹp nhất lúc sáng sớm"}
    world.ids["review"] = (await world.must("reviewCreate", {"input": review}))["review"]["id"]
    await world.must("alertSend", alert_input(), MODERATOR)
    world.ids["inbox"] = await world.inbox_item()
    station = StationInfo(
        id=AIR_STATION, name={"vi": "Hoàn Kiếm", "en": "Hoàn Kiếm"}, source="test", **LAKE
    )
    await air_repository.upsert_stations(world.db, [station], now=datetime.now(UTC))
    world.ids["dead"] = await world.dead_push()
    journey = (await world.call(JOURNEY_STOP, {"id": JOURNEY}))["data"]["journey"]
    world.ids["stop"] = journey["stops"][0]["id"]
    world.stop_at = journey["stops"][0]["poi"]["location"]
    return world


# --- probes: one call per root field, and how its answer reads --------------------------------

Judge = Callable[[Any, World, Actor], str]  # (the field's value, world, viewer) -> an outcome
Variables = Callable[[World, Actor], Any]  # a dict, or an awaitable one (a fresh target)


@dataclass(frozen=True)
class Probe:
    document: str
    judge: Judge
    variables: Variables = lambda w, a: {}


def nodes(value: Any) -> list[dict[str, Any]]:
    return [edge["node"] for edge in value["edges"]]


def present(value: Any, w: World, a: Actor) -> str:
    """ALLOWED when there is something: an object, a non-empty list or connection."""
    found = nodes(value) if isinstance(value, dict) and "edges" in value else value
    return OK if found else NONE


def listed(name: str) -> Judge:
    """ALLOWED when the world's object `name` is in the connection."""
    return lambda value, w, a: OK if w.ids[name] in [n["id"] for n in nodes(value)] else NONE


def private_view(node: dict[str, Any] | None) -> str:
    """How much of A's private report the viewer got."""
    if node is None:
        return NONE
    exact = not node["locationIsApproximate"] and node["address"] is not None
    if node["reporter"] is not None and exact:
        return OK
    if node["reporter"] is None and not exact:
        return REDACTED
    return f"PARTLY REDACTED {node}"


def payload(key: str, seen: Callable[[Any], bool] = bool) -> Judge:
    """A mutation's payload: its error codes, else whether `key` shows the change made."""

    def judge(value: Any, w: World, a: Actor) -> str:
        codes = [error["code"] for error in value["errors"]]
        if codes:
            leaked = value.get(key) not in (None, False, 0)
            return refused(",".join(codes)) + (" WITH DATA" if leaked else "")
        return OK if seen(value[key]) else NONE

    return judge


def bulk_line(value: Any, w: World, a: Actor) -> str:
    """reportsBulkSetStatus answers per report: its one line."""
    if value["errors"] or len(value["results"]) != 1:
        return f"unexpected {value}"
    (line,) = value["results"]
    if line["errors"]:
        return refused(",".join(e["code"] for e in line["errors"]))
    return OK if line["ok"] and line["report"]["status"] == "ACKNOWLEDGED" else NONE


def on(name: str, **extra: Any) -> Variables:
    """`{"input": {"reportId": <the world's report name>, ...}}`."""
    return lambda w, a: {"input": {"reportId": w.ids[name], **extra}}


def fresh(kind: str = "open", **extra: Any) -> Variables:
    """`{"input": {"reportId": <a new report of A's>, ...}}`, for calls that change it."""
    changes = {
        "open": {},
        "hidden": {"hidden": True},
        "resolved": {"status": "RESOLVED", "resolved_at": datetime.now(UTC) - timedelta(days=1)},
    }[kind]

    async def variables(w: World, a: Actor) -> dict[str, Any]:
        return {"input": {"reportId": await w.report(**changes), **extra}}

    return variables


def given(make: Callable[[World], Any], shape: Callable[[Any], dict[str, Any]]) -> Variables:
    """`{"input": shape(<a new object of A's from make>)}`."""

    async def variables(w: World, a: Actor) -> dict[str, Any]:
        return {"input": shape(await make(w))}

    return variables


async def merge_input(w: World, a: Actor) -> dict[str, Any]:
    return {"input": {"reportId": await w.report(), "intoReportId": await w.report()}}


async def bulk_input(w: World, a: Actor) -> dict[str, Any]:
    return {"input": {"reportIds": [await w.report()], "status": "ACKNOWLEDGED"}}


def departure_input(w: World, a: Actor) -> dict[str, Any]:
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20, minutes=w.unique())
    return {"input": {"tourId": TOUR, "startsAt": starts.isoformat(), "capacity": 10}}


def inventory_input(w: World, a: Actor) -> dict[str, Any]:
    night = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()
    return {"input": {"roomTypeId": ROOM_TYPE, "from": night, "to": night, "rooms": 12}}


def tour_hold(w: World, a: Actor) -> dict[str, Any]:
    tour = {"departureId": w.ids["departure"], "seats": 1}
    return {"input": {"idempotencyKey": key(), "tour": tour}}


def check_in(w: World, a: Actor) -> dict[str, Any]:
    return {"input": {"journeyId": JOURNEY, "stopId": w.ids["stop"], "location": w.stop_at}}


PRIVATE = "id reporter { id } locationIsApproximate address"
MODERATED = "report { id status hidden duplicateOf } errors { code }"
NOTE = "Đã giao tổ trật tự đô thị xử lý"


def mutations(specs: dict[str, tuple[str, Judge, Variables]]) -> dict[str, Probe]:
    """Mutation probes from `name: (selection, judge, variables)`; input types from the schema."""
    root = schema._schema.mutation_type
    assert root is not None
    return {
        name: Probe(
            f"mutation($input: {root.fields[name].args['input'].type}) "
            f"{{ {name}(input: $input) {{ {selection} }} }}",
            judge,
            variables,
        )
        for name, (selection, judge, variables) in specs.items()
    }


def own_viewer(value: Any, w: World, a: Actor) -> str:
    """The viewer's own id, and A's name and consents to A only."""
    mine = a == OWNER
    expected = {
        "id": a.uid,
        "displayName": OWNER_NAME if mine else None,
        "consents": [{"kind": "PUSH", "granted": True}] if mine else [],
    }
    return OK if value == expected else str(value)


QUERIES: dict[str, Probe] = {
    "viewer": Probe("{ viewer { id displayName consents { kind granted } } }", own_viewer),
    "legalDocuments": Probe("{ legalDocuments { kind version } }", present),
    "health": Probe(
        "{ health { database } }", lambda v, w, a: OK if v["database"] == "UP" else NONE
    ),
    "reportCategories": Probe("{ reportCategories { id } }", present),
    "report": Probe(
        f"query($id: ID!) {{ report(id: $id) {{ {PRIVATE} }} }}",
        lambda v, w, a: private_view(v),
        lambda w, a: {"id": w.ids["hidden"]},
    ),
    "myReports": Probe("{ myReports(first: 100) { edges { node { id } } } }", listed("public")),
    "reportsNearby": Probe(
        "query($near: GeoPointInput!) { reportsNearby(near: $near, radiusMeters: 50, "
        f'categoryId: "noise") {{ edges {{ node {{ {PRIVATE} }} }} }} }}',
        lambda v, w, a: private_view(
            next((n for n in nodes(v) if n["id"] == w.ids["private"]), None)
        ),
        lambda w, a: {"near": PRIVATE_SPOT},
    ),
    "pois": Probe("{ pois(first: 5) { edges { node { id } } } }", present),
    "poi": Probe(f'{{ poi(id: "{POI}") {{ id }} }}', present),
    "journeys": Probe("{ journeys(first: 5) { edges { node { id } } } }", present),
    "journey": Probe(f'{{ journey(id: "{JOURNEY}") {{ id }} }}', present),
    "search": Probe('{ search(query: "hoan kiem") { poi { id } journey { id } } }', present),
    "poiClusters": Probe(
        "{ poiClusters(bbox: {west: 105.7, south: 20.9, east: 105.95, north: 21.1}, zoom: 12) "
        "{ clusters { count } } }",
        lambda v, w, a: present(v["clusters"], w, a),
    ),
    "areas": Probe('{ areas(search: "hoan kiem") { edges { node { id } } } }', present),
    "area": Probe('{ area(id: "00070") { id } }', present),
    "airQuality": Probe(
        "{ airQuality(near: {lat: 21.0287, lng: 105.8524}) { station { id } } }", present
    ),
    "airStations": Probe("{ airStations { id } }", present),
    "airStation": Probe(f'{{ airStation(id: "{AIR_STATION}") {{ id }} }}', present),
    "airStationHistory": Probe(f'{{ airStationHistory(id: "{AIR_STATION}") {{ hour }} }}', present),
    "airAlerts": Probe("{ airAlerts { stationId } }", present),
    "myJourneys": Probe(
        "{ myJourneys { edges { node { journey { id } } } } }",
        lambda v, w, a: OK if JOURNEY in [n["journey"]["id"] for n in nodes(v)] else NONE,
    ),
    "notificationPreferences": Probe(
        "{ notificationPreferences { areaIds quietHours { start end } } }",
        lambda v, w, a: OK if v["areaIds"] == PREFERENCES["areaIds"] and v["quietHours"] else NONE,
    ),
    "notifications": Probe("{ notifications { edges { node { id } } } }", listed("inbox")),
    "unreadNotificationCount": Probe(
        "{ unreadNotificationCount }", lambda v, w, a: OK if v >= 1 else NONE
    ),
    "alerts": Probe("{ alerts { id } }", present),
    "outboxDead": Probe("{ outboxDead { edges { node { id } } } }", listed("dead")),
    "tours": Probe("{ tours(first: 5) { edges { node { id } } } }", present),
    "tour": Probe(f'{{ tour(id: "{TOUR}") {{ id }} }}', present),
    "hotels": Probe("{ hotels(first: 5) { edges { node { id } } } }", present),
    "hotel": Probe(f'{{ hotel(id: "{HOTEL}") {{ id }} }}', present),
    "myBookings": Probe("{ myBookings { edges { node { id } } } }", listed("booking")),
    "booking": Probe(
        "query($id: ID!) { booking(id: $id) { id contact { phone } } }",
        present,
        lambda w, a: {"id": w.ids["booking"]},
    ),
    "moderationQueue": Probe(
        "{ moderationQueue(first: 100) { edges { node { id } } } }", listed("public")
    ),
    "auditLog": Probe(
        "query($id: ID!) { auditLog(objectId: $id) { edges { node { action } } } }",
        present,
        lambda w, a: {"id": w.ids["hidden"]},
    ),
    # Staff of another department asking for this one's figures by name.
    "reportStats": Probe(
        "query($department: ID) { reportStats(filter: {departmentId: $department}) { total } }",
        lambda v, w, a: OK if v["total"] > 0 else NONE,
        lambda w, a: {"department": WARD},
    ),
}

MUTATIONS = mutations(
    {
        # residents (anyone signed in), on their own things or on A's
        "reportCreate": (
            "report { id viewerIsReporter } errors { code }",
            payload("report", lambda r: r["viewerIsReporter"]),
            lambda w, a: {"input": report_input()},
        ),
        "reportMeToo": (
            "report { viewerHasMeToo } errors { code }",
            payload("report", lambda r: r["viewerHasMeToo"]),
            on("public"),
        ),
        "reportFollow": (
            "report { viewerIsFollowing } errors { code }",
            payload("report", lambda r: r["viewerIsFollowing"]),
            on("hidden"),
        ),
        "reportUnfollow": (
            "report { viewerIsFollowing } errors { code }",
            payload("report", lambda r: not r["viewerIsFollowing"]),
            on("hidden"),
        ),
        "reportReopen": (
            "report { status } errors { code }",
            payload("report", lambda r: r["status"] == "REOPENED"),
            fresh("resolved", reason="Vẫn còn nguyên, chưa ai xoá"),
        ),
        "reportRate": (
            "report { rating { stars } } errors { code }",
            payload("report", lambda r: r["rating"] == {"stars": 4}),
            fresh("resolved", stars=4),
        ),
        "journeyStart": (
            "progress { id } errors { code }",
            payload("progress"),
            lambda w, a: {"input": {"journeyId": JOURNEY}},
        ),
        "journeyCheckIn": (
            "progress { stopsVisited } errors { code }",
            payload("progress", lambda p: p["stopsVisited"] >= 1),
            check_in,
        ),
        "reviewCreate": (
            "review { id mine } errors { code }",
            payload("review", lambda r: r["mine"]),
            lambda w, a: {"input": {"poiId": POI, "rating": 5, "text": "Yên bình"}},
        ),
        "viewerUpdate": (
            "viewer { id displayName } errors { code }",
            payload("viewer", lambda v: v["displayName"] == "Khách"),
            lambda w, a: {"input": {"displayName": " Khách ", "locale": "vi-VN"}},
        ),
        "consentSet": (
            "consent { kind granted } errors { code }",
            payload("consent", lambda c: c == {"kind": "PRECISE_LOCATION", "granted": True}),
            lambda w, a: {"input": {"kind": "PRECISE_LOCATION", "granted": True}},
        ),
        "deviceRegister": (
            "device { platform } errors { code }",
            payload("device"),
            lambda w, a: {"input": {"token": f"fid-{a.uid}-{key()}", "platform": "IOS"}},
        ),
        "deviceUnregister": (
            "removed errors { code }",
            payload("removed"),
            given(World.device, lambda token: {"token": token}),
        ),
        "notificationPreferencesUpdate": (
            "preferences { areaIds } errors { code }",
            payload("preferences"),
            lambda w, a: {"input": PREFERENCES},
        ),
        "notificationsMarkRead": (
            "marked errors { code }",
            payload("marked", lambda marked: marked == 1),
            given(World.inbox_item, lambda item: {"ids": [item]}),
        ),
        "bookingHold": ("hold { id } errors { code }", payload("hold"), tour_hold),
        "bookingConfirm": (
            "booking { id } errors { code }",
            payload("booking"),
            given(World.hold, confirmation),
        ),
        "bookingCancel": (
            "booking { status } errors { code }",
            payload("booking", lambda b: b["status"] == "CANCELLED"),
            given(World.booking, lambda booking: {"bookingId": booking, "reason": "Đổi lịch"}),
        ),
        # staff, moderators and admins
        "reviewHide": (
            "review { hidden } errors { code }",
            payload("review", lambda r: r["hidden"]),
            lambda w, a: {"input": {"reviewId": w.ids["review"], "reason": "Quảng cáo"}},
        ),
        "alertSend": ("alert { id } errors { code }", payload("alert"), lambda w, a: alert_input()),
        "airAlertEdit": (
            "airAlert { stationId } errors { code }",
            payload("airAlert"),
            lambda w, a: {"input": {"id": NO_ALERT, "reason": "Sửa lời cảnh báo"}},
        ),
        "airAlertCancel": (
            "airAlert { stationId } errors { code }",
            payload("airAlert"),
            lambda w, a: {"input": {"id": NO_ALERT, "reason": "Trạm đo hỏng"}},
        ),
        "outboxRetry": (
            "requeued errors { code }",
            payload("requeued"),
            given(World.dead_push, lambda push: {"id": push}),
        ),
        "tourDepartureCreate": (
            "departure { id } errors { code }",
            payload("departure"),
            departure_input,
        ),
        "roomInventorySet": (
            "roomType { id } errors { code }",
            payload("roomType"),
            inventory_input,
        ),
        "reportTriage": (
            MODERATED,
            payload("report", lambda r: r["status"] == "ACKNOWLEDGED"),
            fresh(acknowledge=True, publicNote=NOTE),
        ),
        "reportSetStatus": (
            MODERATED,
            payload("report", lambda r: r["status"] == "IN_PROGRESS"),
            fresh(status="IN_PROGRESS", publicNote=NOTE),
        ),
        "reportsBulkSetStatus": (
            "results { ok report { status } errors { code } } errors { code }",
            bulk_line,
            bulk_input,
        ),
        "reportMerge": (
            MODERATED,
            payload("report", lambda r: r["duplicateOf"] is not None),
            merge_input,
        ),
        "reportEdit": (
            MODERATED,
            payload("report"),
            fresh(
                description="Hình vẽ bậy trên tường (đã xoá số điện thoại)",
                reason="Dữ liệu cá nhân",
            ),
        ),
        "reportHide": (MODERATED, payload("report", lambda r: r["hidden"]), fresh()),
        "reportUnhide": (MODERATED, payload("report", lambda r: not r["hidden"]), fresh("hidden")),
        "reportLock": (MODERATED, payload("report"), fresh()),
        "reportAssign": (MODERATED, payload("report"), fresh(assigneeId=None)),
        "userBan": (
            "userId banned errors { code }",
            payload("userId"),
            lambda w, a: {"input": {"userId": f"spammer-{key()}"}},
        ),
        "userUnban": (
            "userId banned errors { code }",
            payload("userId"),
            lambda w, a: {"input": {"userId": f"spammer-{key()}"}},
        ),
    }
)
PROBES = {**QUERIES, **MUTATIONS}


# --- the tests ----------------------------------------------------------------------------------


def root_fields() -> dict[str, str]:
    """Every root field of the schema, with its operation type."""
    roots = {"query": schema._schema.query_type, "mutation": schema._schema.mutation_type}
    return {name: kind for kind, root in roots.items() if root for name in root.fields}


def topic_tables() -> dict[str, tuple[str, ...]]:
    """Rows of the newer matrices, tests/security/test_authorization_<topic>.py (each module's
    TABLE of root fields, called and checked there)."""
    rows: dict[str, tuple[str, ...]] = {}
    for path in sorted(Path(__file__).parent.glob("test_authorization_*.py")):
        rows.update(importlib.import_module(f"tests.security.{path.stem}").TABLE)
    return rows


def test_the_table_lists_every_root_field() -> None:
    fields = root_fields()
    missing = sorted(set(fields) - set(TABLE) - set(topic_tables()))
    assert not missing, f"root fields with no row in TABLE (add who may call them): {missing}"
    assert sorted(set(TABLE) - set(fields)) == [], "TABLE rows for fields the schema lost"
    assert set(PROBES) == set(TABLE), "every row needs a probe that calls the field"
    for name, probe in PROBES.items():
        kind = "mutation" if probe.document.lstrip().startswith("mutation") else "query"
        assert kind == fields[name], (name, "probe uses the wrong operation type")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The city's content: categories, areas, places, journeys, tours and hotels."""
    return with_settings(settings, seed_on_start=True)


async def observe(world: World, name: str, actor: Actor) -> str:
    """The outcome of one call, read from both its data and its error codes."""
    probe = PROBES[name]
    world.made.clear()
    variables = probe.variables(world, actor)
    if inspect.isawaitable(variables):
        variables = await variables
    body = await world.call(probe.document, variables, actor)
    value = (body.get("data") or {}).get(name)
    if body.get("errors"):
        codes = sorted({str((e.get("extensions") or {}).get("code")) for e in body["errors"]})
        outcome = ",".join(codes) + (" WITH DATA" if value is not None else "")
    else:
        outcome = probe.judge(value, world, actor)
    if outcome != OK and (changed := await world.changed()):
        outcome += f" BUT CHANGED {changed}"
    return outcome


async def test_every_root_field_answers_each_viewer_as_the_table_says(
    client: httpx.AsyncClient, db_client: Any, settings: Settings, make_token: Callable[..., str]
) -> None:
    started = time.monotonic()
    world = await build_world(World(client, db_client[settings.mongodb_db], make_token))
    fields = root_fields()
    # Queries first, against the world as built; mutations then change their own targets.
    order = sorted(TABLE, key=lambda name: fields[name] == "mutation")
    wrong = []
    for name in order:
        for actor, expected in zip(ACTORS, TABLE[name], strict=True):
            got = await observe(world, name, actor)
            if got != expected:
                wrong.append(f"{name} as {actor.name}: expected {expected}, got {got}")
    elapsed = time.monotonic() - started
    print(f"\nauthorization: {len(TABLE)} fields x {len(ACTORS)} viewers in {elapsed:.1f} s")
    assert not wrong, "\n".join(wrong)
