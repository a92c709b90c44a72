"""The world of the account-deletion tests: the app against the Firebase Auth emulator, the local
FCM endpoint and the real database, a push worker on a test clock, and a resident who used
every part of the app (test_account_delete, test_data_export, test_account_notices). The
fixtures are registered by tests/auth/conftest.py.
"""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import firebase_admin
import httpx
import orjson
import pytest
from firebase_admin import auth as firebase_auth
from PIL import Image
from pymongo import AsyncMongoClient

from backend import audit, firebase, outbox
from backend.audit import AuditEntryDoc
from backend.bookings.service.common import TOURISM_DEPARTMENT
from backend.db import Database
from backend.emulators import FirebaseAuthEmulator
from backend.moderation import repository as moderation_repository
from backend.settings import ROOT, Settings
from notifications.worker import Worker
from tests.conftest import with_settings

OPERATIONS = ROOT / "graphql" / "operations"
ACCOUNT_DELETE = (OPERATIONS / "auth" / "AccountDelete.graphql").read_text()
REPORT_CREATE = (OPERATIONS / "reports" / "ReportCreate.graphql").read_text()
REPORT_FOLLOW = (OPERATIONS / "reports" / "ReportFollow.graphql").read_text()
REPORT_ME_TOO = (OPERATIONS / "reports" / "ReportMeToo.graphql").read_text()
DEVICE_REGISTER = (OPERATIONS / "notifications" / "DeviceRegister.graphql").read_text()
PREFERENCES_UPDATE = (
    OPERATIONS / "notifications" / "NotificationPreferencesUpdate.graphql"
).read_text()
JOURNEY_START = (OPERATIONS / "tourism" / "JourneyStart.graphql").read_text()
CONSENT_SET = (OPERATIONS / "auth" / "ConsentSet.graphql").read_text()
VIEWER_UPDATE = (OPERATIONS / "auth" / "ViewerUpdate.graphql").read_text()
REPORT_SET_STATUS = (OPERATIONS / "moderation" / "ReportSetStatus.graphql").read_text()
CONTENT_FLAG = next(OPERATIONS.glob("*/ContentFlag.graphql")).read_text()
REVIEW_CREATE = """
mutation ReviewCreate($input: ReviewCreateInput!) {
  reviewCreate(input: $input) { errors { code } }
}
"""
DEPARTURE_CREATE = """
mutation TourDepartureCreate($input: TourDepartureCreateInput!) {
  tourDepartureCreate(input: $input) { departure { id } errors { code } }
}
"""
BOOKING_HOLD = """
mutation BookingHold($input: BookingHoldInput!) {
  bookingHold(input: $input) { hold { id } errors { code } }
}
"""
BOOKING_CONFIRM = """
mutation BookingConfirm($input: BookingConfirmInput!) {
  bookingConfirm(input: $input) { booking { id status } errors { code } }
}
"""
LAKE = {"lat": 21.0287, "lng": 105.8524}


@dataclass
class Clock:
    """The worker's now, moved by the test (no sleeping)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC) + timedelta(minutes=1))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Person:
    uid: str
    email: str
    phone: str
    display_name: str

    @property
    def local_phone(self) -> str:
        return "0" + self.phone[3:]

    def identifiers(self) -> dict[str, str]:
        return {
            "uid": self.uid,
            "email": self.email,
            "phone": self.phone,
            "local phone": self.local_phone,
            "display name": self.display_name,
        }


@pytest.fixture
def deletion_settings(
    settings: Settings,
    auth_emulator: FirebaseAuthEmulator,
    local_fcm_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    # firebase-admin finds the emulator through the environment, as in `make run`. Tokens are
    # the locally signed ones (the emulator mode accepts them); no revocation calls.
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
    return with_settings(
        settings,
        firebase_auth_emulator_host=auth_emulator.host_port,
        fcm_endpoint=local_fcm_server.url,
        seed_on_start=True,
    )


@pytest.fixture
async def app_client(
    deletion_settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(deletion_settings):
        yield client


@pytest.fixture
async def firebase_app(deletion_settings: Settings) -> AsyncIterator[firebase_admin.App]:
    app = firebase.initialize(deletion_settings)
    firebase.messaging_without_retries(app)
    yield app
    await firebase.close_async(app)


@pytest.fixture
def db(db_client: AsyncMongoClient[dict[str, Any]], deletion_settings: Settings) -> Database:
    return db_client[deletion_settings.mongodb_db]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def worker(db: Database, firebase_app: firebase_admin.App, clock: Clock) -> Worker:
    return Worker(db, firebase_app, clock=clock)


@dataclass
class Api:
    client: httpx.AsyncClient
    make_token: Callable[..., str]

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, uid: str | None = None,
        role: str | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        headers = {"Accept-Language": "vi"}
        if uid is not None:
            claims = {"role": role} if role else {}
            if role == "staff":
                claims["department"] = TOURISM_DEPARTMENT  # booking staff work there
            headers["Authorization"] = f"Bearer {self.make_token(uid=uid, claims=claims)}"
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body
        return body["data"]

    async def ok(self, query: str, variables: dict[str, Any], *, uid: str, **kw: Any) -> Any:
        """Run a mutation and return its payload, failing on payload errors."""
        data = await self.gql(query, variables, uid=uid, **kw)
        payload = next(iter(data.values()))
        assert payload["errors"] == [], payload
        return payload


@pytest.fixture
def api(app_client: httpx.AsyncClient, make_token: Callable[..., str]) -> Api:
    return Api(app_client, make_token)


async def create_person(app: firebase_admin.App) -> Person:
    """A resident with an e-mail, a phone and a display name, in the Auth emulator."""
    suffix = uuid.uuid4().hex[:8]
    person = Person(
        uid=f"del-{suffix}",
        email=f"rieng.{suffix}@example.com",
        phone=f"+8491{uuid.uuid4().int % 10_000_000:07d}",
        display_name=f"Trần Thị Riêng {suffix}",
    )
    await asyncio.to_thread(
        firebase_auth.create_user,
        uid=person.uid, email=person.email, phone_number=person.phone,
        display_name=person.display_name, app=app,
    )  # fmt: skip
    return person


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


async def given_a_user_with_data(api: Api, db: Database, person: Person) -> dict[str, Any]:
    """The person uses every part of the app (through the API where the app would)."""
    uid = person.uid
    await api.ok(VIEWER_UPDATE, {"input": {"displayName": person.display_name}}, uid=uid)
    await api.ok(CONSENT_SET, {"input": {"kind": "PUSH", "granted": True}}, uid=uid)
    token = f"fcm-{uuid.uuid4().hex}"
    await api.ok(DEVICE_REGISTER, {"input": {"token": token, "platform": "ANDROID"}}, uid=uid)
    await api.ok(PREFERENCES_UPDATE, {"input": {"areaAlerts": False}}, uid=uid)
    # they also work for the street-lighting company (staff are residents too), and a
    # colleague works for the Department of Construction, which acts on potholes
    colleague = f"colleague-{uuid.uuid4().hex[:6]}"
    for staff_uid, department, email in (
        (uid, "hapulico", person.email),
        (colleague, "so-xay-dung", f"{colleague}@example.com"),
    ):
        await moderation_repository.set_staff_member(
            db, uid=staff_uid, role="staff", department=department, areas=[], lead=False,
            email=email, now=datetime.now(UTC),
        )  # fmt: skip
    photo = await api.client.post(
        "/media",
        files={"file": ("me.jpg", jpeg(), "image/jpeg")},
        headers={"Authorization": f"Bearer {api.make_token(uid=uid)}"},
    )
    assert photo.status_code == 201, photo.text
    description = (
        f"Ổ gà sâu trước nhà, gọi {person.display_name} số {person.local_phone} hoặc {person.email}"
    )
    own = await api.ok(
        REPORT_CREATE,
        {
            "input": {
                "categoryId": "pothole", "description": description, "location": LAKE,
                "address": "Đinh Tiên Hoàng", "photoIds": [photo.json()["id"]],
                "idempotencyKey": uuid.uuid4().hex,
            }
        },
        uid=uid,
    )  # fmt: skip
    neighbour = f"neighbour-{uuid.uuid4().hex[:6]}"
    theirs = await api.ok(
        REPORT_CREATE,
        {
            "input": {
                "categoryId": "broken-street-light", "description": "Đèn đường hỏng cả tuần nay",
                "location": {"lat": 21.03, "lng": 105.85}, "idempotencyKey": uuid.uuid4().hex,
            }
        },
        uid=neighbour,
    )  # fmt: skip
    their_id = theirs["report"]["id"]
    await api.ok(REPORT_FOLLOW, {"input": {"reportId": their_id}}, uid=uid)
    await api.ok(REPORT_ME_TOO, {"input": {"reportId": their_id}}, uid=uid)
    # they flag the neighbour's report, and the neighbour flags theirs as showing personal data
    flag = {"target": "REPORT", "id": their_id, "reason": "SPAM", "note": person.display_name}
    await api.ok(CONTENT_FLAG, {"input": flag}, uid=uid)
    flag = {"target": "REPORT", "id": own["report"]["id"], "reason": "PERSONAL_DATA"}
    await api.ok(CONTENT_FLAG, {"input": flag}, uid=neighbour)
    # the neighbour follows theirs, and hears of its progress (their inbox quotes the report)
    await api.ok(REPORT_FOLLOW, {"input": {"reportId": own["report"]["id"]}}, uid=neighbour)
    status = {"reportId": own["report"]["id"], "status": "ACKNOWLEDGED"}
    await api.ok(REPORT_SET_STATUS, {"input": status}, uid="mod-1", role="moderator")
    poi = await db["pois"].find_one({}, {"_id": 1})
    journey = await db["journeys"].find_one({}, {"_id": 1})
    assert poi is not None and journey is not None
    review = {"poiId": poi["_id"], "rating": 4, "text": f"Đẹp lắm — {person.display_name}"}
    await api.ok(REVIEW_CREATE, {"input": review}, uid=uid)
    await api.ok(JOURNEY_START, {"input": {"journeyId": journey["_id"]}}, uid=uid)
    tomorrow = datetime.now(UTC).replace(hour=2, minute=7, second=0, microsecond=0)
    tomorrow += timedelta(days=1, minutes=uuid.uuid4().int % 500)
    departure = await api.ok(
        DEPARTURE_CREATE,
        {"input": {"tourId": "old-quarter-walking", "startsAt": tomorrow.isoformat(),
                   "capacity": 10}},
        uid="staff-1", role="staff",
    )  # fmt: skip
    hold = await api.ok(
        BOOKING_HOLD,
        {"input": {"idempotencyKey": uuid.uuid4().hex,
                   "tour": {"departureId": departure["departure"]["id"], "seats": 1}}},
        uid=uid,
    )  # fmt: skip
    contact = {"name": person.display_name, "phone": person.phone, "email": person.email}
    booking = await api.ok(
        BOOKING_CONFIRM,
        {"input": {"holdId": hold["hold"]["id"], "idempotencyKey": uuid.uuid4().hex,
                   "contact": contact, "guests": 1}},
        uid=uid,
    )  # fmt: skip
    # An audit entry that names the person as actor and as object (a moderator's action on
    # their account would, too).
    await audit.record(
        db,
        AuditEntryDoc.new(
            actor=uid, action="test.action", object_type="user", object_id=uid,
            at=datetime.now(UTC),
        ),
    )  # fmt: skip
    return {
        "own_report": own["report"]["id"],
        "their_report": their_id,
        "neighbour": neighbour,
        "colleague": colleague,
        "device": token,
        "booking": booking["booking"]["id"],
        "departure_at": tomorrow,
    }


async def delete_account(api: Api, uid: str) -> dict[str, Any]:
    payload: dict[str, Any] = await api.ok(ACCOUNT_DELETE, {"input": {}}, uid=uid)
    return payload


async def run_until_done(worker: Worker, clock: Clock, db: Database, job: str) -> None:
    """Run the worker until the job is finished (each round a minute later)."""
    for _ in range(10):
        await worker.run_once()
        stored = await outbox.get(db, job)
        if stored is not None and stored.state.value == "sent":
            return
        clock.advance(minutes=1)
    raise AssertionError(f"the deletion job did not finish: {stored}")


async def scan(db: Database, person: Person, pseudonym: str) -> list[str]:
    """Every collection, every document, serialised: where any identifier still shows."""
    hits = []
    for name in sorted(await db.list_collection_names()):
        async for doc in db[name].find():
            text = orjson.dumps(doc, default=str).decode().replace(pseudonym, "<pseudonym>")
            for what, value in person.identifiers().items():
                at = text.lower().find(value.lower())
                if at >= 0:
                    hits.append(f"{name} {doc.get('_id')}: {what} in {text[at - 200 : at + 40]}")
    return hits


def assert_clean(hits: list[str]) -> None:
    assert hits == [], "\n".join(hits)
