"""Fixtures of the auth tests: GraphQL calls as a signed-in user, with or without a language;
the account-deletion world (tests/auth/deletion_world.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from backend.settings import ROOT
from tests.auth.deletion_world import (
    api,
    app_client,
    clock,
    db,
    deletion_settings,
    firebase_app,
    worker,
)
from tests.notifications.conftest import fcm, local_fcm_server

__all__ = [  # the deletion world's fixtures, for every test here
    "api",
    "app_client",
    "clock",
    "db",
    "deletion_settings",
    "fcm",
    "firebase_app",
    "local_fcm_server",
    "worker",
]

OPERATIONS = ROOT / "graphql" / "operations" / "auth"
VIEWER = (OPERATIONS / "Viewer.graphql").read_text()
VIEWER_UPDATE = (OPERATIONS / "ViewerUpdate.graphql").read_text()
CONSENT_SET = (OPERATIONS / "ConsentSet.graphql").read_text()
LEGAL_DOCUMENTS = (OPERATIONS / "LegalDocuments.graphql").read_text()

Gql = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def gql(client: httpx.AsyncClient, make_token: Callable[..., str]) -> Gql:
    """POST an operation as `uid` (anonymous when None), with `Accept-Language: locale` if
    given (none otherwise); returns the JSON body."""

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        uid: str | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if uid is not None:
            headers["Authorization"] = f"Bearer {make_token(uid=uid)}"
        if locale is not None:
            headers["Accept-Language"] = locale
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return run
