"""Persisted queries (the manifest allowlist, Apollo APQ), GET, and the public response cache."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from pymongo import AsyncMongoClient

from backend.http_cache import CACHE_TTL_SECONDS, ResponseCache
from backend.meta import repository as meta_repository
from backend.persisted_queries import load_manifest
from backend.settings import ROOT, Settings
from tests.conftest import with_settings

CATEGORIES = "query Categories { reportCategories { id name } }"
VIEWER = "query Viewer { viewer { id } }"
MANIFEST = load_manifest()
SHIPPED_VIEWER = next(op for op in MANIFEST.operations.values() if op.name == "Viewer")
SHIPPED_CATEGORIES = next(
    op for op in MANIFEST.operations.values() if op.name == "ReportCategories"
)
SHIPPED_MUTATION = next(
    op for op in MANIFEST.operations.values() if op.name == "NotificationPreferencesUpdate"
)
# What the console posts: a checked-in file's text, not Apollo's printed document.
CONSOLE_VIEWER = (ROOT / "graphql" / "operations" / "console" / "ConsoleViewer.graphql").read_text()


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def persisted(
    digest: str, query: str | None = None, operation_name: str | None = None
) -> dict[str, object]:
    body: dict[str, object] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    }
    if query is not None:
        body["query"] = query
    if operation_name is not None:
        body["operationName"] = operation_name
    return body


def by_get(digest: str, operation_name: str, variables: dict[str, object] | None = None) -> str:
    """The URL Apollo's persisted query link asks for with useGETForHashedQueries."""
    params = {
        "operationName": operation_name,
        "variables": json.dumps(variables or {}),
        "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}),
    }
    return "/graphql?" + str(httpx.QueryParams(params))


def code(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


@pytest.fixture
async def production_like(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(
        with_settings(settings, persisted_queries="allowlist", seed_on_start=True)
    ):
        yield client


@pytest.fixture
async def fresh_client(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    # re-read the public version on every request, so a bump shows at once
    async for client in serve(
        with_settings(settings, public_version_refresh_seconds=0, response_cache=True)
    ):
        yield client


# --- Outside production: Apollo's automatic persisted queries -----------------------------------


async def test_automatic_persisted_query_round_trip(client: httpx.AsyncClient) -> None:
    query = "query Me { viewer { id locale } }"
    # given a hash the server has never seen
    unknown = await client.post("/graphql", json=persisted(sha(query)))
    assert unknown.json()["errors"][0]["message"] == "PersistedQueryNotFound"
    assert code(unknown) == "PERSISTED_QUERY_NOT_FOUND"
    # when the client sends the query with its hash once
    registered = await client.post("/graphql", json=persisted(sha(query), query))
    assert registered.json() == {"data": {"viewer": {"id": None, "locale": "VI"}}}
    # then the hash alone is enough, by POST or GET
    by_hash = await client.post("/graphql", json=persisted(sha(query)))
    assert by_hash.json() == registered.json()
    assert (await client.get(by_get(sha(query), "Me"))).json() == registered.json()


async def test_manifest_ids_are_known_without_registering(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=persisted(SHIPPED_VIEWER.id))
    assert response.json()["data"]["viewer"] == {
        "id": None,
        "roles": [],
        "locale": "VI",
        "displayName": None,
        "preferredLocale": None,
        "consents": [],
        "__typename": "Viewer",
    }


async def test_a_hash_that_does_not_match_its_query_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=persisted(sha("something else"), VIEWER))
    assert response.status_code == 400
    assert code(response) == "BAD_REQUEST"


async def test_full_documents_come_by_get_outside_production(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": VIEWER})
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"id": None}}}


async def test_a_mutation_never_comes_by_get(client: httpx.AsyncClient) -> None:
    mutation = "mutation { notificationsMarkRead(input: {all: true}) { unreadCount } }"
    by_document = await client.get("/graphql", params={"query": mutation})
    by_hash = await client.get(
        by_get(SHIPPED_MUTATION.id, SHIPPED_MUTATION.name, {"input": {"areaAlerts": False}})
    )
    for response in (by_document, by_hash):
        assert response.status_code == 405
        assert response.headers["allow"] == "POST"
        assert response.headers["content-type"] == "application/json"
        assert code(response) == "METHOD_NOT_ALLOWED"
        assert "data" not in response.json()


async def test_unreadable_get_parameters_are_a_bad_request(client: httpx.AsyncClient) -> None:
    for params in ({"query": VIEWER, "variables": "{not json"}, {"extensions": "[1]"}):
        response = await client.get("/graphql", params=params)
        assert response.status_code == 400
        assert code(response) == "BAD_REQUEST"


# --- Production: the manifest is the allowlist ---------------------------------------------------


async def test_allowlist_runs_manifest_ids_by_post_and_get_with_typenames(
    production_like: httpx.AsyncClient,
) -> None:
    client = production_like
    # when Apollo's link sends only the manifest id, by POST and by GET
    posted = await client.post("/graphql", json=persisted(SHIPPED_CATEGORIES.id))
    fetched = await client.get(by_get(SHIPPED_CATEGORIES.id, SHIPPED_CATEGORIES.name))
    # then the manifest's body runs: every object carries __typename for the cache
    assert fetched.status_code == posted.status_code == 200
    assert fetched.json() == posted.json()
    categories = fetched.json()["data"]["reportCategories"]
    assert categories and {c["__typename"] for c in categories} == {"ReportCategory"}


async def test_allowlist_answers_unknown_hashes_as_apollo_expects(
    production_like: httpx.AsyncClient,
) -> None:
    client = production_like
    unknown = sha("query Other { viewer { id } }")
    for response in (
        await client.post("/graphql", json=persisted(unknown)),
        await client.get(by_get(unknown, "Other")),
    ):
        assert response.json()["errors"][0]["message"] == "PersistedQueryNotFound"
        assert code(response) == "PERSISTED_QUERY_NOT_FOUND"
        assert response.headers["cache-control"] == "private, no-store"  # no CDN keeps it


async def test_allowlist_never_runs_or_registers_a_sent_document(
    production_like: httpx.AsyncClient,
) -> None:
    client = production_like
    # Apollo's link resends the document with its hash after PERSISTED_QUERY_NOT_FOUND
    registering = await client.post("/graphql", json=persisted(sha(VIEWER), VIEWER))
    assert registering.status_code == 400
    assert code(registering) == "PERSISTED_QUERY_NOT_ALLOWED"
    assert code(await client.post("/graphql", json=persisted(sha(VIEWER)))) == (
        "PERSISTED_QUERY_NOT_FOUND"
    )
    # and a full document is refused, even the manifest's own body, by POST or GET
    for response in (
        await client.post("/graphql", json={"query": VIEWER}),
        await client.post("/graphql", json={"query": SHIPPED_VIEWER.body}),
        await client.get("/graphql", params={"query": SHIPPED_VIEWER.body}),
        await client.post("/graphql", json=[{"query": SHIPPED_VIEWER.body}]),
    ):
        assert response.status_code == 400
        assert code(response) == "PERSISTED_QUERY_NOT_ALLOWED"
        assert "data" not in response.json()


async def test_allowlist_runs_the_consoles_checked_in_documents(
    production_like: httpx.AsyncClient,
) -> None:
    # the console posts a file's text verbatim: it runs as checked in (the console sends objects
    # it read back as inputs, which __typename would break)
    response = await production_like.post("/graphql", json={"query": CONSOLE_VIEWER})
    assert response.status_code == 200
    assert response.json() == {"data": {"viewer": {"id": None, "roles": [], "locale": "VI"}}}
    # one character more and it is not the checked-in document
    edited = await production_like.post("/graphql", json={"query": CONSOLE_VIEWER + " "})
    assert code(edited) == "PERSISTED_QUERY_NOT_ALLOWED"


# --- The process's cache of public answers -------------------------------------------------------


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


async def test_a_get_and_a_post_of_one_query_share_the_cache(
    fresh_client: httpx.AsyncClient,
) -> None:
    posted = await fresh_client.post(
        "/graphql", json=persisted(SHIPPED_CATEGORIES.id, operation_name=SHIPPED_CATEGORIES.name)
    )
    fetched = await fresh_client.get(by_get(SHIPPED_CATEGORIES.id, SHIPPED_CATEGORIES.name))
    assert (posted.headers["x-cache"], fetched.headers["x-cache"]) == ("MISS", "HIT")
    assert fetched.content == posted.content


async def test_private_queries_are_not_cached_and_signed_in_public_ones_stay_private(
    fresh_client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    client = fresh_client
    headers = {"Authorization": f"Bearer {make_token()}"}
    for _ in range(2):
        viewer = await client.post("/graphql", json={"query": VIEWER})
        assert "x-cache" not in viewer.headers
    # a public selection shares the process's cache whoever asks (tests/test_response_cache_
    # viewer.py), but what is sent with a token is never for shared HTTP caches
    signed_in = await client.post("/graphql", json={"query": CATEGORIES}, headers=headers)
    assert signed_in.headers["cache-control"] == "private, no-store"
    assert "etag" not in signed_in.headers


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
