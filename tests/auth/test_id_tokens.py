"""Firebase ID tokens verified by firebase-admin with real RS256 signatures.

The certificates come from a loopback server (firebase_admin._token_gen.ID_TOKEN_CERT_URI), so
every check below is firebase-admin's own, on tokens signed like Firebase signs them.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.factories import SigningKey, id_token, unsigned_token

VIEWER = "query Viewer { viewer { id roles locale } }"


async def ask_viewer(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
    )


def assert_unauthenticated(response: httpx.Response) -> None:
    assert response.status_code == 401
    # one shape for every refused token (issue 19): GraphQL errors with a code and a reason
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["reason"]
    assert error["message"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_valid_token_gives_a_resident_viewer(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    response = await ask_viewer(client, make_token(uid="resident-1"))
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {
        "id": "resident-1",
        "roles": ["RESIDENT"],
        "locale": "VI",
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("moderator", ["RESIDENT", "MODERATOR"]),
        ("staff", ["RESIDENT", "STAFF"]),
        ("admin", ["RESIDENT", "ADMIN"]),
        ("superuser", ["RESIDENT"]),  # an unknown role grants nothing
    ],
)
async def test_role_claim_sets_roles(
    client: httpx.AsyncClient, make_token: Callable[..., str], role: str, expected: list[str]
) -> None:
    response = await ask_viewer(client, make_token(claims={"role": role}))
    assert response.json()["data"]["viewer"]["roles"] == expected


async def test_expired_token_is_401(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    assert_unauthenticated(await ask_viewer(client, make_token(issued_ago=7200, expires_in=3600)))


async def test_wrong_audience_is_401(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    assert_unauthenticated(await ask_viewer(client, make_token(audience="another-project")))


async def test_token_of_another_project_is_401(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    assert_unauthenticated(await ask_viewer(client, make_token(project_id="another-project")))


async def test_token_signed_by_another_key_is_401(
    client: httpx.AsyncClient, make_token: Callable[..., str], signing_key: SigningKey
) -> None:
    # given a key the certificate server does not publish, using our key's id
    forged = id_token(SigningKey(kid=signing_key.kid))
    assert_unauthenticated(await ask_viewer(client, forged))


async def test_unknown_key_id_is_401(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    assert_unauthenticated(await ask_viewer(client, make_token(kid="not-a-published-key")))


async def test_alg_none_token_is_401(
    client: httpx.AsyncClient, signing_key: SigningKey, make_token: Callable[..., str]
) -> None:
    make_token()  # the certificate server is up: the refusal is about the algorithm
    assert_unauthenticated(await ask_viewer(client, unsigned_token(kid=signing_key.kid)))


@pytest.mark.parametrize("header", ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not.a.jwt", "Token x"])
async def test_malformed_authorization_is_401(client: httpx.AsyncClient, header: str) -> None:
    response = await client.post(
        "/graphql", json={"query": VIEWER}, headers={"Authorization": header}
    )
    assert_unauthenticated(response)


async def test_certificates_are_fetched_once_and_cached(
    client: httpx.AsyncClient, make_token: Callable[..., str], cert_server: object
) -> None:
    # given one verified token (which may fetch the certificates)
    await ask_viewer(client, make_token())
    before = cert_server.requests  # type: ignore[attr-defined]
    # when more tokens are verified
    for _ in range(5):
        assert (await ask_viewer(client, make_token())).status_code == 200
    # then the certificates came from the HTTP cache (Cache-Control: max-age)
    assert cert_server.requests == before  # type: ignore[attr-defined]
