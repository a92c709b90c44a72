"""Fixtures of the moderation tests: the seeded app, GraphQL as a role, reports written directly."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from bson import ObjectId

from backend.areas import repository as area_repository
from backend.reports import repository as report_repository
from backend.settings import Settings
from tests.conftest import SeedTemplates

Gql = Callable[..., Awaitable[dict[str, Any]]]

# Hoàn Kiếm lake; its area slug is what the seeded areas give this point.
LAKE = [105.8524, 21.0287]
MODERATOR = {"uid": "mod-1", "role": "moderator"}
MODERATOR_2 = {"uid": "mod-2", "role": "moderator"}
STAFF_ROADS = {"uid": "staff-roads", "role": "staff", "department": "so-xay-dung"}
STAFF_WASTE = {"uid": "staff-waste", "role": "staff", "department": "urenco"}
RESIDENT = {"uid": "resident-9"}
ADMIN = {"uid": "admin-1", "role": "admin"}


@pytest.fixture
async def content(client: httpx.AsyncClient, db: Any, seed_templates: SeedTemplates) -> None:
    """Indexes, and only the content these tests need (areas, categories, departments), as their
    loaders leave it (copied from the worker's template)."""
    await seed_templates.copy(
        db, loaders=(area_repository.load_content, report_repository.load_content)
    )


@pytest.fixture
def gql(client: httpx.AsyncClient, make_token: Callable[..., str], content: None) -> Gql:
    """POST an operation as `who` (a dict of uid/role/department; anonymous when None)."""

    async def run(
        query: str, variables: dict[str, Any] | None = None, who: dict[str, str] | None = None
    ) -> dict[str, Any]:
        headers = {}
        if who is not None:
            claims = {k: v for k, v in who.items() if k != "uid"}
            headers["Authorization"] = f"Bearer {make_token(uid=who['uid'], claims=claims)}"
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


@pytest.fixture
def db(db_client: Any, settings: Settings) -> Any:
    return db_client[settings.mongodb_db]


def report_doc(**changes: Any) -> dict[str, Any]:
    """A report as reportCreate stores it (given steps write them to control every date)."""
    at = changes.pop("created_at", datetime(2026, 3, 2, 2, 0, tzinfo=UTC))  # Mon 09:00 Hanoi
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "category": "pothole",
        "department": "so-xay-dung",
        "status": "SUBMITTED",
        "description": "Ổ gà lớn giữa đường Đinh Tiên Hoàng",
        "location": {"type": "Point", "coordinates": list(LAKE)},
        "address": None,
        "area": "00070",
        "photo_ids": [],
        "reporter": "reporter-1",
        "anonymous": False,
        "me_too_count": 0,
        "follower_count": 1,
        "created_at": at,
        "updated_at": at,
        "sla_due_at": at,
        "ack_due_at": at,
        "resolve_due_at": at,
        "search_terms": ["o", "ga", "lon", "giua", "duong", "dinh", "tien", "hoang"],
        "priority": "NORMAL",
        "hidden": False,
        "reopen_count": 0,
    }
    doc.update(changes)
    return doc


@pytest.fixture
def given_report(db: Any) -> Callable[..., Awaitable[str]]:
    """Insert a report (and its reporter as follower); returns its id."""

    async def insert(**changes: Any) -> str:
        doc = report_doc(**changes)
        await db.reports.insert_one(doc)
        await db.report_followers.insert_one(
            {"report": doc["_id"], "uid": doc["reporter"], "at": doc["created_at"]}
        )
        return str(doc["_id"])

    return insert
