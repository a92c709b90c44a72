"""The local FCM endpoint (a real child process) and a worker wired to it through firebase-admin."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import firebase_admin
import httpx
import pytest
from pymongo import AsyncMongoClient

from backend import firebase
from backend.db import Database
from backend.settings import Settings
from notifications.fcm_local import LocalFcm
from notifications.worker import Worker
from tests.conftest import SeedTemplates, with_settings


@pytest.fixture(scope="session")
def local_fcm_server() -> Iterator[LocalFcm]:
    with LocalFcm() as fcm:
        yield fcm


@dataclass
class FcmControl:
    """The endpoint's control API: failure rules and what it received."""

    http: httpx.Client

    def fail(
        self, token: str, error: str, *, times: int | None = None, retry_after: int = 0
    ) -> None:
        response = self.http.put(
            f"/_local/tokens/{token}",
            json={"error": error, "times": times, "retry_after": retry_after},
        )
        response.raise_for_status()

    def messages(self, token: str | None = None) -> list[dict[str, Any]]:
        params = {"token": token} if token else {}
        response = self.http.get("/_local/messages", params={**params, "limit": 100_000})
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def clear(self) -> None:
        self.http.delete("/_local/messages").raise_for_status()

    def attempts(self, token: str) -> int:
        response = self.http.get("/_local/messages", params={"limit": 0})
        return int(response.json()["attempts"].get(token, 0))


@pytest.fixture
def fcm(local_fcm_server: LocalFcm) -> Iterator[FcmControl]:
    with httpx.Client(base_url=local_fcm_server.url, trust_env=False, timeout=5) as http:
        http.delete("/_local/messages").raise_for_status()
        yield FcmControl(http)


@dataclass
class Clock:
    """The worker's notion of now, moved by the test (no sleeping)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 3, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fcm_settings(settings: Settings, local_fcm_server: LocalFcm) -> Settings:
    return with_settings(settings, fcm_endpoint=local_fcm_server.url)


@pytest.fixture
async def db(
    db_client: AsyncMongoClient[dict[str, Any]],
    fcm_settings: Settings,
    seed_templates: SeedTemplates,
) -> Database:
    database = db_client[fcm_settings.mongodb_db]
    await seed_templates.copy(database)  # what migrate leaves: indexes, areas, templates
    return database


@pytest.fixture
async def firebase_app(fcm_settings: Settings) -> AsyncIterator[firebase_admin.App]:
    app = firebase.initialize(fcm_settings)
    firebase.messaging_without_retries(app)
    yield app
    await firebase.close_async(app)


@pytest.fixture
def make_worker(db: Database, firebase_app: firebase_admin.App, clock: Clock) -> Any:
    def make(**kwargs: Any) -> Worker:
        return Worker(db, firebase_app, clock=clock, **kwargs)

    return make


Gql = Callable[..., Any]


def gql_as(client: httpx.AsyncClient, make_token: Callable[..., str]) -> Gql:
    async def call(
        query: str, variables: dict[str, Any] | None = None, *, uid: str | None = None,
        role: str | None = None, locale: str = "vi",
    ) -> dict[str, Any]:  # fmt: skip
        headers = {"Accept-Language": locale}
        if uid is not None:
            claims = {"role": role} if role else {}
            headers["Authorization"] = f"Bearer {make_token(uid=uid, claims=claims)}"
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        body: dict[str, Any] = response.json()
        return body

    return call
