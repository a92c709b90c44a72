"""Triage, status changes, bulk, merge, edit, hide, lock, ban: rules, audit and outbox."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId
from PIL import Image

from tests.moderation.conftest import (
    ADMIN,
    MODERATOR,
    MODERATOR_2,
    RESIDENT,
    STAFF_ROADS,
    STAFF_WASTE,
    Gql,
)

PAYLOAD = (
    "report { id status priority ackDueAt resolveDueAt hidden duplicateOf meTooCount "
    "followerCount lockedBy { id } lockedUntil } errors { field code message }"
)


def mutation(name: str, input_type: str) -> str:
    return f"mutation M($input: {input_type}!) {{ {name}(input: $input) {{ {PAYLOAD} }} }}"


TRIAGE = mutation("reportTriage", "ReportTriageInput")
SET_STATUS = mutation("reportSetStatus", "ReportSetStatusInput")
MERGE = mutation("reportMerge", "ReportMergeInput").replace(
    "errors {", "into { id followerCount meTooCount } errors {"
)
EDIT = mutation("reportEdit", "ReportEditInput")
HIDE = mutation("reportHide", "ReportHideInput")
UNHIDE = mutation("reportUnhide", "ReportHideInput")
LOCK = mutation("reportLock", "ReportLockInput")
BULK = """mutation B($input: ReportsBulkSetStatusInput!) { reportsBulkSetStatus(input: $input) {
  results { reportId ok report { status } errors { code } } errors { code } } }"""
BAN = """mutation Ban($input: UserBanInput!) {
  userBan(input: $input) { banned reportsChanged errors { code } } }"""
UNBAN = """mutation Unban($input: UserBanInput!) {
  userUnban(input: $input) { banned reportsChanged errors { code } } }"""
REPORT = """query R($id: ID!) { report(id: $id) { id status description hidden
  timeline { kind status note photos { id } } internalTimeline { kind note }
  moderationOriginals { description photos { id } editedBy } } }"""
AUDIT = """query A($id: ID!, $first: Int, $after: String) {
  auditLog(objectId: $id, first: $first, after: $after) {
    edges { node { actor action objectType objectId reason before after } }
    pageInfo { hasNextPage endCursor } } }"""
NEARBY = """query N {
  reportsNearby(near: {lat: 21.0287, lng: 105.8524}, radiusMeters: 500) { edges { node { id } } }
}"""
CREATE = """mutation C($input: ReportCreateInput!) {
  reportCreate(input: $input) { report { id } errors { code } } }"""


async def upload_photo(client: httpx.AsyncClient, token: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 200, 10)).save(out, "PNG")
    response = await client.post(
        "/media",
        files={"file": ("fix.png", out.getvalue(), "image/png")},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


async def test_residents_and_anonymous_are_forbidden_everywhere(
    gql: Gql, given_report: Any
) -> None:
    report_id = await given_report()
    calls = [
        (TRIAGE, {"input": {"reportId": report_id}}),
        (SET_STATUS, {"input": {"reportId": report_id, "status": "ACKNOWLEDGED"}}),
        (BULK, {"input": {"reportIds": [report_id], "status": "ACKNOWLEDGED"}}),
        (MERGE, {"input": {"reportId": report_id, "intoReportId": report_id}}),
        (EDIT, {"input": {"reportId": report_id, "description": "xxxxxxxxxxxx"}}),
        (HIDE, {"input": {"reportId": report_id}}),
        (LOCK, {"input": {"reportId": report_id}}),
        (BAN, {"input": {"userId": "x"}}),
        ("query { moderationQueue { edges { cursor } } }", None),
        ("query { reportStats { total } }", None),
        (AUDIT, {"id": report_id}),
    ]
    for who in (RESIDENT, None):
        for query, variables in calls:
            # when a resident or an anonymous user tries, then FORBIDDEN
            body = await gql(query, variables, who)
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (query, body)
    # and staff cannot ban users
    body = await gql(BAN, {"input": {"userId": "x"}}, STAFF_ROADS)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_staff_act_only_within_their_department(gql: Gql, given_report: Any, db: Any) -> None:
    report_id = await given_report()  # a pothole: so-xay-dung
    # when staff of another department triage it, then FORBIDDEN and nothing changes
    other = await gql(TRIAGE, {"input": {"reportId": report_id}}, STAFF_WASTE)
    assert other["data"]["reportTriage"]["errors"][0]["code"] == "FORBIDDEN"
    queue = await gql(
        'query { moderationQueue(filter: {departmentId: "so-xay-dung"}) { edges { cursor } } }',
        None,
        STAFF_WASTE,
    )
    assert queue["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await db.audit_log.count_documents({}) == 0
    # when the department's staff triage it as URGENT and acknowledge it, then ACKNOWLEDGED
    # within 4 working hours
    urgent = {"reportId": report_id, "priority": "URGENT", "acknowledge": True}
    own = await gql(TRIAGE, {"input": urgent}, STAFF_ROADS)
    report = own["data"]["reportTriage"]["report"]
    assert (report["status"], report["priority"]) == ("ACKNOWLEDGED", "URGENT")
    # created Mon 09:00 Hanoi: 4 working hours later is Mon 13:00 Hanoi = 06:00 UTC
    assert report["resolveDueAt"].startswith("2026-03-02T06:00:00")
    # and a moderator may act on any department
    moved = await gql(
        TRIAGE, {"input": {"reportId": report_id, "departmentId": "urenco"}}, MODERATOR
    )
    assert moved["data"]["reportTriage"]["errors"] == []
    # then the roads staff no longer may act on it
    lost = await gql(
        SET_STATUS, {"input": {"reportId": report_id, "status": "IN_PROGRESS"}}, STAFF_ROADS
    )
    assert lost["data"]["reportSetStatus"]["errors"][0]["code"] == "FORBIDDEN"


async def test_transitions_write_timeline_audit_and_outbox(
    gql: Gql, given_report: Any, db: Any, client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    report_id = await given_report()
    await db.report_followers.insert_one({"report": ObjectId(report_id), "uid": "neighbour"})
    # when an illegal move is asked, then ILLEGAL_TRANSITION
    bad = await gql(
        SET_STATUS, {"input": {"reportId": report_id, "status": "DUPLICATE"}}, MODERATOR
    )
    assert bad["data"]["reportSetStatus"]["errors"][0]["code"] == "ILLEGAL_TRANSITION"
    # when RESOLVED comes without a note, then NOTE_REQUIRED; without a photo, PHOTO_REQUIRED
    resolve: dict[str, Any] = {"reportId": report_id, "status": "RESOLVED"}
    body = await gql(SET_STATUS, {"input": resolve}, MODERATOR)
    assert body["data"]["reportSetStatus"]["errors"][0]["code"] == "NOTE_REQUIRED"
    resolve["publicNote"] = "Đã vá ổ gà"
    body = await gql(SET_STATUS, {"input": resolve}, MODERATOR)
    assert body["data"]["reportSetStatus"]["errors"][0]["code"] == "PHOTO_REQUIRED"
    # when it moves to IN_PROGRESS with an internal note
    body = await gql(
        SET_STATUS,
        {"input": {"reportId": report_id, "status": "IN_PROGRESS", "internalNote": "đội 3"}},
        MODERATOR,
    )
    assert body["data"]["reportSetStatus"]["report"]["status"] == "IN_PROGRESS"
    # and then RESOLVED with a public note and a photo
    resolve["photoIds"] = [
        await upload_photo(client, make_token(uid="mod-1", claims={"role": "moderator"}))
    ]
    body = await gql(SET_STATUS, {"input": resolve}, MODERATOR)
    assert body["data"]["reportSetStatus"]["report"]["status"] == "RESOLVED"
    # then the public timeline has the answer with its photo, the internal note is staff-only
    public = (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"]
    assert public["timeline"][-1]["note"] == "Đã vá ổ gà" and public["timeline"][-1]["photos"]
    assert public["internalTimeline"] is None and public["moderationOriginals"] is None
    staff = (await gql(REPORT, {"id": report_id}, STAFF_ROADS))["data"]["report"]
    assert [e["note"] for e in staff["internalTimeline"]] == ["đội 3"]
    # and each transition wrote an audit entry and notified the reporter and followers
    audit = await db.audit_log.find({"object_id": report_id}).sort("_id", 1).to_list(None)
    assert [(a["action"], a["before"]["status"], a["after"]["status"]) for a in audit] == [
        ("report.set_status", "SUBMITTED", "IN_PROGRESS"),
        ("report.set_status", "IN_PROGRESS", "RESOLVED"),
    ]
    assert all(a["actor"] == "mod-1" and a["at"] for a in audit)
    changed = await db.outbox.find({"kind": "report.status_changed"}).to_list(None)
    assert [c["data"]["status"] for c in changed] == ["IN_PROGRESS", "RESOLVED"]
    assert set(changed[0]["recipients"]["uids"]) == {"reporter-1", "neighbour"}
    assert changed[0]["data"]["report_id"] == report_id and changed[0]["data"]["title"]
    # one message per change: the public answer travels with the status it came with
    assert [c["data"]["answered"] for c in changed] == [False, True]
    assert changed[1]["data"]["department"]["vi"]
    assert await db.outbox.count_documents({"kind": "report.public_answer"}) == 0
    # and the audit log pages newest first
    page = (await gql(AUDIT, {"id": report_id, "first": 1}, STAFF_ROADS))["data"]["auditLog"]
    assert page["edges"][0]["node"]["action"] == "report.set_status"
    assert '"RESOLVED"' in page["edges"][0]["node"]["after"] and page["pageInfo"]["hasNextPage"]
    rest = await gql(AUDIT, {"id": report_id, "after": page["pageInfo"]["endCursor"]}, MODERATOR)
    assert len(rest["data"]["auditLog"]["edges"]) == 1


async def test_resolving_a_category_without_required_photo(gql: Gql, given_report: Any) -> None:
    report_id = await given_report(category="noise", department="ubnd-phuong")
    body = await gql(
        SET_STATUS,
        {"input": {"reportId": report_id, "status": "RESOLVED", "publicNote": "Đã nhắc nhở"}},
        MODERATOR,
    )
    assert body["data"]["reportSetStatus"]["report"]["status"] == "RESOLVED"


async def test_bulk_gives_a_line_per_report(gql: Gql, given_report: Any, db: Any) -> None:
    open_one = await given_report()
    closed = await given_report(status="REJECTED")
    other_department = await given_report(category="noise", department="ubnd-phuong")
    ids = [open_one, closed, other_department, "nope"]
    body = await gql(BULK, {"input": {"reportIds": ids, "status": "ACKNOWLEDGED"}}, STAFF_ROADS)
    lines = body["data"]["reportsBulkSetStatus"]["results"]
    assert [
        (line["ok"], line["errors"][0]["code"] if line["errors"] else None) for line in lines
    ] == [
        (True, None),
        (False, "ILLEGAL_TRANSITION"),
        (False, "FORBIDDEN"),
        (False, "NOT_FOUND"),
    ]
    assert await db.audit_log.count_documents({}) == 1
    too_many = await gql(
        BULK,
        {"input": {"reportIds": [str(ObjectId()) for _ in range(101)], "status": "ACKNOWLEDGED"}},
        MODERATOR,
    )
    assert too_many["data"]["reportsBulkSetStatus"]["errors"][0]["code"] == "TOO_MANY_REPORTS"


async def test_merge_moves_followers_and_me_too_once(gql: Gql, given_report: Any, db: Any) -> None:
    # given a target with followers {target-reporter, both} and me-too {both}
    target = await given_report(reporter="target-reporter", me_too_count=1, follower_count=2)
    source = await given_report(reporter="source-reporter", me_too_count=2, follower_count=3)
    tid, sid = ObjectId(target), ObjectId(source)
    await db.report_followers.insert_many(
        [
            {"report": tid, "uid": "both"},
            {"report": sid, "uid": "both"},
            {"report": sid, "uid": "only-source"},
        ]
    )
    await db.report_me_too.insert_many(
        [
            {"report": tid, "uid": "both"},
            {"report": sid, "uid": "both"},
            {"report": sid, "uid": "only-source"},
        ]
    )
    # when the source is merged into the target
    body = await gql(MERGE, {"input": {"reportId": source, "intoReportId": target}}, MODERATOR)
    merged = body["data"]["reportMerge"]["report"]
    assert (merged["status"], merged["duplicateOf"]) == ("DUPLICATE", target)
    # and the payload returns the original as it now is (a client cache shows its new counts)
    into = body["data"]["reportMerge"]["into"]
    assert into == {"id": target, "followerCount": 4, "meTooCount": 3}
    # then the target gains source-reporter and only-source, "both" counting once
    after = await gql(
        "query($id: ID!) { report(id: $id) { followerCount meTooCount } }", {"id": target}
    )
    assert after["data"]["report"] == {"followerCount": 4, "meTooCount": 3}
    assert await db.report_followers.count_documents({"report": tid}) == 4
    assert await db.report_me_too.count_documents({"report": tid}) == 3
    # and the source's reporter is told
    told = await db.outbox.find_one({"kind": "report.merged"})
    assert told["recipients"]["uids"] == ["source-reporter"]
    assert told["data"]["target_title"] and told["data"]["report_id"] == source
    assert await db.audit_log.count_documents({"action": "report.merge", "object_id": source}) == 1
    # and a duplicate cannot be merged again
    again = await gql(MERGE, {"input": {"reportId": source, "intoReportId": target}}, MODERATOR)
    assert again["data"]["reportMerge"]["errors"][0]["code"] == "INVALID_MERGE"


async def test_lock_blocks_others_until_it_expires(gql: Gql, given_report: Any, db: Any) -> None:
    report_id = await given_report()
    locked = (await gql(LOCK, {"input": {"reportId": report_id}}, MODERATOR))["data"]["reportLock"]
    assert locked["report"]["lockedBy"]["id"] == "mod-1" and locked["report"]["lockedUntil"]
    # when another moderator acts, then LOCKED; the holder may act
    for query, variables in (
        (LOCK, {"input": {"reportId": report_id}}),
        (SET_STATUS, {"input": {"reportId": report_id, "status": "IN_PROGRESS"}}),
    ):
        body = await gql(query, variables, MODERATOR_2)
        assert next(iter(body["data"].values()))["errors"][0]["code"] == "LOCKED"
    # given the lock expired (written in the past), then the other moderator may take it
    await db.reports.update_one(
        {"_id": ObjectId(report_id)},
        {"$set": {"locked_until": datetime.now(UTC) - timedelta(seconds=1)}},
    )
    seen = await gql(
        "query($id: ID!) { report(id: $id) { lockedBy { id } } }", {"id": report_id}, MODERATOR_2
    )
    assert seen["data"]["report"]["lockedBy"] is None
    taken = (await gql(LOCK, {"input": {"reportId": report_id}}, MODERATOR_2))["data"]["reportLock"]
    assert taken["report"]["lockedBy"]["id"] == "mod-2"


async def test_edit_keeps_the_original(gql: Gql, given_report: Any, db: Any) -> None:
    photo = ObjectId()
    report_id = await given_report(
        description="Ổ gà trước nhà ông Nguyễn Văn A, số 0912345678", photo_ids=[photo]
    )
    body = await gql(
        EDIT,
        {
            "input": {
                "reportId": report_id,
                "description": "Ổ gà trước nhà dân",
                "photoIdsToHide": [str(photo)],
                "reason": "personal data",
            }
        },
        MODERATOR,
    )
    assert body["data"]["reportEdit"]["errors"] == []
    report = (await gql(REPORT, {"id": report_id}, MODERATOR))["data"]["report"]
    assert report["description"] == "Ổ gà trước nhà dân"
    [original] = report["moderationOriginals"]
    assert original["description"].endswith("0912345678") and original["photos"][0]["id"] == str(
        photo
    )
    assert original["editedBy"] == "mod-1"
    entry = await db.audit_log.find_one({"action": "report.edit"})
    assert entry["reason"] == "personal data" and entry["object_type"] == "report"


async def test_hidden_reports_leave_public_queries(gql: Gql, given_report: Any, db: Any) -> None:
    report_id = await given_report()
    assert len((await gql(NEARBY))["data"]["reportsNearby"]["edges"]) == 1
    body = await gql(HIDE, {"input": {"reportId": report_id, "reason": "spam"}}, MODERATOR)
    assert body["data"]["reportHide"]["report"]["hidden"] is True
    # then others find it neither nearby nor by id; staff and the reporter still do
    assert (await gql(NEARBY))["data"]["reportsNearby"]["edges"] == []
    assert (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"] is None
    assert (await gql(REPORT, {"id": report_id}, {"uid": "reporter-1"}))["data"]["report"]
    assert (await gql(REPORT, {"id": report_id}, STAFF_ROADS))["data"]["report"]
    # and unhiding brings it back
    await gql(UNHIDE, {"input": {"reportId": report_id}}, MODERATOR)
    assert len((await gql(NEARBY))["data"]["reportsNearby"]["edges"]) == 1
    actions = [a["action"] for a in await db.audit_log.find().sort("_id", 1).to_list(None)]
    assert actions == ["report.hide", "report.unhide"]


async def test_ban_blocks_creation_and_hides_open_reports(
    gql: Gql, given_report: Any, db: Any
) -> None:
    open_id = await given_report(reporter="spammer")
    closed_id = await given_report(reporter="spammer", status="RESOLVED")
    body = await gql(BAN, {"input": {"userId": "spammer", "reason": "spam"}}, ADMIN)
    assert body["data"]["userBan"] == {"banned": True, "reportsChanged": 1, "errors": []}
    assert (await db.reports.find_one({"_id": ObjectId(open_id)}))["hidden"] is True
    assert (await db.reports.find_one({"_id": ObjectId(closed_id)}))["hidden"] is False
    # when the banned user creates a report, then BANNED
    draft = {
        "categoryId": "pothole",
        "description": "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "location": {"lat": 21.0287, "lng": 105.8524},
        "idempotencyKey": uuid.uuid4().hex,
    }
    created = await gql(CREATE, {"input": draft}, {"uid": "spammer"})
    assert created["data"]["reportCreate"]["errors"][0]["code"] == "BANNED"
    # when unbanned by a moderator, the report is shown again and creating works
    body = await gql(UNBAN, {"input": {"userId": "spammer"}}, MODERATOR)
    assert body["data"]["userUnban"]["reportsChanged"] == 1
    created = await gql(
        CREATE, {"input": {**draft, "idempotencyKey": uuid.uuid4().hex}}, {"uid": "spammer"}
    )
    assert created["data"]["reportCreate"]["errors"] == []
    assert [
        a["action"] for a in await db.audit_log.find({"object_id": "spammer"}).to_list(None)
    ] == [
        "user.ban",
        "user.unban",
    ]
