"""reportAssign and the queue's assignee filter: to a staff member of the report's unit only,
audited, and the assignee is told."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from backend.moderation import repository as moderation_repository
from backend.moderation.models import QueueSort
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc, ReportStatus
from tests.moderation.conftest import MODERATOR, STAFF_ROADS, STAFF_WASTE, Gql

ROADS_2 = {"uid": "staff-roads-2", "role": "staff", "department": "so-xay-dung"}
WARD_HK = {"uid": "ward-hk", "role": "staff", "department": "ubnd-phuong", "areas": ["00070"]}
WARD_BD = {"uid": "ward-bd", "role": "staff", "department": "ubnd-phuong", "areas": ["00004"]}

ASSIGN = """mutation A($input: ReportAssignInput!) { reportAssign(input: $input) {
  report { id assignee { id displayName } assignedAt } errors { field code message } } }"""
QUEUE = """query Q($filter: ModerationQueueFilter) { moderationQueue(filter: $filter) {
  edges { node { id assignee { id } } } } }"""


@pytest.fixture
async def directory(db: Any) -> None:
    """The staff directory as `users grant` leaves it."""
    for who in (STAFF_ROADS, ROADS_2, STAFF_WASTE, WARD_HK, WARD_BD):
        await moderation_repository.set_staff_member(
            db,
            uid=who["uid"],
            role="staff",
            department=who["department"],
            areas=who.get("areas", []),
            lead=False,
            email=None,
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )


async def assign(gql: Gql, report_id: str, assignee: str | None, who: dict[str, Any]) -> Any:
    body = await gql(ASSIGN, {"input": {"reportId": report_id, "assigneeId": assignee}}, who)
    assert "errors" not in body, body
    return body["data"]["reportAssign"]


async def queue(gql: Gql, assignee: str, who: dict[str, Any]) -> list[str]:
    body = await gql(QUEUE, {"filter": {"assignee": assignee}}, who)
    assert "errors" not in body, body
    return [edge["node"]["id"] for edge in body["data"]["moderationQueue"]["edges"]]


async def test_assign_to_unit_staff_audits_and_tells_them(
    gql: Gql, given_report: Any, db: Any, directory: None
) -> None:
    # given a pothole (Department of Construction)
    report_id = await given_report()

    # when a moderator assigns it to a staff member of that department
    done = await assign(gql, report_id, STAFF_ROADS["uid"], MODERATOR)

    # then the report shows its assignee, the audit log has it, and the assignee is told
    assert done["errors"] == []
    assert done["report"]["assignee"] == {"id": "staff-roads", "displayName": None}
    assert done["report"]["assignedAt"]
    entry = await db.audit_log.find_one({"action": "report.assign"})
    assert (entry["before"], entry["after"]) == ({"assignee": None}, {"assignee": "staff-roads"})
    notices = await db.staff_notices.find({"kind": "assigned"}).to_list(None)
    assert [(n["uid"], n["state"]) for n in notices] == [("staff-roads", "pending")]

    # when the same assignment is asked again, nothing changes and nobody is told twice
    await assign(gql, report_id, STAFF_ROADS["uid"], MODERATOR)
    assert await db.audit_log.count_documents({"action": "report.assign"}) == 1

    # when a colleague takes it for themself, they are not told about their own act
    taken = await assign(gql, report_id, ROADS_2["uid"], ROADS_2)
    assert taken["report"]["assignee"]["id"] == "staff-roads-2"
    assert await db.staff_notices.count_documents({"kind": "assigned"}) == 1

    # and unassigning (null) leaves it to nobody
    cleared = await assign(gql, report_id, None, MODERATOR)
    assert cleared["report"]["assignee"] is None and cleared["report"]["assignedAt"] is None
    assert await db.audit_log.count_documents({"action": "report.assign"}) == 3


async def test_assignee_must_work_for_the_reports_unit(
    gql: Gql, given_report: Any, directory: None
) -> None:
    pothole = await given_report()
    noise = await given_report(category="noise", department="ubnd-phuong", area="00070")
    closed = await given_report(status="RESOLVED")

    for report_id, assignee in (
        (pothole, STAFF_WASTE["uid"]),  # another department
        (pothole, "nobody"),  # not in the directory
        (pothole, MODERATOR["uid"]),  # a moderator, not staff of the unit
        (noise, WARD_BD["uid"]),  # the ward committee, but of another ward
    ):
        done = await assign(gql, report_id, assignee, MODERATOR)
        assert done["report"] is None
        [error] = done["errors"]
        assert (error["code"], error["field"]) == ("NOT_IN_UNIT", "assigneeId"), assignee

    # the ward's own office can be given its ward's report
    assert (await assign(gql, noise, WARD_HK["uid"], MODERATOR))["report"]["assignee"]
    # a closed report is assigned to nobody
    done = await assign(gql, closed, STAFF_ROADS["uid"], MODERATOR)
    assert done["errors"][0]["code"] == "ILLEGAL_TRANSITION"
    # and staff cannot assign another unit's report
    done = await assign(gql, pothole, STAFF_WASTE["uid"], STAFF_WASTE)
    assert done["errors"][0]["code"] == "FORBIDDEN"


async def test_queue_filters_by_assignee(gql: Gql, given_report: Any, directory: None) -> None:
    # given three potholes: one for staff-roads, one for their colleague, one for nobody
    mine = await given_report()
    theirs = await given_report()
    nobodys = await given_report()
    await assign(gql, mine, STAFF_ROADS["uid"], MODERATOR)
    await assign(gql, theirs, ROADS_2["uid"], MODERATOR)

    # then ME, NONE and an id each give their reports
    assert await queue(gql, "ME", STAFF_ROADS) == [mine]
    assert await queue(gql, "NONE", STAFF_ROADS) == [nobodys]
    assert await queue(gql, ROADS_2["uid"], MODERATOR) == [theirs]
    # and staff of another department see none of them, whatever the filter
    assert await queue(gql, STAFF_ROADS["uid"], STAFF_WASTE) == []


async def test_assignee_queue_and_directory_reads_use_indexes(
    gql: Gql, given_report: Any, db: Any, directory: None
) -> None:
    # given the app started (indexes ensured) and an assigned report
    report_id = await given_report()
    await assign(gql, report_id, STAFF_ROADS["uid"], MODERATOR)
    sample = ReportDoc.from_mongo(await db.reports.find_one())
    finds = [
        {"filter": query.filter, "sort": dict(query.sort)}
        for sort in QueueSort
        for after in (None, (report_repository.sort_value(sample, sort), sample.id))
        for query in report_repository.queue_queries(
            prefix={"assignee": "staff-roads"},
            statuses=[ReportStatus.SUBMITTED],
            sort=sort,
            descending=False,
            after=after,
        )
    ]
    # the staff directory: a unit's staff, and the moderators
    finds.append({"filter": {"units": {"$in": ["so-xay-dung", "so-xay-dung:00070"]}}})
    finds.append({"filter": {"role": "moderator"}})
    for find in finds:
        collection = "staff_members" if "sort" not in find else "reports"
        command = {"find": collection, **find}
        explained = await db.command("explain", command, verbosity="queryPlanner")
        plan = str(explained["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "COLLSCAN" not in plan, (find, plan)
