"""A workflow without traps: triage changes the status only when asked, clients are told the
legal moves (`allowedTransitions`), and the report shows the department it is routed to."""

from __future__ import annotations

from typing import Any

from backend.reports.models import ReportStatus
from tests.moderation.conftest import MODERATOR, RESIDENT, STAFF_ROADS, Gql

PAYLOAD = (
    "report { id status priority slaDueAt resolveDueAt allowedTransitions "
    "department { id name } } errors { field code message }"
)
TRIAGE = f"""mutation T($input: ReportTriageInput!) {{
  reportTriage(input: $input) {{ {PAYLOAD} }} }}"""
SET_STATUS = f"""mutation S($input: ReportSetStatusInput!) {{
  reportSetStatus(input: $input) {{ {PAYLOAD} }} }}"""
REPORT = """query R($id: ID!) { report(id: $id) { id status allowedTransitions
  department { id name } timeline { kind status note } } }"""


async def test_triage_keeps_the_status_unless_asked_to_acknowledge(
    gql: Gql, given_report: Any, db: Any
) -> None:
    # given a new pothole report (so-xay-dung), followed by its reporter
    report_id = await given_report()
    # when staff triage it as URGENT without acknowledging it
    body = await gql(TRIAGE, {"input": {"reportId": report_id, "priority": "URGENT"}}, STAFF_ROADS)
    # then it stays SUBMITTED, on its acknowledgement deadline, with a new resolution deadline
    report = body["data"]["reportTriage"]["report"]
    assert (report["status"], report["priority"]) == ("SUBMITTED", "URGENT")
    assert report["slaDueAt"].startswith("2026-03-02T02:00:00")  # unchanged
    assert report["resolveDueAt"].startswith("2026-03-02T06:00:00")  # 4 working hours
    # and nobody was told: no timeline entry, no push
    assert (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"]["timeline"] == []
    assert await db.outbox.count_documents({"kind": "report.status_changed"}) == 0
    # when a public note comes without acknowledge, then it is refused rather than lost
    lost = await gql(
        TRIAGE, {"input": {"reportId": report_id, "publicNote": "Đã nhận"}}, STAFF_ROADS
    )
    error = lost["data"]["reportTriage"]["errors"][0]
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "publicNote")

    # when they triage it again and acknowledge it with a public note
    note = "Đã chuyển đội duy tu, sẽ xử lý trong ngày"
    acknowledge = {"reportId": report_id, "acknowledge": True, "publicNote": f"  {note} "}
    body = await gql(TRIAGE, {"input": acknowledge}, STAFF_ROADS)
    # then it is ACKNOWLEDGED in the same write, now on its resolution deadline
    report = body["data"]["reportTriage"]["report"]
    assert body["data"]["reportTriage"]["errors"] == []
    assert report["status"] == "ACKNOWLEDGED"
    assert report["slaDueAt"] == report["resolveDueAt"]
    # and the public timeline has the note once, and the followers got one push
    timeline = (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"]["timeline"]
    assert timeline == [{"kind": "STATUS_CHANGED", "status": "ACKNOWLEDGED", "note": note}]
    pushes = await db.outbox.find({"kind": "report.status_changed"}).to_list(None)
    assert len(pushes) == 1
    assert pushes[0]["data"]["status"] == "ACKNOWLEDGED" and pushes[0]["data"]["answered"]
    assert pushes[0]["recipients"]["uids"] == ["reporter-1"]
    # and the audit entry keeps the note and the status change
    entry = await db.audit_log.find_one({"object_id": report_id}, sort=[("_id", -1)])
    assert entry["action"] == "report.triage" and entry["reason"] == note
    assert (entry["before"]["status"], entry["after"]["status"]) == ("SUBMITTED", "ACKNOWLEDGED")

    # when acknowledge is asked again, then a typed error and nothing changes
    again = await gql(TRIAGE, {"input": {"reportId": report_id, "acknowledge": True}}, MODERATOR)
    error = again["data"]["reportTriage"]["errors"][0]
    assert (error["code"], error["field"]) == ("ILLEGAL_TRANSITION", "acknowledge")
    assert error["message"] and "ACKNOWLEDGED" not in error["message"]
    assert await db.outbox.count_documents({"kind": "report.status_changed"}) == 1
    # and the next step of the common flow works
    moved = await gql(
        SET_STATUS, {"input": {"reportId": report_id, "status": "IN_PROGRESS"}}, STAFF_ROADS
    )
    assert moved["data"]["reportSetStatus"]["errors"] == []
    assert moved["data"]["reportSetStatus"]["report"]["status"] == "IN_PROGRESS"


async def test_reopened_reports_can_be_acknowledged_by_triage(gql: Gql, given_report: Any) -> None:
    report_id = await given_report(status="REOPENED", reopen_count=1)
    body = await gql(TRIAGE, {"input": {"reportId": report_id, "acknowledge": True}}, MODERATOR)
    assert body["data"]["reportTriage"]["report"]["status"] == "ACKNOWLEDGED"


async def test_allowed_transitions_are_what_set_status_accepts(gql: Gql, given_report: Any) -> None:
    # a category that needs no photo to resolve, so a public note is all RESOLVED asks for
    given = {"category": "noise", "department": "ubnd-phuong"}
    for current in ("SUBMITTED", "ACKNOWLEDGED", "RESOLVED"):
        # given a report in `current`
        report_id = await given_report(status=current, **given)
        # when a moderator asks which moves are allowed
        report = (await gql(REPORT, {"id": report_id}, MODERATOR))["data"]["report"]
        allowed = report["allowedTransitions"]
        assert current not in allowed
        # then each listed move succeeds on a fresh report, and every other one fails
        for target in ReportStatus:
            fresh = await given_report(status=current, **given)
            change = {"reportId": fresh, "status": target.value, "publicNote": "Đã xử lý"}
            body = (await gql(SET_STATUS, {"input": change}, MODERATOR))["data"]["reportSetStatus"]
            if target.value in allowed:
                assert body["errors"] == [], (current, target, body)
                assert body["report"]["status"] == target.value
            else:
                assert body["errors"][0]["code"] == "ILLEGAL_TRANSITION", (current, target)
    assert allowed == []  # RESOLVED is final for moderators
    # and residents are not shown the moderation moves
    resident = (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"]
    assert resident["allowedTransitions"] is None


async def test_department_shows_where_triage_routed_it(gql: Gql, given_report: Any) -> None:
    # given a pothole report, routed by its category to the Department of Construction
    report_id = await given_report()
    report = (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"]
    assert report["department"] == {"id": "so-xay-dung", "name": "Sở Xây dựng Hà Nội"}
    # when a moderator routes it to the ward's People's Committee
    body = await gql(
        TRIAGE, {"input": {"reportId": report_id, "departmentId": "ubnd-phuong"}}, MODERATOR
    )
    # then the payload and the report (seen by anyone: routing is public) show the new unit
    routed = {"id": "ubnd-phuong", "name": "Ủy ban nhân dân phường, xã"}
    assert body["data"]["reportTriage"]["report"]["department"] == routed
    report = (await gql(REPORT, {"id": report_id}, RESIDENT))["data"]["report"]
    assert report["department"] == routed and report["status"] == "SUBMITTED"
