"""Who may act on a ward's report: the authorization matrix of routing and assignment.

One report of the ward committee (noise) in Hoàn Kiếm, assigned to Hoàn Kiếm's office. Each row
is a field a city office uses, called as each kind of viewer: ward offices see and act on their
own ward only, a city office over the ward committees (the department without areas) on every
ward, another department on none, moderators on all. Rows of fields whose root entries are in
tests/security/test_authorization.py (reportAssign) are here for the ward-level viewers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from backend.areas import repository as area_repository
from backend.moderation import repository as moderation_repository
from backend.reports import repository as report_repository
from tests.conftest import SeedTemplates
from tests.moderation.conftest import report_doc

WARD, HOAN_KIEM, BA_DINH = "ubnd-phuong", "00070", "00004"
OK, NONE, DENIED = "ALLOWED", "NOT_FOUND", "FORBIDDEN"
P_DENIED, P_UNIT = "errors: FORBIDDEN", "errors: NOT_IN_UNIT"


@dataclass(frozen=True)
class Actor:
    name: str
    uid: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


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


@dataclass
class World:
    http: httpx.AsyncClient
    db: Any
    make_token: Callable[..., str]

    async def call(self, query: str, variables: dict[str, Any], who: Actor) -> dict[str, Any]:
        headers = {}
        if who.uid is not None:
            token = self.make_token(uid=who.uid, claims=who.claims)
            headers["Authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

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
Judge = Callable[[Any, str], str]


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
PROBES: dict[str, tuple[str, str, Variables, Judge]] = {
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
    # Areas, categories and departments, as their loaders leave them.
    await seed_templates.copy(
        db, loaders=(area_repository.load_content, report_repository.load_content)
    )
    # The staff directory as `users grant` leaves it.
    for uid, areas in (
        ("ward-hk", [HOAN_KIEM]),
        ("ward-hk-2", [HOAN_KIEM]),
        ("ward-bd", [BA_DINH]),
    ):
        await moderation_repository.set_staff_member(
            db,
            uid=uid,
            role="staff",
            department=WARD,
            areas=areas,
            lead=False,
            email=None,
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )
    return World(client, db, make_token)


async def observe(world: World, name: str, actor: Actor) -> str:
    root, query, variables, judge = PROBES[name]
    given, report = await variables(world)
    body = await world.call(query, given, actor)
    value = (body.get("data") or {}).get(root)
    if body.get("errors"):
        return ",".join(sorted({str(e["extensions"]["code"]) for e in body["errors"]}))
    if value is None:
        return NONE
    return judge(value, report)


def test_every_row_has_a_probe() -> None:
    assert set(TABLE) == set(PROBES)
    assert all(len(row) == len(ACTORS) for row in TABLE.values())


async def test_ward_routing_answers_each_viewer_as_the_table_says(world: World) -> None:
    wrong = []
    for name, row in TABLE.items():
        for actor, expected in zip(ACTORS, row, strict=True):
            got = await observe(world, name, actor)
            if got != expected:
                wrong.append(f"{name} as {actor.name}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)
