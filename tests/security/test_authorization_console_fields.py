"""Who may read what a city office's console shows: the authorization matrix of the report's
staff fields, the people around it, duplicates, canned answers and the unit's staff.

One ward-committee report (noise) in Hoàn Kiếm per call, locked by Hoàn Kiếm's office, with an
open neighbour of its category, a report merged into it and an audit entry. Ward offices see a
ward's staff fields for their own ward only; staff of another unit see the report as the public
does; canned answers are the city's wording, read by every staff member and kept by admins.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bson import ObjectId

from backend.audit import AuditEntryDoc
from tests.conftest import SeedTemplates
from tests.moderation.conftest import LAKE, report_doc
from tests.security.ward_matrix import (
    BA_DINH,
    DENIED,
    HOAN_KIEM,
    NONE,
    OK,
    WARD,
    Actor,
    Judge,
    MatrixWorld,
    Probe,
    mismatches,
    seed_ward_world,
)

ACTORS = (
    Actor("anonymous"),
    Actor("resident", "resident-b"),
    Actor("ward", "ward-hk", {"role": "staff", "department": WARD, "areas": [HOAN_KIEM]}),
    Actor("other ward", "ward-bd", {"role": "staff", "department": WARD, "areas": [BA_DINH]}),
    Actor("city wards", "wards-city", {"role": "staff", "department": WARD}),
    Actor("other dept", "staff-waste", {"role": "staff", "department": "urenco"}),
    Actor("moderator", "mod-1", {"role": "moderator"}),
    Actor("admin", "admin-1", {"role": "admin"}),
)

# fmt: off
TABLE: dict[str, tuple[str, ...]] = {
    #                               anon    resident ward other ward city other dept mod admin
    # The report's staff fields: as the public sees them outside its unit.
    "report.reporter":             (NONE,   NONE,   OK,  NONE,      OK,  NONE,      OK,  OK),
    "report.exactLocation":        (NONE,   NONE,   OK,  NONE,      OK,  NONE,      OK,  OK),
    "report.lockedBy":             (NONE,   NONE,   OK,  NONE,      OK,  NONE,      OK,  OK),
    "report.hidden":               (NONE,   NONE,   OK,  NONE,      OK,  NONE,      OK,  OK),
    "report.suspectedDuplicateCount": (NONE, NONE,  OK,  NONE,      OK,  NONE,      OK,  OK),
    # Merged duplicates are public (the duplicate says so itself).
    "report.mergedDuplicates":     (OK,     OK,     OK,  OK,        OK,  OK,        OK,  OK),
    # The audit log is the unit's; who acted comes with their name.
    "auditLog.actorDetails":       (DENIED, DENIED, OK,  DENIED,    OK,  DENIED,    OK,  OK),
    "unitStaff":                   (DENIED, DENIED, OK,  NONE,      OK,  NONE,      OK,  OK),
    "cannedAnswers":               (DENIED, DENIED, OK,  OK,        OK,  OK,        OK,  OK),
    "cannedAnswerSet":             (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, OK),
    "cannedAnswerDelete":          (DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED, OK),
}
# fmt: on


class World(MatrixWorld):
    async def report(self, **changes: Any) -> str:
        """A fresh noise report in Hoàn Kiếm locked by its office, an open neighbour, a report
        merged into it, and an audit entry by the moderator."""
        until = datetime.now(UTC) + timedelta(minutes=10)
        doc = report_doc(
            category="noise",
            department=WARD,
            area=HOAN_KIEM,
            address="12 Hàng Bạc",
            locked_by="ward-hk",
            locked_until=until,
            **changes,
        )
        near = report_doc(category="noise", department=WARD, area=HOAN_KIEM)
        merged = report_doc(
            category="noise",
            department=WARD,
            area=HOAN_KIEM,
            status="DUPLICATE",
            duplicate_of=doc["_id"],
            location={"type": "Point", "coordinates": list(LAKE)},
        )
        await self.db.reports.insert_many([doc, near, merged])
        entry = AuditEntryDoc.new(
            actor="mod-1",
            action="report.triage",
            object_type="report",
            object_id=str(doc["_id"]),
            reason=None,
            before=None,
            after=None,
            at=datetime.now(UTC),
        )
        await self.db.audit_log.insert_one(entry.to_mongo())
        return str(doc["_id"])

    async def answer(self) -> str:
        """A canned answer for noise complaints."""
        answer_id = ObjectId()
        await self.db.canned_answers.insert_one(
            {
                "_id": answer_id,
                "category": "noise",
                "title": {"vi": "Đã nhắc nhở", "en": "Warned"},
                "text": {"vi": "Phường đã nhắc nhở hộ gây ồn.", "en": "The ward warned them."},
                "updated_by": "admin-1",
                "updated_at": datetime.now(UTC),
            }
        )
        return str(answer_id)


Variables = Callable[[World], Awaitable[tuple[dict[str, Any], str]]]


async def report_id(w: World) -> tuple[dict[str, Any], str]:
    report = await w.report()
    return {"id": report}, report


async def hidden_report(w: World) -> tuple[dict[str, Any], str]:
    report = await w.report(hidden=True)
    return {"id": report}, report


async def object_id(w: World) -> tuple[dict[str, Any], str]:
    report = await w.report()
    return {"objectId": report}, report


async def answer_input(w: World) -> tuple[dict[str, Any], str]:
    answer = await w.answer()
    return {"input": {"id": answer}}, answer


async def new_answer(w: World) -> tuple[dict[str, Any], str]:
    value = {"categoryId": "noise", "titleVi": "Tiêu đề", "titleEn": "Title"}
    return {"input": {**value, "textVi": "Nội dung", "textEn": "Text"}}, ""


async def category(w: World) -> tuple[dict[str, Any], str]:
    return {}, await w.answer()


def field_of(name: str) -> Judge:
    return lambda value, _: OK if value[name] is not None else NONE


def exact(value: Any, _: str) -> str:
    return NONE if value["locationIsApproximate"] else OK


def listed(value: Any, wanted: str) -> str:
    return OK if wanted in [edge["node"]["id"] for edge in value["edges"]] else NONE


def merged(value: Any, _: str) -> str:
    return OK if value["mergedDuplicates"]["edges"] else NONE


def named(value: Any, _: str) -> str:
    details = [edge["node"]["actorDetails"] for edge in value["edges"]]
    return OK if details and details[0]["unitName"] == "Kiểm duyệt viên" else NONE


def staff_list(value: Any, _: str) -> str:
    return OK if "ward-hk" in [edge["node"]["id"] for edge in value["edges"]] else NONE


def payload(key: str) -> Judge:
    def judge(value: Any, _: str) -> str:
        if value["errors"]:
            return "errors: " + ",".join(error["code"] for error in value["errors"])
        return OK if value[key] else NONE

    return judge


def report_query(fields: str) -> str:
    return "query($id: ID!) { report(id: $id) { " + fields + " } }"


PROBES: dict[str, Probe] = {
    "report.reporter": ("report", report_query("reporter { id }"), report_id, field_of("reporter")),
    "report.exactLocation": (
        "report",
        report_query("locationIsApproximate"),
        report_id,
        exact,
    ),
    "report.lockedBy": ("report", report_query("lockedBy { id }"), report_id, field_of("lockedBy")),
    "report.hidden": ("report", report_query("id"), hidden_report, field_of("id")),
    "report.suspectedDuplicateCount": (
        "report",
        report_query("suspectedDuplicateCount"),
        report_id,
        field_of("suspectedDuplicateCount"),
    ),
    "report.mergedDuplicates": (
        "report",
        report_query("mergedDuplicates { edges { node { id } } }"),
        report_id,
        merged,
    ),
    "auditLog.actorDetails": (
        "auditLog",
        "query($objectId: ID!) { auditLog(objectId: $objectId) { edges { node { "
        "actorDetails { id unitName } } } } }",
        object_id,
        named,
    ),
    "unitStaff": (
        "unitStaff",
        "query($id: ID!) { unitStaff(reportId: $id) { edges { node { id } } } }",
        report_id,
        staff_list,
    ),
    "cannedAnswers": (
        "cannedAnswers",
        'query { cannedAnswers(categoryId: "noise") { edges { node { id } } } }',
        category,
        listed,
    ),
    "cannedAnswerSet": (
        "cannedAnswerSet",
        "mutation($input: CannedAnswerSetInput!) { cannedAnswerSet(input: $input) { "
        "cannedAnswer { id } errors { code } } }",
        new_answer,
        payload("cannedAnswer"),
    ),
    "cannedAnswerDelete": (
        "cannedAnswerDelete",
        "mutation($input: CannedAnswerDeleteInput!) { cannedAnswerDelete(input: $input) { "
        "deletedId errors { code } } }",
        answer_input,
        payload("deletedId"),
    ),
}


@pytest.fixture
async def world(
    client: httpx.AsyncClient,
    db_client: Any,
    settings: Any,
    make_token: Callable[..., str],
    seed_templates: SeedTemplates,
) -> World:
    db = db_client[settings.mongodb_db]
    staff = [
        ("ward-hk", "staff", WARD, [HOAN_KIEM]),
        ("ward-bd", "staff", WARD, [BA_DINH]),
        ("mod-1", "moderator", None, []),
    ]
    await seed_ward_world(db, seed_templates, staff)
    return World(client, db, make_token)


def test_every_row_has_a_probe() -> None:
    assert set(TABLE) == set(PROBES)
    assert all(len(row) == len(ACTORS) for row in TABLE.values())


async def test_console_fields_answer_each_viewer_as_the_table_says(world: World) -> None:
    wrong = await mismatches(world, TABLE, PROBES, ACTORS)
    assert not wrong, "\n".join(wrong)
