"""Fixtures of the reports tests: the app with its content loaded, and GraphQL helpers."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from backend.settings import Settings
from tests.conftest import with_settings

REPORT_CREATE = """
mutation ReportCreate($input: ReportCreateInput!) {
  reportCreate(input: $input) {
    report { id status area { id } followerCount viewerIsFollowing slaDueAt
             timeline { kind status } }
    duplicates { id }
    errors { field message code retryAfterSeconds }
  }
}
"""

# Hoàn Kiếm lake, in the old quarter.
LAKE = {"lat": 21.0287, "lng": 105.8524}

Gql = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Load content/ (categories, areas) into the test's database at startup."""
    return with_settings(settings, seed_on_start=True)


@pytest.fixture
def gql(client: httpx.AsyncClient, make_token: Callable[..., str]) -> Gql:
    """POST a GraphQL operation as `uid` (anonymous when None); returns the JSON body."""

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        uid: str | None = None,
        role: str | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if uid is not None:
            claims = {"role": role} if role else {}
            headers["Authorization"] = f"Bearer {make_token(uid=uid, claims=claims)}"
        if locale:
            headers["Accept-Language"] = locale
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    return run


def report_input(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "categoryId": "pothole",
        "description": "Ổ gà lớn giữa đường, xe máy dễ ngã",
        "location": dict(LAKE),
        "address": "Đinh Tiên Hoàng, Hoàn Kiếm",
        "idempotencyKey": uuid.uuid4().hex,
    }
    values.update(changes)
    return values


@pytest.fixture
def create_report(gql: Gql) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Create a report as `uid` and return the reportCreate payload."""

    async def create(
        uid: str = "resident-1", role: str | None = None, **changes: Any
    ) -> dict[str, Any]:
        body = await gql(REPORT_CREATE, {"input": report_input(**changes)}, uid=uid, role=role)
        assert "errors" not in body, body
        return body["data"]["reportCreate"]

    return create
