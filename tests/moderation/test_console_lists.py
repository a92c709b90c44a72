"""Lists a city office works from: the queue by urgency, canned answers per category (kept by
admins), and the people a report can go to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from backend.moderation import repository as moderation_repository
from backend.moderation.models import QueueSort
from backend.reports import repository as report_repository
from backend.reports.models import ReportStatus
from tests.moderation.conftest import ADMIN, MODERATOR, STAFF_ROADS, STAFF_WASTE, Gql

WARD = "ubnd-phuong"
WARD_HK = {"uid": "ward-hk", "role": "staff", "department": WARD, "areas": ["00070"]}
WARD_HK_2 = {"uid": "ward-hk-2", "role": "staff", "department": WARD, "areas": ["00070"]}
WARD_BD = {"uid": "ward-bd", "role": "staff", "department": WARD, "areas": ["00004"]}
WARDS_CITY = {"uid": "wards-city", "role": "staff", "department": WARD}
MON = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

QUEUE = """query Q($sort: ModerationQueueOrder, $first: Int, $after: String) {
  moderationQueue(sort: $sort, first: $first, after: $after) {
    edges { node { id priority slaDueAt } } pageInfo { hasNextPage endCursor } } }"""
CANNED = """query C($category: ID!, $first: Int, $after: String) {
  cannedAnswers(categoryId: $category, first: $first, after: $after) {
    edges { node { id categoryId title text titleVi titleEn textVi textEn } }
    pageInfo { hasNextPage endCursor } } }"""
SET = """mutation S($input: CannedAnswerSetInput!) { cannedAnswerSet(input: $input) {
  cannedAnswer { id title textVi textEn } errors { field code message } } }"""
DELETE = """mutation D($input: CannedAnswerDeleteInput!) { cannedAnswerDelete(input: $input) {
  deletedId errors { code } } }"""
STAFF = """query U($id: ID!, $first: Int, $after: String) {
  unitStaff(reportId: $id, first: $first, after: $after) {
    edges { assignable node { id displayName unitName } } pageInfo { hasNextPage endCursor } } }"""
ANSWER = {
    "categoryId": "pothole",
    "titleVi": "Đã chuyển đội duy tu",
    "titleEn": "Sent to the maintenance crew",
    "textVi": "Cảm ơn bạn. Đội duy tu sẽ vá ổ gà trong 3 ngày làm việc.",
    "textEn": "Thank you. The maintenance crew will fill the pothole within 3 working days.",
}


async def data(gql: Gql, query: str, variables: dict[str, Any], who: Any) -> Any:
    body = await gql(query, variables, who)
    assert "errors" not in body, body
    return body["data"]


async def test_the_queue_by_urgency_puts_urgent_first_then_the_nearest_deadline(
    gql: Gql, given_report: Any
) -> None:
    # given reports of each priority with deadlines out of order
    made = {}
    for name, priority, hours in (
        ("normal late", "NORMAL", 30),
        ("urgent late", "URGENT", 20),
        ("low soon", "LOW", 1),
        ("normal soon", "NORMAL", 2),
        ("urgent soon", "URGENT", 10),
    ):
        due = MON + timedelta(hours=hours)
        made[await given_report(priority=priority, sla_due_at=due)] = name

    # when the department reads the queue by urgency, two at a time
    order, after = [], None
    while True:
        page = (
            await data(
                gql,
                QUEUE,
                {"sort": {"field": "URGENCY"}, "first": 2, "after": after},
                STAFF_ROADS,
            )
        )["moderationQueue"]
        order += [made[edge["node"]["id"]] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then urgent first, then the nearest deadline within a priority
    assert order == ["urgent soon", "urgent late", "normal soon", "normal late", "low soon"]

    # and descending is the exact reverse
    both = await data(gql, QUEUE, {"sort": {"field": "URGENCY", "direction": "DESC"}}, MODERATOR)
    reverse = [made[edge["node"]["id"]] for edge in both["moderationQueue"]["edges"]]
    assert reverse == order[::-1]


async def test_urgency_reads_are_served_by_the_priority_indexes(
    gql: Gql, given_report: Any, db: Any
) -> None:
    # given the app started (indexes ensured) and a report
    report_id = await given_report(priority="URGENT")
    await gql("query { reportCategories { id } }")
    prefixes: list[dict[str, str]] = [
        {},
        {"category": "pothole"},
        {"department": "so-xay-dung"},
        {"area": "00070"},
        {"assignee": "staff-roads"},
    ]
    for prefix in prefixes:
        for position in (None, (MON, ObjectId(report_id))):
            for query in report_repository.queue_queries(
                prefix={**prefix, "priority": "URGENT"},
                statuses=[ReportStatus.SUBMITTED],
                sort=QueueSort.URGENCY,
                descending=False,
                after=position,
            ):
                # when explained, then one of the priority indexes, read without a scan
                command = {"find": "reports", "filter": query.filter, "sort": dict(query.sort)}
                explained = await db.command("explain", command, verbosity="queryPlanner")
                plan = str(explained["queryPlanner"]["winningPlan"])
                assert "IXSCAN" in plan and "COLLSCAN" not in plan, (query, plan)
                assert "priority_sla" in plan, (query, plan)


async def test_admins_keep_canned_answers_that_staff_read_in_their_language(
    gql: Gql, db: Any
) -> None:
    # when an admin writes an answer for potholes
    made = (await data(gql, SET, {"input": ANSWER}, ADMIN))["cannedAnswerSet"]
    assert made["errors"] == []
    answer_id = made["cannedAnswer"]["id"]

    # then the department's staff read it, in Vietnamese by default
    listed = (await data(gql, CANNED, {"category": "pothole"}, STAFF_ROADS))["cannedAnswers"]
    node = listed["edges"][0]["node"]
    assert (node["id"], node["title"], node["text"]) == (
        answer_id,
        ANSWER["titleVi"],
        ANSWER["textVi"],
    )
    assert (node["titleEn"], node["textEn"]) == (ANSWER["titleEn"], ANSWER["textEn"])
    # and other categories have none
    other = await data(gql, CANNED, {"category": "noise"}, WARD_HK)
    assert other["cannedAnswers"]["edges"] == []

    # when the admin edits it, the audit log keeps before and after
    edit = {**ANSWER, "id": answer_id, "textEn": "Fixed within a week."}
    edited = (await data(gql, SET, {"input": edit}, ADMIN))["cannedAnswerSet"]
    assert edited["cannedAnswer"]["textEn"] == "Fixed within a week."
    entries = await db.audit_log.find({"object_id": answer_id}).sort("at", 1).to_list(None)
    assert [e["action"] for e in entries] == ["canned_answer.set", "canned_answer.set"]
    assert entries[1]["before"]["text"]["en"] == ANSWER["textEn"]
    assert entries[1]["after"]["text"]["en"] == "Fixed within a week."

    # when a second one is added, the list pages in the order they were written
    second = {**ANSWER, "titleVi": "Không thuộc thẩm quyền", "titleEn": "Not ours"}
    second_id = (await data(gql, SET, {"input": second}, ADMIN))["cannedAnswerSet"]["cannedAnswer"][
        "id"
    ]
    first_page = (await data(gql, CANNED, {"category": "pothole", "first": 1}, MODERATOR))[
        "cannedAnswers"
    ]
    assert [e["node"]["id"] for e in first_page["edges"]] == [answer_id]
    after = first_page["pageInfo"]["endCursor"]
    rest = await data(gql, CANNED, {"category": "pothole", "after": after}, MODERATOR)
    assert [e["node"]["id"] for e in rest["cannedAnswers"]["edges"]] == [second_id]

    # when the admin deletes the first, it is gone and the deletion is audited
    deleted = (await data(gql, DELETE, {"input": {"id": answer_id}}, ADMIN))["cannedAnswerDelete"]
    assert deleted == {"deletedId": answer_id, "errors": []}
    left = await data(gql, CANNED, {"category": "pothole"}, STAFF_ROADS)
    assert [e["node"]["id"] for e in left["cannedAnswers"]["edges"]] == [second_id]
    assert await db.audit_log.count_documents({"action": "canned_answer.delete"}) == 1
    again = (await data(gql, DELETE, {"input": {"id": answer_id}}, ADMIN))["cannedAnswerDelete"]
    assert again["errors"] == [{"code": "NOT_FOUND"}]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"categoryId": "no-such"}, "categoryId", "UNKNOWN_CATEGORY"),
        ({"textEn": "   "}, "textEn", "INVALID_INPUT"),
        ({"titleVi": "x" * 121}, "titleVi", "INVALID_INPUT"),
        ({"id": "0123456789abcdef01234567"}, "id", "NOT_FOUND"),
    ],
)
async def test_a_canned_answer_needs_a_category_and_both_languages(
    gql: Gql, db: Any, change: dict[str, str], field: str, code: str
) -> None:
    # when an admin sends a bad answer, then a typed error, in the viewer's language
    refused = (await data(gql, SET, {"input": {**ANSWER, **change}}, ADMIN))["cannedAnswerSet"]
    assert refused["cannedAnswer"] is None
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [(field, code)]
    assert refused["errors"][0]["message"]
    # and nothing is written or audited
    assert await db.canned_answers.count_documents({}) == 0
    assert await db.audit_log.count_documents({}) == 0


async def test_unit_staff_lists_the_units_staff_then_the_moderators(
    gql: Gql, given_report: Any, db: Any
) -> None:
    # given the staff directory and a ward report in Hoàn Kiếm
    for who in (WARD_HK, WARD_HK_2, WARD_BD, WARDS_CITY, STAFF_ROADS, MODERATOR):
        await moderation_repository.set_staff_member(
            db,
            uid=who["uid"],
            role=who["role"],
            department=who.get("department"),
            areas=who.get("areas", []),
            lead=False,
            email=None,
            now=MON,
        )
    report = await given_report(category="noise", department=WARD)

    # when Hoàn Kiếm's office lists who can take it, a page at a time
    people, after = [], None
    while True:
        page = (await data(gql, STAFF, {"id": report, "first": 2, "after": after}, WARD_HK))[
            "unitStaff"
        ]
        people += [(e["node"]["id"], e["assignable"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then the city-wide office, Hoàn Kiếm's own staff, then the moderators
    assert people == [
        ("wards-city", True),
        ("ward-hk", True),
        ("ward-hk-2", True),
        ("mod-1", False),
    ]
    # and staff of another unit get nothing, as for a report that does not exist
    for other in (WARD_BD, STAFF_WASTE):
        assert (await data(gql, STAFF, {"id": report}, other))["unitStaff"] is None
    missing = await data(gql, STAFF, {"id": "0123456789abcdef01234567"}, MODERATOR)
    assert missing["unitStaff"] is None

    # and the directory reads are index-served
    for query in ({"units": "ubnd-phuong:00070", "_id": {"$gt": "a"}}, {"role": "moderator"}):
        command = {"find": "staff_members", "filter": query, "sort": {"_id": 1}}
        explained = await db.command("explain", command, verbosity="queryPlanner")
        plan = str(explained["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "COLLSCAN" not in plan, (query, plan)
