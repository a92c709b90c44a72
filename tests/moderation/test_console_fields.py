"""What the console shows a city office about a report: the report as the public sees it for
staff of another unit, people with their names and units, suspected and merged duplicates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from backend.moderation import repository as moderation_repository
from backend.reports import repository as report_repository
from backend.reports.models import ReportDoc
from tests.moderation.conftest import (
    MODERATOR,
    RESIDENT,
    STAFF_ROADS,
    STAFF_WASTE,
    Gql,
    report_doc,
)

WARD = "ubnd-phuong"
WARD_HK = {"uid": "ward-hk", "role": "staff", "department": WARD, "areas": ["00070"]}
WARD_HK_2 = {"uid": "ward-hk-2", "role": "staff", "department": WARD, "areas": ["00070"]}
WARD_BD = {"uid": "ward-bd", "role": "staff", "department": WARD, "areas": ["00004"]}
NEAR_LAKE = [105.8526, 21.0288]  # about 25 m from the lake's point
FAR = [105.8000, 21.0000]

REPORT = """query R($id: ID!) { report(id: $id) { id reporter { id } address
  location { lat lng } locationIsApproximate rating { stars } internalTimeline { kind }
  lockedBy { id } lockedUntil suspectedDuplicateCount } }"""
LOCK = """mutation L($input: ReportLockInput!) { reportLock(input: $input) {
  report { id } errors { code } } }"""
ASSIGN = """mutation A($input: ReportAssignInput!) { reportAssign(input: $input) {
  report { id } errors { code } } }"""
RENAME = """mutation N($input: ViewerUpdateInput!) { viewerUpdate(input: $input) {
  errors { code } } }"""
PERSON = "id displayName role unitName department { id } areas { code }"
PEOPLE = f"""query P($id: ID!) {{
  report(id: $id) {{ lockedBy {{ {PERSON} }} assignee {{ {PERSON} }} }}
  auditLog(objectId: $id) {{ edges {{ node {{ action actor actorDetails {{ {PERSON} }} }} }} }}
}}"""
MERGE = """mutation M($input: ReportMergeInput!) { reportMerge(input: $input) {
  errors { code } } }"""
MERGED = """query D($id: ID!, $first: Int, $after: String) { report(id: $id) {
  mergedDuplicates(first: $first, after: $after) {
    edges { node { id status duplicateOf } } pageInfo { hasNextPage endCursor } } } }"""


@pytest.fixture
async def directory(db: Any) -> None:
    """The staff directory as `users grant` leaves it."""
    for who in (STAFF_ROADS, STAFF_WASTE, WARD_HK, WARD_HK_2, WARD_BD, MODERATOR):
        await moderation_repository.set_staff_member(
            db,
            uid=who["uid"],
            role=who["role"],
            department=who.get("department"),
            areas=who.get("areas", []),
            lead=False,
            email=None,
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )


async def read(gql: Gql, query: str, variables: dict[str, Any], who: Any) -> Any:
    body = await gql(query, variables, who)
    assert "errors" not in body, body
    return body["data"]


async def test_staff_of_another_unit_see_a_ward_report_as_the_public_does(
    gql: Gql, given_report: Any
) -> None:
    # given a noise complaint (private category, the ward committee) in Hoàn Kiếm, rated,
    # locked by Hoàn Kiếm's office, and a hidden one there
    rating = {"stars": 2, "comment": None, "at": datetime(2026, 3, 3, tzinfo=UTC)}
    noise = await given_report(
        category="noise", department=WARD, address="12 Hàng Bạc", rating=rating
    )
    hidden = await given_report(category="noise", department=WARD, hidden=True)
    locked = await read(gql, LOCK, {"input": {"reportId": noise}}, WARD_HK)
    assert locked["reportLock"]["errors"] == []

    # when Hoàn Kiếm's office reads it, they see the reporter, the place and the lock
    mine = (await read(gql, REPORT, {"id": noise}, WARD_HK))["report"]
    assert mine["reporter"] == {"id": "reporter-1"}
    assert (mine["address"], mine["locationIsApproximate"]) == ("12 Hàng Bạc", False)
    assert mine["rating"] == {"stars": 2}
    assert mine["lockedBy"] == {"id": "ward-hk"} and mine["lockedUntil"]
    assert mine["internalTimeline"] is not None and mine["suspectedDuplicateCount"] == 0

    # when Ba Đình's office or another department reads it, they get the public's view
    for other in (WARD_BD, STAFF_WASTE):
        seen = (await read(gql, REPORT, {"id": noise}, other))["report"]
        public = (await read(gql, REPORT, {"id": noise}, RESIDENT))["report"]
        assert seen == public, other["uid"]
        assert seen["reporter"] is None and seen["address"] is None and seen["rating"] is None
        assert seen["locationIsApproximate"] is True
        assert seen["location"] == {"lat": 21.029, "lng": 105.852}
        assert seen["lockedBy"] is None and seen["lockedUntil"] is None
        assert seen["internalTimeline"] is None and seen["suspectedDuplicateCount"] is None
        # and the hidden one does not exist for them, as for the public
        assert (await read(gql, REPORT, {"id": hidden}, other))["report"] is None

    # while a moderator and a city-wide office over the wards see the hidden one
    for who in (MODERATOR, {"uid": "wards-city", "role": "staff", "department": WARD}):
        assert (await read(gql, REPORT, {"id": hidden}, who))["report"]["id"] == hidden


async def test_lock_holder_assignee_and_audit_actor_come_with_name_and_unit(
    gql: Gql, given_report: Any, directory: None
) -> None:
    # given named people: two of Hoàn Kiếm's office and a moderator
    for who, name in ((WARD_HK, "Nguyễn Thị Lan"), (WARD_HK_2, "Trần Văn Minh")):
        assert (await read(gql, RENAME, {"input": {"displayName": name}}, who))["viewerUpdate"][
            "errors"
        ] == []
    report = await given_report(category="noise", department=WARD)

    # when the moderator assigns it to Minh and Lan locks it
    assigned = await read(
        gql, ASSIGN, {"input": {"reportId": report, "assigneeId": "ward-hk-2"}}, MODERATOR
    )
    assert assigned["reportAssign"]["errors"] == []
    assert (await read(gql, LOCK, {"input": {"reportId": report}}, WARD_HK))["reportLock"][
        "errors"
    ] == []

    # then the console shows names and units
    seen = await read(gql, PEOPLE, {"id": report}, WARD_HK)
    lan = {
        "id": "ward-hk",
        "displayName": "Nguyễn Thị Lan",
        "role": "staff",
        "unitName": "Ủy ban nhân dân phường, xã · Phường Hoàn Kiếm",
        "department": {"id": WARD},
        "areas": [{"code": "00070"}],
    }
    assert seen["report"]["lockedBy"] == lan
    assert seen["report"]["assignee"]["displayName"] == "Trần Văn Minh"
    assert seen["report"]["assignee"]["unitName"] == lan["unitName"]
    # and the audit log: the bare id stays in `actor` for older clients
    entry = next(
        edge["node"]
        for edge in seen["auditLog"]["edges"]
        if edge["node"]["action"] == "report.assign"
    )
    assert entry["actor"] == "mod-1"
    assert entry["actorDetails"] == {
        "id": "mod-1",
        "displayName": None,
        "role": "moderator",
        "unitName": "Kiểm duyệt viên",
        "department": None,
        "areas": [],
    }


async def test_suspected_duplicates_count_open_reports_of_the_category_nearby(
    gql: Gql, db: Any
) -> None:
    # given a pothole at the lake, two open ones next to it, and some that do not count:
    # a resolved one, a hidden one, another category, one far away (stored as reportCreate
    # stores them, with their grid cells: read through the location_cells index)
    async def given_report(**changes: Any) -> str:
        doc = ReportDoc.from_mongo(report_doc(**changes)).to_mongo()
        await db.reports.insert_one(doc)
        return str(doc["_id"])

    report = await given_report()
    for changes in (
        {"location": {"type": "Point", "coordinates": NEAR_LAKE}},
        {"location": {"type": "Point", "coordinates": NEAR_LAKE}, "status": "ACKNOWLEDGED"},
        {"location": {"type": "Point", "coordinates": NEAR_LAKE}, "status": "RESOLVED"},
        {"location": {"type": "Point", "coordinates": NEAR_LAKE}, "hidden": True},
        {"category": "noise", "department": WARD},
        {"location": {"type": "Point", "coordinates": FAR}},
    ):
        await given_report(**changes)

    # when the department's staff read it, the two open neighbours count
    seen = (await read(gql, REPORT, {"id": report}, STAFF_ROADS))["report"]
    assert seen["suspectedDuplicateCount"] == 2

    # and everyone else gets null
    for who in (None, RESIDENT, STAFF_WASTE):
        assert (await read(gql, REPORT, {"id": report}, who))["report"][
            "suspectedDuplicateCount"
        ] is None

    # and the count stops at 10 however many there are
    for _ in range(12):
        await given_report(location={"type": "Point", "coordinates": NEAR_LAKE})
    seen = (await read(gql, REPORT, {"id": report}, MODERATOR))["report"]
    assert seen["suspectedDuplicateCount"] == 10
    assert await db.reports.count_documents({"location_cells": None}) == 0


async def test_merged_duplicates_are_listed_on_the_original_page_by_page(
    gql: Gql, given_report: Any, db: Any
) -> None:
    # given an original pothole and three reports of it, one hidden (spam)
    original = await given_report()
    copies = [await given_report(location={"type": "Point", "coordinates": NEAR_LAKE})]
    copies.append(await given_report(location={"type": "Point", "coordinates": NEAR_LAKE}))
    spam = await given_report(hidden=True)

    # when a moderator merges them into the original
    for duplicate in [*copies, spam]:
        merged = await read(
            gql, MERGE, {"input": {"reportId": duplicate, "intoReportId": original}}, MODERATOR
        )
        assert merged["reportMerge"]["errors"] == [], duplicate

    # then the original lists them, oldest first, page by page
    first = await read(gql, MERGED, {"id": original, "first": 1}, STAFF_ROADS)
    page = first["report"]["mergedDuplicates"]
    assert [edge["node"]["id"] for edge in page["edges"]] == copies[:1]
    assert page["edges"][0]["node"] == {
        "id": copies[0],
        "status": "DUPLICATE",
        "duplicateOf": original,
    }
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = await read(gql, MERGED, {"id": original, "first": 5, "after": after}, STAFF_ROADS)
    assert [e["node"]["id"] for e in rest["report"]["mergedDuplicates"]["edges"]] == [
        copies[1],
        spam,
    ]

    # and the public sees the merged reports but not the hidden one
    public = await read(gql, MERGED, {"id": original}, RESIDENT)
    assert [e["node"]["id"] for e in public["report"]["mergedDuplicates"]["edges"]] == copies

    # and the list is read from the duplicate_of index, no other report examined
    explain = (
        await db.reports.find(report_repository.merged_query(ObjectId(original), None))
        .sort([("duplicate_of", 1), ("_id", 1)])
        .explain()
    )
    assert report_repository.MERGED_INDEX in str(explain["queryPlanner"]["winningPlan"])
    assert explain["executionStats"]["totalDocsExamined"] == 3
