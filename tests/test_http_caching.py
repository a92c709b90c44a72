"""GraphQL over HTTP for browsers and CDNs: Cache-Control, ETag and 304, Vary, and CORS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from backend.http_cache import PUBLIC_MAX_AGE_SECONDS
from backend.persisted_queries import load_manifest
from backend.settings import DEV_CORS_ORIGINS, Settings, load_settings
from tests.conftest import with_settings

MANIFEST = load_manifest()
CATEGORIES = next(op for op in MANIFEST.operations.values() if op.name == "ReportCategories")
VIEWER = next(op for op in MANIFEST.operations.values() if op.name == "Viewer")
EXPO_WEB = "http://localhost:8081"
APOLLO_HEADERS = "content-type, apollographql-client-name, apollographql-client-version"


def url(operation_id: str, operation_name: str) -> str:
    """A hash-only GET, as Apollo's persisted query link sends it."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": operation_id}}
    query = httpx.QueryParams(
        {"operationName": operation_name, "variables": "{}", "extensions": json.dumps(extensions)}
    )
    return f"/graphql?{query}"


@pytest.fixture
async def seeded(
    settings: Settings, serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]]
) -> AsyncIterator[httpx.AsyncClient]:
    async for client in serve(
        with_settings(settings, seed_on_start=True, cors_origins=DEV_CORS_ORIGINS)
    ):
        yield client


def vary(response: httpx.Response) -> set[str]:
    return {v.strip().lower() for v in response.headers.get("vary", "").split(",") if v.strip()}


async def test_anonymous_public_answers_may_be_cached_by_anyone(
    seeded: httpx.AsyncClient,
) -> None:
    response = await seeded.get(url(CATEGORIES.id, CATEGORIES.name))
    assert response.status_code == 200
    assert response.json()["data"]["reportCategories"]
    assert response.headers["cache-control"] == f"public, max-age={PUBLIC_MAX_AGE_SECONDS}"
    assert response.headers["etag"].startswith('"') and len(response.headers["etag"]) > 10
    assert {"accept-language", "authorization"} <= vary(response)


async def test_personal_answers_are_never_stored(
    seeded: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    signed_in = {"Authorization": f"Bearer {make_token()}"}
    for response in (
        # a public query, but asked by a signed-in user
        await seeded.get(url(CATEGORIES.id, CATEGORIES.name), headers=signed_in),
        # a personal query, even anonymous
        await seeded.get(url(VIEWER.id, VIEWER.name)),
        await seeded.get(url(VIEWER.id, VIEWER.name), headers=signed_in),
        # an error
        await seeded.get("/graphql", params={"query": "{ reportCategories { nope } }"}),
    ):
        assert response.headers["cache-control"] == "private, no-store"
        assert "etag" not in response.headers
        assert {"accept-language", "authorization"} <= vary(response)


async def test_a_matching_etag_gets_304_without_a_body(seeded: httpx.AsyncClient) -> None:
    first = await seeded.get(url(CATEGORIES.id, CATEGORIES.name))
    tag = first.headers["etag"]
    # when the client revalidates with the tag it holds
    again = await seeded.get(url(CATEGORIES.id, CATEGORIES.name), headers={"If-None-Match": tag})
    # then nothing is sent again
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    assert again.headers["cache-control"].startswith("public")
    # a weak form of the same tag matches too; another tag does not
    weak = await seeded.get(
        url(CATEGORIES.id, CATEGORIES.name), headers={"If-None-Match": f'"x", W/{tag}'}
    )
    assert weak.status_code == 304
    other = await seeded.get(url(CATEGORIES.id, CATEGORIES.name), headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.content == first.content


async def test_each_language_has_its_own_etag(seeded: httpx.AsyncClient) -> None:
    vietnamese = await seeded.get(url(CATEGORIES.id, CATEGORIES.name))
    english = await seeded.get(
        url(CATEGORIES.id, CATEGORIES.name), headers={"Accept-Language": "en-US"}
    )
    assert vietnamese.content != english.content
    assert vietnamese.headers["etag"] != english.headers["etag"]
    # and the Vietnamese tag does not validate the English answer
    revalidated = await seeded.get(
        url(CATEGORIES.id, CATEGORIES.name),
        headers={"Accept-Language": "en", "If-None-Match": vietnamese.headers["etag"]},
    )
    assert revalidated.status_code == 200


# --- CORS ---------------------------------------------------------------------------------------


def test_development_allows_the_local_expo_and_vite_origins() -> None:
    settings = load_settings({"APP_ENV": "development"})
    for origin in ("http://localhost:8081", "http://localhost:19006", "http://localhost:5173"):
        assert origin in settings.cors_origins
    # production and tests allow only what CORS_ORIGINS names
    assert load_settings({"APP_ENV": "test"}).cors_origins == ()
    assert load_settings({"APP_ENV": "test", "CORS_ORIGINS": EXPO_WEB}).cors_origins == (EXPO_WEB,)


async def test_preflight_from_expo_web_allows_apollos_headers(seeded: httpx.AsyncClient) -> None:
    response = await seeded.options(
        "/graphql",
        headers={
            "Origin": EXPO_WEB,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": APOLLO_HEADERS + ", authorization",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == EXPO_WEB
    allowed = response.headers["access-control-allow-headers"].lower()
    for header in ("apollographql-client-name", "apollographql-client-version", "authorization"):
        assert header in allowed


async def test_preflight_from_an_unknown_origin_is_refused(seeded: httpx.AsyncClient) -> None:
    response = await seeded.options(
        "/graphql",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": APOLLO_HEADERS,
        },
    )
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


async def test_browsers_may_read_the_etag_and_request_id(seeded: httpx.AsyncClient) -> None:
    response = await seeded.get(url(CATEGORIES.id, CATEGORIES.name), headers={"Origin": EXPO_WEB})
    assert response.headers["access-control-allow-origin"] == EXPO_WEB
    exposed = {
        h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")
    }
    assert {"etag", "x-request-id"} <= set(exposed)
    assert response.headers["x-request-id"] and response.headers["etag"]
    # Origin joins the Vary list, which keeps the language and the viewer
    assert {"origin", "accept-language", "authorization"} <= vary(response)
