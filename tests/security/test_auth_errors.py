"""Every refused token gets one answer: HTTP 401, `WWW-Authenticate: Bearer`, GraphQL `errors`.

A refresh-on-401 link (Apollo's onError, or a fetch wrapper) fires on the status alone, so a token
refused on a write must not answer 200 with an error inside, as a revoked one once did.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import httpx
import jwt
import pytest
from firebase_admin import auth as firebase_auth

from backend import firebase
from backend.emulators import FirebaseAuthEmulator
from backend.settings import Settings
from tests.conftest import with_settings

VIEWER = "query Viewer { viewer { id } }"
MARK_READ = """
mutation MarkRead($input: NotificationsMarkReadInput!) {
  notificationsMarkRead(input: $input) { unreadCount }
}
"""


async def ask(
    client: httpx.AsyncClient, query: str, authorization: str, **headers: str
) -> httpx.Response:
    variables = {"input": {"all": True}} if query is MARK_READ else {}
    return await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": authorization, **headers},
    )


def assert_refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert "no-store" in response.headers["cache-control"]
    body = response.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["reason"] == reason
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert error["message"]


@pytest.mark.parametrize("query", [VIEWER, MARK_READ], ids=["query", "mutation"])
async def test_a_token_that_is_not_one_is_refused(client: httpx.AsyncClient, query: str) -> None:
    response = await ask(client, query, "Bearer not-a-firebase-token")
    assert_refused(response, "TOKEN_INVALID")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


@pytest.mark.parametrize("query", [VIEWER, MARK_READ], ids=["query", "mutation"])
async def test_an_expired_token_is_refused(
    client: httpx.AsyncClient, make_token: Callable[..., str], query: str
) -> None:
    expired = make_token(issued_ago=7200, expires_in=3600)
    response = await ask(client, query, f"Bearer {expired}", **{"Accept-Language": "en"})
    assert_refused(response, "TOKEN_EXPIRED")
    assert response.json()["errors"][0]["message"] == "The ID token has expired"


async def test_a_header_that_is_not_a_bearer_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await ask(client, VIEWER, "Basic dXNlcjpwYXNz")
    assert_refused(response, "MALFORMED_HEADER")
    assert 'error="invalid_request"' in response.headers["www-authenticate"]


async def test_the_message_is_in_the_viewers_language(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    expired = f"Bearer {make_token(issued_ago=7200, expires_in=3600)}"
    vietnamese = await ask(client, VIEWER, expired)
    english = await ask(client, VIEWER, expired, **{"Accept-Language": "en-GB"})
    assert vietnamese.json()["errors"][0]["message"] == "Phiên đăng nhập đã hết hạn"
    assert english.json()["errors"][0]["message"] == "The ID token has expired"


async def test_rest_routes_keep_their_error_shape(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    response = await client.get(
        "/open311/v2/services.json", headers={"Authorization": "Bearer not-a-firebase-token"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer ")
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"


# --- Revocation, against the Firebase Auth emulator ----------------------------------------------


@pytest.fixture
async def emulated_client(
    settings: Settings,
    auth_emulator: FirebaseAuthEmulator,
    monkeypatch: pytest.MonkeyPatch,
    serve: Callable[[Settings], AsyncIterator[httpx.AsyncClient]],
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", auth_emulator.host_port)
    emulated = with_settings(
        settings, firebase_auth_emulator_host=auth_emulator.host_port, revocation_check_seconds=300
    )
    async for client in serve(emulated):
        client.emulated = emulated  # type: ignore[attr-defined]
        yield client


async def signed_up(emulator: FirebaseAuthEmulator) -> dict[str, str]:
    url = f"http://{emulator.host_port}/identitytoolkit.googleapis.com/v1/accounts:signUp"
    email = f"revoked-{uuid.uuid4().hex[:8]}@example.com"
    async with httpx.AsyncClient() as http:
        response = await http.post(
            url,
            params={"key": "fake-api-key"},
            json={"email": email, "password": "correct horse battery", "returnSecureToken": True},
        )
    response.raise_for_status()
    user: dict[str, str] = response.json()
    return user


def revoke(settings: Settings, user: dict[str, str]) -> None:
    admin_app = firebase.initialize(settings)
    try:
        # Revocation is kept in whole seconds and a token issued in the same second stays valid.
        issued_at = jwt.decode(user["idToken"], options={"verify_signature": False})["iat"]
        firebase_auth.update_user(user["localId"], valid_since=issued_at + 1, app=admin_app)
    finally:
        firebase.close(admin_app)


async def test_a_revoked_token_is_refused_on_a_mutation_with_401(
    emulated_client: httpx.AsyncClient, auth_emulator: FirebaseAuthEmulator
) -> None:
    client = emulated_client
    # given a user whose token was checked a moment ago (reads trust that check for minutes)
    user = await signed_up(auth_emulator)
    bearer = f"Bearer {user['idToken']}"
    assert (await ask(client, VIEWER, bearer)).json()["data"]["viewer"]["id"] == user["localId"]
    # when their sessions are revoked and the old token is used for a write
    revoke(client.emulated, user)  # type: ignore[attr-defined]
    refused = await ask(client, MARK_READ, bearer)
    # then the write is refused like any bad token, not with 200 and an error inside
    assert_refused(refused, "TOKEN_REVOKED")
    # and from then on reads are refused too
    assert_refused(await ask(client, VIEWER, bearer), "TOKEN_REVOKED")


async def test_a_revoked_token_is_refused_on_a_query_with_401(
    emulated_client: httpx.AsyncClient, auth_emulator: FirebaseAuthEmulator
) -> None:
    user = await signed_up(auth_emulator)
    revoke(emulated_client.emulated, user)  # type: ignore[attr-defined]
    assert_refused(await ask(emulated_client, VIEWER, f"Bearer {user['idToken']}"), "TOKEN_REVOKED")
