"""Routing to the unit that acts: ward offices see and act on their own ward's reports only; the
report says where it is; hiding spam closes it; errors speak in words and in Hanoi time."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId

from backend.emulators import FirebaseAuthEmulator
from backend.settings import Settings
from tests.auth.test_emulator import identity
from tests.moderation.conftest import MODERATOR, MODERATOR_2, Gql

WARD, HOAN_KIEM, BA_DINH = "ubnd-phuong", "00070", "00004"
WARD_HK = {"uid": "ward-hk", "role": "staff", "department": "ubnd-phuong", "areas": [HOAN_KIEM]}
WARD_BD = {"uid": "ward-bd", "role": "staff", "department": "ubnd-phuong", "areas": [BA_DINH]}
# A city office over every ward committee: the department without areas.
WARDS_CITY = {"uid": "wards-city", "role": "staff", "department": "ubnd-phuong"}

QUEUE = """query Q($filter: ModerationQueueFilter) { moderationQueue(filter: $filter) {
  edges { node { id area { code nameVi nameEn type } department { id } } } } }"""
STATS = """query S($filter: ReportStatsFilter) { reportStats(filter: $filter) {
  total byArea { key count } } }"""
AUDIT = """query A($id: ID!) { auditLog(objectId: $id) { edges { node { action } } } }"""
REPORT = """query R($id: ID!) { report(id: $id) { id status slaDueAt hidden allowedTransitions
  area { code nameVi } } }"""
SET_STATUS = """mutation M($input: ReportSetStatusInput!) { reportSetStatus(input: $input) {
  report { id status } errors { field code message } } }"""
HIDE = """mutation H($input: ReportHideInput!) { reportHide(input: $input) {
  report { id status slaDueAt hidden allowedTransitions } errors { code message } } }"""
UNHIDE = HIDE.replace("reportHide", "reportUnhide")
LOCK = """mutation L($input: ReportLockInput!) { reportLock(input: $input) {
  report { id } errors { code message } } }"""


def noise(area: str, **changes: Any) -> dict[str, Any]:
    """A noise report (a ward committee's category) in `area`."""
    return {"category": "noise", "department": "ubnd-phuong", "area": area, **changes}


async def ids(gql: Gql, who: dict[str, Any], filter: dict[str, Any] | None = None) -> set[str]:
    body = await gql(QUEUE, {"filter": filter}, who)
    assert "errors" not in body, body
    return {edge["node"]["id"] for edge in body["data"]["moderationQueue"]["edges"]}


async def test_ward_office_sees_and_acts_on_its_own_ward_only(gql: Gql, given_report: Any) -> None:
    # given a noise report in Hoàn Kiếm, one in Ba Đình, and a pothole (a city department's)
    here = await given_report(**noise(HOAN_KIEM))
    there = await given_report(**noise(BA_DINH))
    await given_report(area=HOAN_KIEM)

    # then each ward office's queue holds its own ward's report; the city office both
    assert await ids(gql, WARD_HK) == {here}
    assert await ids(gql, WARD_BD) == {there}
    assert await ids(gql, WARDS_CITY) == {here, there}
    # and asking for another ward is refused, not silently emptied
    refused = await gql(QUEUE, {"filter": {"areaId": BA_DINH}}, WARD_HK)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # when Hoàn Kiếm's office acts on Ba Đình's report, then FORBIDDEN; on its own, it works
    move = {"reportId": there, "status": "IN_PROGRESS"}
    body = await gql(SET_STATUS, {"input": move}, WARD_HK)
    assert body["data"]["reportSetStatus"]["errors"][0]["code"] == "FORBIDDEN"
    move = {"reportId": here, "status": "IN_PROGRESS"}
    body = await gql(SET_STATUS, {"input": move}, WARD_HK)
    assert body["data"]["reportSetStatus"]["report"]["status"] == "IN_PROGRESS"

    # and the audit log and the acting fields follow the same line
    assert (await gql(AUDIT, {"id": here}, WARD_HK))["data"]["auditLog"]["edges"]
    denied = await gql(AUDIT, {"id": there}, WARD_HK)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    mine = (await gql(REPORT, {"id": here}, WARD_HK))["data"]["report"]
    theirs = (await gql(REPORT, {"id": there}, WARD_HK))["data"]["report"]
    assert mine["allowedTransitions"] and theirs["allowedTransitions"] is None


async def test_ward_statistics_count_their_ward_only(gql: Gql, given_report: Any) -> None:
    # given two reports in Hoàn Kiếm and one in Ba Đình
    await given_report(**noise(HOAN_KIEM))
    await given_report(**noise(HOAN_KIEM, category="graffiti"))
    await given_report(**noise(BA_DINH))

    # given the office's lead, who sees their unit in `viewer`
    lead = {**WARD_HK, "lead": True}
    viewer = (await gql("{ viewer { department areaCodes unitLead } }", {}, lead))["data"]
    assert viewer["viewer"] == {"department": WARD, "areaCodes": [HOAN_KIEM], "unitLead": True}

    # when each asks for statistics without a filter, then each gets their own unit's figures
    stats = (await gql(STATS, {}, lead))["data"]["reportStats"]
    assert stats["total"] == 2 and stats["byArea"] == [{"key": HOAN_KIEM, "count": 2}]
    assert (await gql(STATS, {}, WARDS_CITY))["data"]["reportStats"]["total"] == 3
    # and another ward's figures are refused
    body = await gql(STATS, {"filter": {"areaId": BA_DINH}}, lead)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_report_says_where_it_is(gql: Gql, given_report: Any) -> None:
    report_id = await given_report(**noise(HOAN_KIEM))
    edges = (await gql(QUEUE, {}, WARD_HK))["data"]["moderationQueue"]["edges"]
    assert edges[0]["node"]["area"] == {
        "code": HOAN_KIEM,
        "nameVi": "Phường Hoàn Kiếm",
        "nameEn": "Hoàn Kiếm Ward",
        "type": "WARD",
    }
    assert edges[0]["node"]["department"]["id"] == "ubnd-phuong"
    public = (await gql(REPORT, {"id": report_id}))["data"]["report"]
    assert public["area"] == {"code": HOAN_KIEM, "nameVi": "Phường Hoàn Kiếm"}


async def test_hiding_spam_closes_the_report_and_stops_its_clock(
    gql: Gql, given_report: Any, db: Any
) -> None:
    # given a new report with a running acknowledgement deadline
    due = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    report_id = await given_report(sla_due_at=due, ack_due_at=due)

    # when a moderator hides it as spam
    body = await gql(HIDE, {"input": {"reportId": report_id, "reason": "spam"}}, MODERATOR)

    # then it is closed (REJECTED), its deadline stopped, nothing left to do on it
    hidden = body["data"]["reportHide"]["report"]
    assert (hidden["status"], hidden["slaDueAt"], hidden["hidden"]) == ("REJECTED", None, True)
    assert hidden["allowedTransitions"] == []
    assert await ids(gql, MODERATOR, {"hidden": None}) == set()
    entry = await db.audit_log.find_one({"action": "report.hide"})
    assert entry["before"]["status"] == "SUBMITTED" and entry["after"]["status"] == "REJECTED"

    # and showing it again puts it back where it was, deadline included
    shown = (await gql(UNHIDE, {"input": {"reportId": report_id}}, MODERATOR))["data"]
    report = shown["reportUnhide"]["report"]
    assert (report["status"], report["hidden"]) == ("SUBMITTED", False)
    assert report["slaDueAt"].startswith("2026-03-02T10:00:00")


async def ask(
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
    query: str,
    variables: dict[str, Any],
    who: dict[str, Any],
    language: str,
) -> dict[str, Any]:
    claims = {k: v for k, v in who.items() if k != "uid"}
    headers = {
        "Authorization": f"Bearer {make_token(uid=who['uid'], claims=claims)}",
        "Accept-Language": language,
    }
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    return body


async def test_refusals_speak_in_words_and_hanoi_time(
    client: httpx.AsyncClient,
    make_token: Callable[..., str],
    gql: Gql,
    given_report: Any,
    db: Any,
) -> None:
    report_id = await given_report(status="ACKNOWLEDGED")

    # when a moderator asks for the status it already has, then the error says so in words
    again = {"input": {"reportId": report_id, "status": "ACKNOWLEDGED"}}
    for language, expected in (
        ("en", "This report is already acknowledged"),
        ("vi", "Phản ánh này đã ở trạng thái “Đã tiếp nhận”"),
    ):
        body = await ask(client, make_token, SET_STATUS, again, MODERATOR, language)
        [error] = body["data"]["reportSetStatus"]["errors"]
        assert (error["code"], error["message"]) == ("ILLEGAL_TRANSITION", expected)
        assert "ACKNOWLEDGED" not in error["message"]
    # and a move back to new names what is possible instead
    back = {"input": {"reportId": report_id, "status": "SUBMITTED"}}
    body = await ask(client, make_token, SET_STATUS, back, MODERATOR, "en")
    message = body["data"]["reportSetStatus"]["errors"][0]["message"]
    assert message == (
        "A report that is acknowledged cannot go back to new; it can become: in progress, "
        "resolved, rejected"
    )

    # given another moderator holds the lock until tomorrow
    until = datetime.now(UTC).replace(microsecond=965000) + timedelta(days=1)
    await db.reports.update_one(
        {"_id": ObjectId(report_id)},
        {"$set": {"locked_by": MODERATOR_2["uid"], "locked_until": until}},
    )
    local = until + timedelta(hours=7)
    # then the conflict says until when, in Hanoi time, without an ISO timestamp
    for language, expected in (
        ("en", f"until {local:%H:%M} on {local:%d/%m/%Y} (Hanoi time)"),
        ("vi", f"đến {local:%H:%M} ngày {local:%d/%m/%Y} (giờ Hà Nội)"),
    ):
        body = await ask(
            client, make_token, LOCK, {"input": {"reportId": report_id}}, MODERATOR, language
        )
        [error] = body["data"]["reportLock"]["errors"]
        assert error["code"] == "LOCKED" and expected in error["message"], error
        assert "+00:00" not in error["message"]


async def test_cli_grants_a_ward_office_and_records_it(
    content: None, db: Any, settings: Settings, auth_emulator: FirebaseAuthEmulator
) -> None:
    # given a user who signed up
    email = f"ward-{uuid.uuid4().hex[:8]}@example.com"
    signed_up = await identity(auth_emulator, "signUp", email)
    env = {
        **os.environ,
        "FIREBASE_AUTH_EMULATOR_HOST": auth_emulator.host_port,
        "FIREBASE_PROJECT_ID": auth_emulator.project_id,
        "NO_GCE_CHECK": "true",
        "APP_ENV": "development",
        "MONGODB_URI": str(settings.mongodb_uri),
        "MONGODB_DB": settings.mongodb_db,
    }

    def grant(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "backend.cli", "users", "grant", "--email", email]
        return subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    # when an unknown ward is named, then nothing is granted
    refused = grant("--role", "staff", "--department", "ubnd", "--area", "99999")
    assert refused.returncode == 1 and "no ward or commune with code 99999" in refused.stderr
    assert await db.staff_members.count_documents({}) == 0

    # when Hoàn Kiếm's office lead is granted
    done = grant("--role", "staff", "--department", "ubnd", "--area", HOAN_KIEM, "--lead")
    assert done.returncode == 0, done.stderr

    # then the next token carries the unit, and the staff directory knows them
    signed_in = await identity(auth_emulator, "signInWithPassword", email)
    payload = signed_in["idToken"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert (claims["role"], claims["department"], claims["areas"], claims["lead"]) == (
        "staff",
        WARD,
        [HOAN_KIEM],
        True,
    )
    member = await db.staff_members.find_one({"_id": signed_up["localId"]})
    assert (member["units"], member["lead"]) == ([f"{WARD}:{HOAN_KIEM}"], True)
