"""The harness of the ward-level authorization matrices (test_authorization_routing.py and
test_authorization_console_fields.py): viewers with claims, a seeded ward world, GraphQL calls
as each viewer, and each cell compared with its table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from backend.areas import repository as area_repository
from backend.moderation import repository as moderation_repository
from backend.reports import repository as report_repository
from tests.conftest import SeedTemplates

WARD, HOAN_KIEM, BA_DINH = "ubnd-phuong", "00070", "00004"
OK, NONE, DENIED = "ALLOWED", "NOT_FOUND", "FORBIDDEN"
P_DENIED = "errors: FORBIDDEN"


@dataclass(frozen=True)
class Actor:
    name: str
    uid: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class MatrixWorld:
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


# A probe: the root field, the document, its variables (and the id of the fresh report they
# ask about), and the judge of the answer.
Judge = Callable[[Any, str], str]
Probe = tuple[str, str, Callable[[Any], Awaitable[tuple[dict[str, Any], str]]], Judge]


async def seed_ward_world(
    db: Any,
    seed_templates: SeedTemplates,
    staff: Iterable[tuple[str, str, str | None, list[str]]],
) -> None:
    """Areas, categories and departments as their loaders leave them, and the staff directory
    as `users grant` leaves it: (uid, role, department, areas) each."""
    await seed_templates.copy(
        db, loaders=(area_repository.load_content, report_repository.load_content)
    )
    for uid, role, department, areas in staff:
        await moderation_repository.set_staff_member(
            db,
            uid=uid,
            role=role,
            department=department,
            areas=areas,
            lead=False,
            email=None,
            now=datetime(2026, 3, 1, tzinfo=UTC),
        )


async def observe(world: MatrixWorld, probe: Probe, actor: Actor) -> str:
    root, query, variables, judge = probe
    given, target = await variables(world)
    body = await world.call(query, given, actor)
    value = (body.get("data") or {}).get(root)
    if body.get("errors"):
        return ",".join(sorted({str(e["extensions"]["code"]) for e in body["errors"]}))
    if value is None:
        return NONE
    return judge(value, target)


async def mismatches(
    world: MatrixWorld,
    table: Mapping[str, tuple[str, ...]],
    probes: Mapping[str, Probe],
    actors: tuple[Actor, ...],
) -> list[str]:
    """Every cell whose answer differs from the table, in words."""
    wrong = []
    for name, row in table.items():
        for actor, expected in zip(actors, row, strict=True):
            got = await observe(world, probes[name], actor)
            if got != expected:
                wrong.append(f"{name} as {actor.name}: expected {expected}, got {got}")
    return wrong
