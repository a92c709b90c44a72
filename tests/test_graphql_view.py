"""Persisted queries (Apollo APQ and the production allow-list) and the public response cache."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from backend.graphql_view import CACHE_TTL_SECONDS, ResponseCache
from backend.meta import repository as meta_repository
from backend.settings import ROOT, Settings
from tests.conftest import with_settings

CATEGORIES = "query Categories { reportCategories { id name } }"
VIEWER = "query Viewer { viewer { id } }"
SHIPPED = (ROOT / "graphql" / "operations" / "auth" / "Viewer.graphql").read_text()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(digest: str, query: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    }
    if query is not None:
        body["query"] = query
    return body


@pytest.fixture
async def fresh_client(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    # re-read the public version on every request, so a bump shows at once
    async for client in serve(
        with_settings(settings, public_version_refresh_seconds=0, response_cache=True)
    ):
        yield client


async def test_automatic_persisted_query_round_trip(client: httpx.AsyncClient) -> None:
    query = "query Me { viewer { id locale } }"
    # given a hash the server has never seen
    unknown = await client.post("/graphql", json=persisted(sha(query)))
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    # when the client sends the query with its hash once
    registered = await client.post("/graphql", json=persisted(sha(query), query))
    assert registered.json() == {"data": {"viewer": {"id": None, "locale": "VI"}}}
    # then the hash alone is enough
    by_hash = await client.post("/graphql", json=persisted(sha(query)))
    assert by_hash.json() == registered.json()


async def test_shipped_documents_are_known_by_hash(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=persisted(sha(SHIPPED)))
    assert response.json()["data"]["viewer"]["id"] is None


async def test_a_hash_that_does_not_match_its_query_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=persisted(sha("something else"), VIEWER))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_allowlist_mode_runs_only_shipped_documents(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> None:
    async for client in serve(with_settings(settings, persisted_queries="allowlist")):
        shipped = await client.post("/graphql", json={"query": SHIPPED})
        assert shipped.json()["data"]["viewer"]["id"] is None
        other = await client.post("/graphql", json={"query": VIEWER})
        assert other.status_code == 400
        assert other.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        registering = await client.post("/graphql", json=persisted(sha(VIEWER), VIEWER))
        assert registering.status_code == 400


async def test_public_queries_are_cached_per_locale(fresh_client: httpx.AsyncClient) -> None:
    client = fresh_client
    first = await client.post("/graphql", json={"query": CATEGORIES})
    second = await client.post("/graphql", json={"query": CATEGORIES})
    assert first.headers["x-cache"] == "MISS"
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    english = await client.post(
        "/graphql", json={"query": CATEGORIES}, headers={"Accept-Language": "en"}
    )
    assert english.headers["x-cache"] == "MISS"


async def test_signed_in_and_private_queries_are_not_cached(
    fresh_client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    client = fresh_client
    headers = {"Authorization": f"Bearer {make_token()}"}
    for _ in range(2):
        signed_in = await client.post("/graphql", json={"query": CATEGORIES}, headers=headers)
        assert "x-cache" not in signed_in.headers
        viewer = await client.post("/graphql", json={"query": VIEWER})
        assert "x-cache" not in viewer.headers


async def test_a_public_data_change_invalidates_the_cache(
    fresh_client: httpx.AsyncClient,
    settings: Settings,
    db_client: AsyncMongoClient[dict[str, object]],
) -> None:
    await fresh_client.post("/graphql", json={"query": CATEGORIES})
    assert (await fresh_client.post("/graphql", json={"query": CATEGORIES})).headers[
        "x-cache"
    ] == "HIT"
    # when a review (say) bumps the public version
    await meta_repository.bump_public_version(db_client[settings.mongodb_db])
    # then the next answer is computed again
    assert (await fresh_client.post("/graphql", json={"query": CATEGORIES})).headers[
        "x-cache"
    ] == "MISS"


def test_graphql_folder_is_the_allowlist_source() -> None:
    assert any(Path(ROOT / "graphql" / "operations").rglob("*.graphql"))


def test_response_cache_stays_within_its_budget_and_drops_expired_answers() -> None:
    cache = ResponseCache(max_bytes=1_000, max_entry_bytes=400)
    # over the budget: the least recently used go first
    for i in range(5):
        cache.put(f"k{i}", b"x" * 300, now=0.0)
    assert cache.size_bytes <= 1_000 and len(cache) == 3
    assert cache.get("k0", now=1.0) is None and cache.get("k4", now=1.0) == b"x" * 300
    # too large for one entry: never stored
    cache.put("huge", b"x" * 401, now=1.0)
    assert cache.get("huge", now=1.0) is None
    # expired answers at the old end are dropped by the next put, not kept until the budget fills
    later = CACHE_TTL_SECONDS + 10.0
    cache.put("fresh", b"y" * 10, now=later)
    assert len(cache) == 1 and cache.size_bytes == 10
