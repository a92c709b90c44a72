"""MongoDB operator injection through every String and ID argument of the schema.

The schema is walked, not listed by hand: every root query and mutation is called with all its
String/ID arguments and input fields set to operator-looking strings, and its answer compared with
the answer to the same words without the operator syntax (`$where` -> `where`, `.*` -> an unknown
value): free-text search may find "where", but `$`, braces and regex characters must change
nothing. A hostile value may be refused, but it may never reveal more (a match where the plain
value found nothing, a longer list) nor cause a 5xx or an internal error. An object where a
String is expected (`{"$ne": null}`) never gets past GraphQL.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    get_named_type,
)

from backend.schema import schema
from backend.settings import Settings
from tests.conftest import with_settings

HARMLESS = "zz-unknown-value-0"
HOSTILE = ["$where", '{"$gt": ""}', "$ne", ".*"]
OPERATOR_OBJECT = {"$ne": None}
STRINGS = {"String", "ID"}
SAMPLES: dict[str, Any] = {
    "Int": 1,
    "Float": 1.5,
    "Boolean": True,
    "Date": "2030-01-15",
    "DateTime": "2030-01-15T03:00:00Z",
    "Time": "08:00",
}
SAFE_CODES = {
    "BAD_USER_INPUT",
    "GRAPHQL_VALIDATION_FAILED",
    "FORBIDDEN",
    "UNAUTHENTICATED",
    "NOT_FOUND",
    "BAD_CURSOR",
    "BAD_REQUEST",
}
ROOTS = [("query", schema._schema.query_type), ("mutation", schema._schema.mutation_type)]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A known dataset: the city's content (categories, places, journeys, tours, hotels)."""
    return with_settings(settings, seed_on_start=True)


def sample(type_: GraphQLInputType, text: str, path: str, paths: list[str]) -> Any:
    """A value for an input type, with `text` in every String/ID leaf (their paths recorded)."""
    if isinstance(type_, GraphQLNonNull):
        return sample(type_.of_type, text, path, paths)
    if isinstance(type_, GraphQLList):
        return [sample(type_.of_type, text, f"{path}.0", paths)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        value = {}
        for name, field in type_.fields.items():
            named = get_named_type(field.type)
            # required fields, and every optional string (where an operator could hide)
            if isinstance(field.type, GraphQLNonNull) or (
                isinstance(named, GraphQLScalarType) and named.name in STRINGS
            ):
                value[name] = sample(field.type, text, f"{path}.{name}", paths)
        return value
    assert isinstance(type_, GraphQLScalarType)
    if type_.name in STRINGS:
        paths.append(path)
        return text
    return SAMPLES[type_.name]


def selection(type_: Any) -> str:
    """Enough of the result to see what matched: type names, list lengths, payload errors."""
    named = get_named_type(type_)
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    if not isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        return ""
    parts = ["__typename"]
    if "edges" in named.fields:
        parts.append("edges { __typename }")
    if "errors" in named.fields:
        parts.append("errors { __typename field }")
    return "{ " + " ".join(parts) + " }"


def operation(kind: str, name: str, field: GraphQLField) -> str:
    definitions = ", ".join(f"${arg}: {spec.type}" for arg, spec in field.args.items())
    arguments = ", ".join(f"{arg}: ${arg}" for arg in field.args)
    header = f"{kind} Probe({definitions})" if definitions else f"{kind} Probe"
    call = f"{name}({arguments})" if arguments else name
    return f"{header} {{ {call} {selection(field.type)} }}"


def with_strings(field: GraphQLField, text: str) -> tuple[dict[str, Any], list[str]]:
    paths: list[str] = []
    variables = {arg: sample(spec.type, text, arg, paths) for arg, spec in field.args.items()}
    return variables, paths


def put(variables: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `variables` with the leaf at `path` replaced."""
    import copy

    changed = copy.deepcopy(variables)
    keys = path.split(".")
    target: Any = changed
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return changed


def probes() -> Iterator[tuple[str, str, GraphQLField]]:
    for kind, root in ROOTS:
        assert root is not None
        for name, field in root.fields.items():
            _, paths = with_strings(field, HARMLESS)
            if paths:
                yield kind, name, field


def plain(text: str) -> str:
    """The words of a hostile value without its operator syntax."""
    return " ".join(re.sub(r"[^\w\s]", " ", text).split()) or HARMLESS


def codes(body: dict[str, Any]) -> set[str]:
    return {str((e.get("extensions") or {}).get("code")) for e in body.get("errors") or []}


def reveals_more(hostile: Any, harmless: Any) -> bool:
    """Whether the hostile answer found something the plain one did not (more payload errors
    are refusals, not findings)."""
    if harmless is None:
        return hostile is not None
    if isinstance(harmless, list) and isinstance(hostile, list):
        return len(hostile) > len(harmless) or any(
            reveals_more(h, b) for h, b in zip(hostile, harmless, strict=False)
        )
    if isinstance(harmless, dict) and isinstance(hostile, dict):
        return any(reveals_more(hostile.get(k), v) for k, v in harmless.items() if k != "errors")
    return False


async def test_operator_strings_never_change_a_query(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    started = time.monotonic()

    async def call(document: str, variables: dict[str, Any]) -> dict[str, Any]:
        # a fresh admin per call: the broadest access, and no rate limit shared between calls
        token = make_token(uid=f"probe-{uuid.uuid4().hex[:10]}", claims={"role": "admin"})
        response = await client.post(
            "/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code < 500, (document, variables, response.text)
        body: dict[str, Any] = response.json()
        assert "INTERNAL_SERVER_ERROR" not in codes(body), (document, variables, body)
        return body

    fields, requests = 0, 0
    for kind, name, field in probes():
        fields += 1
        document = operation(kind, name, field)
        baseline_variables, paths = with_strings(field, HARMLESS)
        baseline = await call(document, baseline_variables)
        # the hostile values and their plain words, concurrently (a plain `.*` is the baseline)
        texts = HOSTILE + sorted({plain(text) for text in HOSTILE} - {HARMLESS})
        answers = await asyncio.gather(
            *(call(document, with_strings(field, text)[0]) for text in texts)
        )
        requests += len(texts)
        by_text = dict(zip(texts, answers, strict=True)) | {HARMLESS: baseline}
        for text in HOSTILE:
            hostile, words = by_text[text], by_text[plain(text)]
            if hostile.get("data") is None:
                assert codes(hostile) <= SAFE_CODES | codes(baseline), (name, text, hostile)
                continue
            assert not reveals_more(hostile["data"], words.get("data")), (
                name, text, hostile, words,
            )  # fmt: skip
        # an operator object where a string goes is refused by GraphQL itself
        refusals = await asyncio.gather(
            *(call(document, put(baseline_variables, path, OPERATOR_OBJECT)) for path in paths)
        )
        requests += len(paths)
        for path, refused in zip(paths, refusals, strict=True):
            assert refused["data"] is None, (name, path, refused)
            assert codes(refused) == {"BAD_USER_INPUT"}, (name, path, refused)
    elapsed = time.monotonic() - started
    print(f"\ninjection: {fields} root fields, {requests} hostile requests, {elapsed:.1f} s")
    assert fields >= 20
    assert elapsed < 90  # ~4 s on an idle 2-core machine; leave room for a busy one
