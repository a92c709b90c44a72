"""Hostile GraphQL documents and requests: each is refused quickly with a clear error."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest

from backend.schema import MAX_SELECTIONS

# Every refusal below must come back well within this bound (the answers measured take ~10 ms).
FAST_SECONDS = 1.0


async def timed(call: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
    started = time.perf_counter()
    response = await call()
    elapsed = time.perf_counter() - started
    assert elapsed < FAST_SECONDS, f"took {elapsed:.2f} s"
    return response


def graphql_errors(response: httpx.Response) -> list[dict[str, object]]:
    body = response.json()
    assert body.get("data") is None, body
    errors: list[dict[str, object]] = body["errors"]
    return errors


def codes(response: httpx.Response) -> set[object]:
    return {error["extensions"]["code"] for error in graphql_errors(response)}  # type: ignore[index]


async def post(client: httpx.AsyncClient, query: str, **extra: object) -> httpx.Response:
    return await timed(lambda: client.post("/graphql", json={"query": query, **extra}))


async def test_circular_fragments_are_refused(client: httpx.AsyncClient) -> None:
    query = """
        query { viewer { ...A } }
        fragment A on Viewer { id ...B }
        fragment B on Viewer { locale ...A }
    """
    response = await post(client, query)
    assert codes(response) == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("Cannot spread fragment" in str(e["message"]) for e in graphql_errors(response))


async def test_aliases_are_counted_through_fragment_spreads(client: httpx.AsyncClient) -> None:
    # 4 aliases in a fragment spread 4 times: 16 aliases, although the text shows only 4
    query = (
        "query { "
        + " ".join(f"v{i}: viewer {{ ...Ids }}" for i in range(4))
        + " } fragment Ids on Viewer { a: id b: id c: locale d: roles }"
    )
    response = await post(client, query)
    assert any("aliases" in str(e["message"]) for e in graphql_errors(response))


async def test_fragment_fan_out_bomb_is_refused_before_validation(
    client: httpx.AsyncClient,
) -> None:
    # Each fragment spreads the next twice: 2**60 selections from a 2 kB document. Counting
    # them naively (as the depth and alias limiters do) would never finish.
    levels = 60
    fragments = " ".join(
        f"fragment F{i} on Viewer {{ a{i}: id ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    )
    query = f"query {{ viewer {{ ...F0 }} }} {fragments} fragment F{levels} on Viewer {{ id }}"
    response = await post(client, query)
    [error] = graphql_errors(response)
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert f"more than {MAX_SELECTIONS} fields" in str(error["message"])


async def test_a_thousand_typename_fields_are_refused(client: httpx.AsyncClient) -> None:
    query = "{ " + " ".join(["__typename"] * 1000) + " }"
    response = await post(client, query)
    assert codes(response) == {"GRAPHQL_VALIDATION_FAILED"}
    assert f"more than {MAX_SELECTIONS} fields" in str(graphql_errors(response)[0]["message"])
    # while a reasonable number still runs
    ok = await post(client, "{ " + " ".join(["__typename"] * 100) + " }")
    assert ok.json() == {"data": {"__typename": "Query"}}


async def test_deeply_nested_list_values_are_refused(client: httpx.AsyncClient) -> None:
    # a list literal nested 600 deep in the document, and the same in the variables
    literal = "[" * 600 + "1" + "]" * 600
    in_document = await post(client, f"{{ search(query: {literal}) {{ __typename }} }}")
    assert in_document.status_code in (200, 400)
    assert graphql_errors(in_document)
    nested = json.loads("[" * 600 + '"x"' + "]" * 600)
    in_variables = await post(
        client,
        "query($q: String!) { search(query: $q) { __typename } }",
        variables={"q": nested},
    )
    assert in_variables.status_code in (200, 400)
    assert graphql_errors(in_variables)


async def test_deeply_nested_selections_are_refused(client: httpx.AsyncClient) -> None:
    # lists of lists of objects, deeper than the depth limit
    inner = "id"
    for _ in range(4):
        inner = f"items(first: 100) {{ edges {{ node {{ {inner} }} }} }}"
    response = await post(
        client, f"{{ myReports(first: 100) {{ edges {{ node {{ {inner} }} }} }} }}"
    )
    assert codes(response) == {"GRAPHQL_VALIDATION_FAILED"}
    assert any("maximum operation depth" in str(e["message"]) for e in graphql_errors(response))


async def test_huge_variables_hit_the_body_limit(client: httpx.AsyncClient) -> None:
    variables = {"q": "x" * 2_000_000}
    body = json.dumps(
        {"query": "query($q: String!) { search(query: $q) { id } }", "variables": variables}
    )
    response = await timed(
        lambda: client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_many_variables_within_the_body_limit_are_cheap(client: httpx.AsyncClient) -> None:
    # 50,000 unused variables: none reaches a resolver; the answer still comes quickly
    variables = {f"v{i}": i for i in range(50_000)}
    response = await post(client, "{ viewer { id } }", variables=variables)
    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": {"id": None}}


async def test_batched_requests_are_refused(client: httpx.AsyncClient) -> None:
    batch = [{"query": "{ viewer { id } }"}] * 100
    response = await timed(lambda: client.post("/graphql", json=batch))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "query",
    [
        'mutation { deviceUnregister(input: {token: "x"}) { removed } }',
        '{ viewer { id } } mutation M { deviceUnregister(input: {token: "x"}) { removed } }',
    ],
)
async def test_get_requests_run_no_mutation(client: httpx.AsyncClient, query: str) -> None:
    # GET carries queries (a CDN may cache them), never a write: a link or an <img> could send it
    params = {"query": query, "operationName": "M"} if "M {" in query else {"query": query}
    response = await timed(lambda: client.get("/graphql", params=params))
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert "data" not in response.json()


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("query=mutation{deviceUnregister(input:{token:\"x\"}){removed}}",
         "application/x-www-form-urlencoded"),
        ('{"query": "mutation { deviceUnregister(input: {token: \\"x\\"}) { removed } }"}',
         "text/plain"),
        ('{"query": "{ viewer { id } }"}', "text/plain;charset=UTF-8"),
        ("", ""),
    ],
)  # fmt: skip
async def test_simple_cross_site_posts_are_refused(
    client: httpx.AsyncClient, content: str, content_type: str
) -> None:
    # A page on another site can send these without a CORS preflight; only JSON runs.
    headers = {"Content-Type": content_type} if content_type else {}
    response = await timed(lambda: client.post("/graphql", content=content, headers=headers))
    assert response.status_code in (400, 415)
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_multipart_posts_are_refused(client: httpx.AsyncClient) -> None:
    # GraphQL multipart uploads (a CSRF vector in older Strawberry) are switched off
    operations = json.dumps({"query": "{ viewer { id } }", "variables": {}})
    response = await timed(
        lambda: client.post(
            "/graphql",
            data={"operations": operations, "map": "{}"},
            files={"0": ("a.txt", b"hello", "text/plain")},
        )
    )
    assert response.status_code in (400, 415)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    "body",
    [
        # a lone surrogate: valid to Python's json module, not UTF-8 text
        b'{"query": "mutation($d: String!) { x: __typename }", "variables": {"d": "\\ud800"}}',
        b'{"query": "{ viewer { id } }"',  # cut short
        b'{"query": "{ viewer { id } }"}\xff',  # not UTF-8
    ],
)
async def test_json_bodies_that_are_not_json_are_refused(
    client: httpx.AsyncClient, make_token: Callable[..., str], body: bytes
) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {make_token()}"}
    response = await timed(lambda: client.post("/graphql", content=body, headers=headers))
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
