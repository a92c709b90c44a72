"""Who may act on a ward's report: the authorization matrix of routing and assignment.

One report of the ward committee (noise) in Hoàn Kiếm, assigned to Hoàn Kiếm's office. Each row
is a field a city office uses, called as each kind of viewer: ward offices see and act on their
own ward only, a city office over the ward committees (the department without areas) on every
ward, another department on none, moderators on all. Rows of fields whose root entries are in
tests/security/test_authorization.py (reportAssign) are here for the ward-level viewers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.conftest import SeedTemplates
from tests.moderation.conftest import report_doc
from tests.security.ward_matrix import (
    BA_DINH,
    DENIED,
    HOAN_KIEM,
    NONE,
    OK,
    P_DENIED,
    WARD,
    Actor,
    MatrixWorld,
    Probe,
    mismatches,
    seed_ward_world,
)

P_UNIT = "errors: NOT_IN_UNIT"


ACTORS = (
    Actor("anonymous"),
    Actor("resident", "resident-b"),
    Actor("ward", "ward-hk", {"role": "staff", "department": WARD, "areas": [HOAN_KIEM]}),
    Actor(
        "ward lead",
        "ward-hk-lead",
        {"role": "staff", "department": WARD, "areas": [HOAN_KIEM], "lead": True},
    ),
    Actor("other ward", "ward-bd", {"role": "staff", "department": WARD, "areas": [BA_DINH]}),
    Actor("city wards", "wards-city", {"role": "staff", "department": WARD}),
    Actor("other dept", "staff-waste", {"role": "staff", "department": "urenco"}),
    Actor("moderator", "mod-1", {"role": "moderator"}),
)

# fmt: off
TABLE: dict[str, tuple[str, ...]] = {
    #                       anon    resident ward  lead  other ward city  other dept moderator
    "moderationQueue":     (DENIED, DENIED, OK,   OK,   NONE,      OK,   NONE,     OK),
    "report.assignee":     (NONE,   NONE,   OK,   OK,   NONE,      OK,   NONE,     OK),
    "auditLog":            (DENIED, DENIED, OK,   OK,   DENIED,    OK,   DENIED,   OK),
    "reportStats":         (DENIED, DENIED, OK,   OK,   NONE,      OK,   NONE,     OK),
    "reportSetStatus":     (DENIED, DENIED, OK,   OK,   P_DENIED,  OK,   P_DENIED, OK),
    "reportTriage":        (DENIED, DENIED, OK,   OK,   P_DENIED,  OK,   P_DENIED, OK),
    "reportHide":          (DENIED, DENIED, OK,   OK,   P_DENIED,  OK,   P_DENIED, OK),
    # To a colleague of Hoàn Kiếm's office: allowed to those who act on the report.
    "reportAssign":        (DENIED, DENIED, OK,   OK,   P_DENIED,  OK,   P_DENIED, OK),
    # To Ba Đình's office: never, whoever asks (not the report's unit).
    "reportAssign.other":  (DENIED, DENIED, P_UNIT, P_UNIT, P_DENIED, P_UNIT, P_DENIED, P_UNIT),
}
# fmt: on


class World(MatrixWorld):
    async def report(self) -> str:
        """A fresh noise report in Hoàn Kiếm, assigned to Hoàn Kiếm's office."""
        doc = report_doc(
            category="noise",
            department=WARD,
            area=HOAN_KIEM,
            assignee="ward-hk",
            assigned_at=datetime(2026, 3, 2, tzinfo=UTC),
        )
        await self.db.reports.insert_one(doc)
        return str(doc["_id"])


# A probe's variables and the id of the fresh report it asks about.
Variables = Callable[[World], Awaitable[tuple[dict[str, Any], str]]]


def report_input(**extra: Any) -> Variables:
    async def make(w: World) -> tuple[dict[str, Any], str]:
        report = await w.report()
        return {"input": {"reportId": report, **extra}}, report

    return make


async def report_id(w: World) -> tuple[dict[str, Any], str]:
    report = await w.report()
    return {"id": report}, report


async def only_report(w: World) -> tuple[dict[str, Any], str]:
    return {}, await w.report()


def payload(value: Any, report_id: str) -> str:
    if value["errors"]:
        return "errors: " + ",".join(error["code"] for error in value["errors"])
    return OK if value["report"] else NONE


def queue(value: Any, report_id: str) -> str:
    found = [edge["node"]["id"] for edge in value["edges"]]
    return OK if report_id in found else NONE


def assignee(value: Any, report_id: str) -> str:
    return OK if value and value["assignee"] else NONE


def audit(value: Any, report_id: str) -> str:
    return OK if isinstance(value["edges"], list) else NONE


def stats(value: Any, report_id: str) -> str:
    return OK if value["total"] >= 1 else NONE


MODERATED = "report { id } errors { code }"
PROBES: dict[str, Probe] = {
    "moderationQueue": (
        "moderationQueue",
        "query { moderationQueue { edges { node { id } } } }",
        only_report,
        queue,
    ),
    "report.assignee": (
        "report",
        "query($id: ID!) { report(id: $id) { assignee { id } } }",
        report_id,
        assignee,
    ),
    "auditLog": (
        "auditLog",
        "query($id: ID!) { auditLog(objectId: $id) { edges { node { action } } } }",
        report_id,
        audit,
    ),
    "reportStats": ("reportStats", "query { reportStats { total } }", only_report, stats),
    "reportSetStatus": (
        "reportSetStatus",
        "mutation($input: ReportSetStatusInput!) { reportSetStatus(input: $input) { "
        + MODERATED
        + " } }",
        report_input(status="IN_PROGRESS"),
        payload,
    ),
    "reportTriage": (
        "reportTriage",
        "mutation($input: ReportTriageInput!) { reportTriage(input: $input) { "
        + MODERATED
        + " } }",
        report_input(priority="URGENT"),
        payload,
    ),
    "reportHide": (
        "reportHide",
        "mutation($input: ReportHideInput!) { reportHide(input: $input) { " + MODERATED + " } }",
        report_input(reason="spam"),
        payload,
    ),
    "reportAssign": (
        "reportAssign",
        "mutation($input: ReportAssignInput!) { reportAssign(input: $input) { "
        + MODERATED
        + " } }",
        report_input(assigneeId="ward-hk-2"),
        payload,
    ),
    "reportAssign.other": (
        "reportAssign",
        "mutation($input: ReportAssignInput!) { reportAssign(input: $input) { "
        + MODERATED
        + " } }",
        report_input(assigneeId="ward-bd"),
        payload,
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
    staff = [("ward-hk", [HOAN_KIEM]), ("ward-hk-2", [HOAN_KIEM]), ("ward-bd", [BA_DINH])]
    await seed_ward_world(db, seed_templates, [(u, "staff", WARD, a) for u, a in staff])
    return World(client, db, make_token)


def test_every_row_has_a_probe() -> None:
    assert set(TABLE) == set(PROBES)
    assert all(len(row) == len(ACTORS) for row in TABLE.values())


async def test_ward_routing_answers_each_viewer_as_the_table_says(world: World) -> None:
    wrong = await mismatches(world, TABLE, PROBES, ACTORS)
    assert not wrong, "\n".join(wrong)
