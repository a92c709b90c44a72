"""Staff are told: a new report in their unit, a reopened one, an answer rated 1-2 stars, an
assignment; through the outbox, the push worker (local FCM) and the inbox, batched to one push per
15 minutes per person with a count, quiet hours kept except for URGENT reports."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId

from backend.db import Database, run_transaction
from backend.moderation import repository as moderation_repository
from backend.notifications import repository as notification_repository
from backend.notifications.models import Platform, PreferencesDoc, QuietHours, StaffNoticeKind
from backend.notifications.service import staff as staff_notices
from backend.reports.models import ReportDoc
from tests.moderation.conftest import LAKE, report_doc
from tests.notifications import conftest as notification_fixtures
from tests.notifications.conftest import Clock, FcmControl

# The local FCM endpoint and a worker on a controllable clock (tests/notifications' fixtures).
local_fcm_server = notification_fixtures.local_fcm_server
fcm = notification_fixtures.fcm
clock = notification_fixtures.clock
fcm_settings = notification_fixtures.fcm_settings
db = notification_fixtures.db
firebase_app = notification_fixtures.firebase_app
make_worker = notification_fixtures.make_worker

WARD = "ubnd-phuong"
CREATE = """mutation C($input: ReportCreateInput!) {
  reportCreate(input: $input) { report { id area { code } } errors { code } } }"""
REOPEN = """mutation R($input: ReportReopenInput!) {
  reportReopen(input: $input) { report { status } errors { code } } }"""
RATE = """mutation R($input: ReportRateInput!) {
  reportRate(input: $input) { report { id } errors { code } } }"""
ASSIGN = """mutation A($input: ReportAssignInput!) {
  reportAssign(input: $input) { report { id } errors { code } } }"""


def token(uid: str) -> str:
    return f"fid-{uid}-0123456789abcdef"


@pytest.fixture
async def staff(db: Database, clock: Clock) -> None:
    """Hoàn Kiếm's ward office (one Vietnamese-, one English-speaking officer) and URENCO's."""
    for uid, department, areas, locale in (
        ("ward-hk", WARD, ["00070"], "vi"),
        ("ward-hk-en", WARD, ["00070"], "en"),
        ("ward-bd", WARD, ["00004"], "vi"),
        ("waste", "urenco", [], "vi"),
    ):
        await moderation_repository.set_staff_member(
            db,
            uid=uid,
            role="staff",
            department=department,
            areas=areas,
            lead=False,
            email=None,
            now=clock.now,
        )
        await notification_repository.upsert_device(
            db,
            token=token(uid),
            uid=uid,
            platform=Platform.ANDROID,
            locale=locale,
            app_version="1.0",
            now=clock.now,
        )


@pytest.fixture
def call(client: httpx.AsyncClient, make_token: Callable[..., str]) -> Any:
    async def run(query: str, variables: dict[str, Any], uid: str, **claims: Any) -> Any:
        headers = {"Authorization": f"Bearer {make_token(uid=uid, claims=claims)}"}
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    return run


async def create_noise(
    call: Any, reporter: str, text: str = "Hát karaoke quá to sau 23 giờ"
) -> str:
    draft = {
        "categoryId": "noise",
        "description": text,
        "location": {"lat": LAKE[1], "lng": LAKE[0]},
        "idempotencyKey": uuid.uuid4().hex,
    }
    created = (await call(CREATE, {"input": draft}, reporter))["reportCreate"]
    assert created["errors"] == [] and created["report"]["area"]["code"] == "00070"
    return str(created["report"]["id"])


async def deliver(make_worker: Any) -> None:
    """One idle round of the worker: scheduled jobs (digests), then the outbox."""
    worker = make_worker()
    await worker.run_housekeeping()
    await worker.run_once()


def pushes(fcm: FcmControl, uid: str) -> list[dict[str, Any]]:
    return [m["message"] for m in fcm.messages(token(uid))]


async def test_new_reports_reach_the_wards_staff_batched_with_a_count(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any, call: Any, staff: None
) -> None:
    # given a resident reports noise in Hoàn Kiếm
    report_id = await create_noise(call, "resident-1")

    # when the worker runs
    await deliver(make_worker)

    # then each of Hoàn Kiếm's officers got one push in their language, naming the report;
    # Ba Đình's office and URENCO got nothing
    [vi] = pushes(fcm, "ward-hk")
    [en] = pushes(fcm, "ward-hk-en")
    assert vi["notification"]["title"] == "Phản ánh mới cho đơn vị"
    assert vi["notification"]["body"].startswith("“Hát karaoke quá to sau 23 giờ”: cần tiếp nhận")
    assert "(giờ Hà Nội)" in vi["notification"]["body"]
    assert en["notification"]["title"] == "New report for your unit"
    assert vi["data"]["kind"] == "STAFF_DIGEST" and vi["data"]["reportId"] == report_id
    assert pushes(fcm, "ward-bd") == [] and pushes(fcm, "waste") == []
    # and the inbox has it
    [item] = await db.notifications.find({"uid": "ward-hk"}).to_list(None)
    assert item["kind"] == "staff.digest" and item["title"]["vi"] == "Phản ánh mới cho đơn vị"
    assert item["deep_link"] == f"thanglong://reports/{report_id}"

    # when three more arrive within the next minutes, nobody is pushed again yet
    for n in range(3):
        clock.advance(minutes=4)
        await create_noise(call, f"resident-{n + 2}", f"Loa kẹo kéo ồn ào số {n + 2} ngõ Hàng")
        await deliver(make_worker)
    assert len(pushes(fcm, "ward-hk")) == 1

    # then once 15 minutes passed since the first push, one push says how many
    clock.advance(minutes=3)
    await deliver(make_worker)
    _, second = pushes(fcm, "ward-hk")
    assert second["notification"]["title"] == "3 thông báo về phản ánh của đơn vị"
    assert second["notification"]["body"].startswith("Mới nhất: “Loa kẹo kéo ồn ào số 4")
    assert "reportId" not in second["data"]  # several reports: the app opens the queue
    [_, en_second] = pushes(fcm, "ward-hk-en")
    assert en_second["notification"]["title"] == "3 updates on your unit's reports"
    assert await db.staff_notices.count_documents({"state": "pending"}) == 0


async def test_reopened_low_rated_and_assigned_reports_are_told(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any, call: Any, staff: None
) -> None:
    # given two noise reports of Hoàn Kiếm resolved yesterday
    resolved_at = datetime.now(UTC) - timedelta(days=1)
    docs = [
        report_doc(
            category="noise",
            department=WARD,
            reporter=f"resident-{n}",
            status="RESOLVED",
            resolved_at=resolved_at,
            description=f"Tiếng ồn công trình đêm khuya {n}",
        )
        for n in (1, 2)
    ]
    await db.reports.insert_many(docs)
    reopened, rated = (str(doc["_id"]) for doc in docs)

    # when one reporter reopens theirs and the other rates the answer 2 stars
    reason = {"reportId": reopened, "reason": "Vẫn còn ồn như cũ, không ai đến"}
    assert (await call(REOPEN, {"input": reason}, "resident-1"))["reportReopen"]["errors"] == []
    rating = {"reportId": rated, "stars": 2}
    assert (await call(RATE, {"input": rating}, "resident-2"))["reportRate"]["errors"] == []
    await deliver(make_worker)

    # then the ward's officers got one push with both
    [push] = pushes(fcm, "ward-hk-en")
    assert push["notification"]["title"] == "2 updates on your unit's reports"
    assert push["notification"]["body"] == (
        "Latest: The reporter gave “Tiếng ồn công trình đêm khuya 2” 2/5 stars."
    )
    kinds = sorted(n["kind"] for n in await db.staff_notices.find({"uid": "ward-hk"}).to_list(None))
    assert kinds == ["low_rating", "reopened"]

    # when a moderator assigns the reopened one, only the assignee is told, after the window
    assigned = {"reportId": reopened, "assigneeId": "ward-hk-en"}
    body = await call(ASSIGN, {"input": assigned}, "mod-1", role="moderator")
    assert body["reportAssign"]["errors"] == []
    clock.advance(minutes=15)
    await deliver(make_worker)
    assert pushes(fcm, "ward-hk-en")[-1]["notification"]["title"] == "A report was assigned to you"
    assert len(pushes(fcm, "ward-hk")) == 1


async def test_quiet_hours_hold_staff_pushes_except_urgent(
    db: Database, fcm: FcmControl, clock: Clock, make_worker: Any, staff: None
) -> None:
    # given an officer asleep: quiet 22:00-06:30 in Hanoi, and it is 23:00 there
    clock.now = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)
    quiet = QuietHours(start=time(22, 0), end=time(6, 30))
    await notification_repository.save_preferences(
        db, PreferencesDoc(uid="ward-hk", quiet_hours=quiet), now=clock.now
    )

    async def notice(**changes: Any) -> None:
        report = ReportDoc.from_mongo(report_doc(category="noise", department=WARD, **changes))

        async def write(session: Any) -> None:
            await staff_notices.notify(
                db,
                uids=["ward-hk"],
                kind=StaffNoticeKind.NEW,
                report=report,
                now=clock.now,
                session=session,
            )

        await run_transaction(db, write)

    # when a normal report's notice is delivered, then no push now (the inbox has it)
    await notice()
    await deliver(make_worker)
    assert pushes(fcm, "ward-hk") == []
    assert await notification_repository.unread_count(db, "ward-hk") == 1

    # when an URGENT one comes after the window, then it is pushed through the quiet hours
    clock.advance(minutes=15)
    await notice(priority="URGENT", _id=ObjectId())
    await deliver(make_worker)
    [urgent] = pushes(fcm, "ward-hk")
    assert urgent["notification"]["title"] == "Phản ánh mới cho đơn vị"

    # and the held one arrives when the quiet hours end
    clock.now = datetime(2026, 11, 23, 23, 31, tzinfo=UTC)  # 06:31 in Hanoi
    await deliver(make_worker)
    assert len(pushes(fcm, "ward-hk")) == 2


async def test_digest_reads_use_indexes(db: Database, staff: None) -> None:
    for find in (
        {"filter": {"state": "pending"}, "sort": {"state": 1, "uid": 1, "_id": 1}},
        {
            "filter": {"state": "pending", "uid": "ward-hk"},
            "sort": {"state": 1, "uid": 1, "_id": 1},
        },
        {"filter": {"_id": "push:ward-hk", "next_at": {"$lte": datetime.now(UTC)}}},
    ):
        collection = "schedule_slots" if "next_at" in find["filter"] else "staff_notices"
        command = {"find": collection, **find}
        explained = await db.command("explain", command, verbosity="queryPlanner")
        plan = str(explained["queryPlanner"]["winningPlan"])
        assert "COLLSCAN" not in plan, (find, plan)
