"""Request limits: depth, aliases, tokens, batching, body size; production hardening."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx

from backend.settings import Environment, Settings
from tests.conftest import with_settings
from tests.factories import SigningKey, service_account_json

ALIASES_15 = "{ " + " ".join(f"v{i}: viewer {{ id }}" for i in range(15)) + " }"
ALIASES_16 = "{ " + " ".join(f"v{i}: viewer {{ id }}" for i in range(16)) + " }"


def nested(depth: int) -> str:
    # viewer is level 1; each further level nests one more selection
    inner = "id"
    for level in range(depth - 1, 0, -1):
        inner = f"f{level} {{ {inner} }}"
    return f"query Deep {{ viewer {{ {inner} }} }}"


def error_messages(response: httpx.Response) -> list[str]:
    return [error["message"] for error in response.json()["errors"]]


async def test_depth_11_is_rejected_and_depth_10_is_not(client: httpx.AsyncClient) -> None:
    deep = await client.post("/graphql", json={"query": nested(11)})
    assert "'Deep' exceeds maximum operation depth of 10" in error_messages(deep)
    assert all(
        e["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED" for e in deep.json()["errors"]
    )
    # depth 10 still fails (the fields do not exist) but not because of depth
    shallow = await client.post("/graphql", json={"query": nested(10)})
    assert not any("depth" in message for message in error_messages(shallow))


async def test_sixteen_aliases_are_rejected(client: httpx.AsyncClient) -> None:
    ok = await client.post("/graphql", json={"query": ALIASES_15})
    assert "errors" not in ok.json()
    assert len(ok.json()["data"]) == 15
    rejected = await client.post("/graphql", json={"query": ALIASES_16})
    assert rejected.json()["data"] is None
    assert any("aliases" in message for message in error_messages(rejected))


async def test_over_2000_tokens_is_rejected(client: httpx.AsyncClient) -> None:
    query = "{ viewer { " + " ".join(["id"] * 2100) + " } }"
    response = await client.post("/graphql", json={"query": query})
    assert response.status_code == 400 or response.json()["data"] is None
    assert any("token" in message.lower() for message in error_messages(response))


async def test_batched_queries_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": "{ viewer { id } }"}] * 2)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_mutations_over_get_are_refused(client: httpx.AsyncClient) -> None:
    # queries may come by GET (cacheable); a mutation never does (issue 19)
    mutation = "mutation { __typename }"
    response = await client.get("/graphql", params={"query": mutation})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_non_json_post_is_refused(client: httpx.AsyncClient) -> None:
    # a cross-site form post cannot carry JSON: refusing it is the CSRF defence
    response = await client.post(
        "/graphql",
        content="query={viewer{id}}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code in (400, 415)


async def test_body_over_1_mb_is_413(client: httpx.AsyncClient) -> None:
    big = json.dumps({"query": "{ viewer { id } }", "variables": {"x": "a" * 1_100_000}})
    response = await client.post(
        "/graphql", content=big, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    error = response.json()["error"]
    # said in the city's language when the request names none, in English when it asks
    assert (error["code"], error["message"]) == (
        "PAYLOAD_TOO_LARGE",
        "Nội dung yêu cầu vượt quá 1.000.000 byte",
    )
    response = await client.post(
        "/graphql",
        content=big,
        headers={"Content-Type": "application/json", "Accept-Language": "en-US"},
    )
    assert response.json()["error"]["message"] == "The request body is over 1,000,000 bytes"


async def test_streamed_body_over_1_mb_is_413(client: httpx.AsyncClient) -> None:
    async def chunks():  # no Content-Length: the limit must hold while reading
        for _ in range(20):
            yield b"x" * 100_000

    response = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["message"].startswith("Nội dung yêu cầu vượt quá")


async def test_a_content_length_that_is_not_a_number_is_400_in_words(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "12abc"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "BAD_REQUEST",
        "message": "Tiêu đề Content-Length không phải là một số",
        "requestId": response.headers["x-request-id"],
    }


async def test_graphiql_is_served_outside_production(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def production(settings: Settings, tmp_path: Path) -> Settings:
    key = SigningKey()
    credentials = tmp_path / "service-account.json"
    credentials.write_text(json.dumps(service_account_json(key, "thanglong-prod-test")))
    return with_settings(
        settings,
        env=Environment.PRODUCTION,
        firebase_project_id="thanglong-prod-test",
        firebase_credentials_file=str(credentials),
        revocation_check_seconds=300,  # anonymous requests below never reach a remote check
        cursor_secret="test-cursor-secret-0123456789abcdef",
        ticket_signing_key="AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE",
        public_base_url="https://api.thanglong.example",
    )


async def test_production_refuses_introspection_and_graphiql(
    settings: Settings, tmp_path: Path, serve: Callable[..., object]
) -> None:
    async for client in serve(production(settings, tmp_path)):  # type: ignore[attr-defined]
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}
        )
        assert introspection.json()["data"] is None
        assert "introspection" in introspection.json()["errors"][0]["message"].lower()
        typename = await client.post(
            "/graphql", json={"query": '{ __type(name: "Query") { name } }'}
        )
        assert typename.json()["data"] is None
        ide = await client.get("/graphql", headers={"Accept": "text/html"})
        assert ide.status_code != 200 or "graphiql" not in ide.text.lower()
        # and field suggestions do not leak the schema
        typo = await client.post("/graphql", json={"query": "{ viewer { idd } }"})
        assert "Did you mean" not in typo.json()["errors"][0]["message"]
        # normal queries still work
        ok = await client.post("/graphql", json={"query": "{ viewer { id } }"})
        assert ok.json() == {"data": {"viewer": {"id": None}}}
        assert ok.headers["strict-transport-security"].startswith("max-age=")


async def test_cursors_are_opaque_and_tamper_proof() -> None:
    from backend.pagination import InvalidCursorError, decode_cursor, encode_cursor

    cursor = encode_cursor([123.456, "65f000000000000000000001"])
    # the sort key (an exact distance, say) cannot be read back from the cursor
    assert "123" not in cursor
    assert decode_cursor(cursor, 2) == [123.456, "65f000000000000000000001"]
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    for bad in (flipped, "not-a-cursor", "", "x" * 600):
        try:
            decode_cursor(bad, 2)
        except InvalidCursorError:
            continue
        raise AssertionError(f"accepted {bad!r}")
