"""At most one database round trip per list level: the number of commands a list query sends
does not grow with the number of items (DataLoaders batch the nested lookups).

Commands are counted with PyMongo's command monitoring on the app's own client.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import monitoring

from backend.settings import ROOT, Settings
from tests.conftest import with_settings

OPERATIONS = ROOT / "graphql" / "operations"
NEARBY = (OPERATIONS / "reports" / "ReportsNearby.graphql").read_text()
MY_REPORTS = (OPERATIONS / "reports" / "MyReports.graphql").read_text()
POIS = (OPERATIONS / "tourism" / "Pois.graphql").read_text()
CREATE = (OPERATIONS / "reports" / "ReportCreate.graphql").read_text()
LAKE = {"lat": 21.0287, "lng": 105.8524}
IGNORED = {"hello", "isMaster", "ismaster", "ping", "endSessions", "killCursors", "saslStart"}


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.active = False
        self.commands: list[str] = []
        self.finds: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.active and event.command_name not in IGNORED:
            self.commands.append(f"{event.command_name} {event.command.get(event.command_name)}")
            if event.command_name == "find":
                self.finds.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def assert_batched(commands: list[str], bound: int) -> None:
    """No collection is read twice (no N+1) and the total stays under a constant bound."""
    assert len(commands) == len(set(commands)), commands
    assert len(commands) <= bound, commands


# Reads of one reportsNearby within 5 km, at any density (the search's reaches; measured: 4-5
# for this test's 3 km, at most 12 at 5 km in tests/reports/test_nearby_cells.py's cases).
NEARBY_READS_AT_MOST = 12
COUNTER = CommandCounter()
monitoring.register(COUNTER)  # applies to clients created from now on, the app's included


@pytest.fixture
async def seeded(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(with_settings(settings, seed_on_start=True)):
        yield client


async def gql(
    client: httpx.AsyncClient, make_token: Callable[..., str], query: str,
    variables: dict[str, Any], uid: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    headers = {"Authorization": f"Bearer {make_token(uid=uid)}"} if uid else {}
    # The app names its language; a signed-in request without one reads the user's stored
    # language first (one point read per request, whatever the list's size).
    headers["Accept-Language"] = "vi-VN"
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def commands_for(
    client: httpx.AsyncClient, make_token: Callable[..., str], query: str,
    variables: dict[str, Any], uid: str | None = None,
) -> tuple[list[str], dict[str, Any]]:  # fmt: skip
    COUNTER.commands.clear()
    COUNTER.finds.clear()
    COUNTER.active = True
    try:
        body = await gql(client, make_token, query, variables, uid)
    finally:
        COUNTER.active = False
    return list(COUNTER.commands), body


async def create_reports(
    client: httpx.AsyncClient, make_token: Callable[..., str], count: int, uid_prefix: str
) -> None:
    for i in range(count):
        await gql(
            client, make_token, CREATE,
            {"input": {"categoryId": "pothole" if i % 2 else "broken-street-light",
                       "description": f"Sự cố số {i} trên phố Đinh Tiên Hoàng",
                       "location": {"lat": LAKE["lat"] + i * 0.0002, "lng": LAKE["lng"]},
                       "idempotencyKey": f"{uid_prefix}-{i}"}},
            uid=f"{uid_prefix}-{i % 5}",
        )  # fmt: skip


async def test_nearby_round_trips_do_not_grow_with_the_page(
    seeded: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    variables = {"near": LAKE, "radiusMeters": 3000, "first": 50}
    await create_reports(seeded, make_token, 3, "few")
    few, body = await commands_for(seeded, make_token, NEARBY, variables, uid="viewer")
    assert len(body["data"]["reportsNearby"]["edges"]) == 3
    await create_reports(seeded, make_token, 12, "many")
    many, body = await commands_for(seeded, make_token, NEARBY, variables, uid="viewer")
    assert len(body["data"]["reportsNearby"]["edges"]) == 15
    # reportsNearby reads `reports` once per reach of its outward search (grid cells through the
    # location_cells index: backend/reports/repository/nearby.py): a bound set by the radius and
    # the grid's levels, not by the page; every other collection is read once.
    for commands in (few, many):
        reach = [c for c in commands if c == "find reports"]
        assert 1 <= len(reach) <= NEARBY_READS_AT_MOST, commands
        assert_batched([c for c in commands if c != "find reports"], 6)


async def test_my_reports_round_trips_do_not_grow(
    seeded: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    async def report(n: int) -> None:
        await gql(
            seeded, make_token, CREATE,
            {"input": {"categoryId": "pothole", "description": f"Ổ gà số {n} trên phố Huế",
                       "location": LAKE, "idempotencyKey": f"mine-{n}"}},
            uid="mine",
        )  # fmt: skip

    await report(0)
    few, body = await commands_for(seeded, make_token, MY_REPORTS, {"first": 50}, uid="mine")
    assert len(body["data"]["myReports"]["edges"]) == 1
    for n in range(1, 5):
        await report(n)
    many, body = await commands_for(seeded, make_token, MY_REPORTS, {"first": 50}, uid="mine")
    assert len(body["data"]["myReports"]["edges"]) == 5
    assert_batched(few, 6)
    assert_batched(many, 6)


async def test_pois_round_trips_do_not_grow_with_the_page(
    seeded: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    small, body = await commands_for(seeded, make_token, POIS, {"first": 2})
    assert len(body["data"]["pois"]["edges"]) == 2
    large, body = await commands_for(seeded, make_token, POIS, {"first": 40})
    assert len(body["data"]["pois"]["edges"]) == 40
    assert_batched(small, 4)
    assert_batched(large, 4)
    # The search terms (40% of a POI's bytes) stay in the database when nothing is searched.
    pois_finds = [f for f in COUNTER.finds if f["find"] == "pois"]
    assert pois_finds
    assert all(f.get("projection") == {"search_terms": 0, "name_terms": 0} for f in pois_finds)


def test_operation_files_exist() -> None:
    assert all(Path(p).exists() for p in (OPERATIONS / "reports" / "ReportsNearby.graphql",))
