"""Fuzzing with schemathesis: the GraphQL schema and the OpenAPI description of the REST routes.

Every root field of graphql/schema.graphql and every operation of backend/openapi/ gets
generated requests (valid ones, then invalid ones), sent to the real app inside its lifespan, with
the real database and seeded content, signed in as a resident. Half the cases carry real ids (a
report, a place, a tour, a partner's key) where random text would only ever find nothing.

Passes when no answer is a 5xx, no GraphQL error is one that production would mask (an unhandled
exception: INTERNAL_SERVER_ERROR, whatever the exception's own `code`), and every REST answer
matches its description: status code, content type, headers, JSON body schema, well-formed XML.

Hypothesis runs in a worker thread and hands each request to the test's event loop, where the app
and its one AsyncMongoClient live. Runs are derandomized and keep no example database, so CI sends
the same requests every time. A longer session by hand:
`FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/security/test_fuzz.py -s`.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import hypothesis
import pytest
import requests
import schemathesis
from graphql import (
    ArgumentNode,
    FloatValueNode,
    GraphQLError,
    IntValueNode,
    ListValueNode,
    Node,
    ObjectFieldNode,
    StringValueNode,
    ValueNode,
    Visitor,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, Phase, Verbosity
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from PIL import Image
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure
from schemathesis.errors import FailureGroup
from schemathesis.graphql.checks import GraphQLServerError
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend import graphql_view
from backend.errors import error_code, is_unavailable, should_mask_error
from backend.open311 import service as open311_service
from backend.openapi import OPENAPI
from backend.settings import ROOT, Settings
from tests.conftest import with_settings

# Examples per operation with valid data (half as many with invalid data): the CI budget.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
pytestmark = pytest.mark.timeout(300 + 10 * EXAMPLES)
BASE_URL = "http://testserver"
RESIDENT = "fuzz-resident"
# Hoàn Kiếm lake, and a box around the old quarter.
LAKE = (21.0287, 105.8524)
OLD_QUARTER = {"south": 21.02, "west": 105.84, "north": 21.04, "east": 105.86}
DESCRIPTION = "Rác thải đổ trộm ven hồ, bốc mùi"
REQUEST_ARGUMENTS = ("method", "url", "headers", "params", "cookies", "data", "json", "files")
Judge = Callable[[schemathesis.Response], Iterable[str]]


@dataclass(frozen=True)
class Finding:
    operation: str
    problem: str
    request: str

    def __str__(self) -> str:
        return f"{self.operation}: {self.problem}\n    {self.request}"


class KnownValues(Visitor):
    """Put known values into a GraphQL document's arguments and input fields with their names."""

    def __init__(self, known: dict[str, list[Any]], data: st.DataObject) -> None:
        super().__init__()
        self.known = known
        self.data = data

    def enter_argument(self, node: ArgumentNode, *_: object) -> Node | None:
        return self._fill(node)

    def enter_object_field(self, node: ObjectFieldNode, *_: object) -> Node | None:
        return self._fill(node)

    def _fill(self, node: ArgumentNode | ObjectFieldNode) -> Node | None:
        values = self.known.get(node.name.value)
        value = self._value(node.value, values) if values else None
        if value is None:
            return None
        return replace(node, value=value)

    def _value(self, node: ValueNode, values: list[Any]) -> ValueNode | None:
        if isinstance(node, ListValueNode):
            items = [self._value(item, values) or item for item in node.values]
            return ListValueNode(values=tuple(items))
        if not isinstance(node, StringValueNode | IntValueNode | FloatValueNode):
            return None  # null, an enum, an object: left as generated
        chosen = self.data.draw(st.sampled_from(values))
        if isinstance(chosen, float):
            return FloatValueNode(value=repr(chosen))
        if isinstance(chosen, int):
            return IntValueNode(value=str(chosen))
        return StringValueNode(value=str(chosen))


@dataclass
class Fuzzer:
    """Draws cases in a worker thread and sends them to the app on the test's event loop."""

    client: httpx.AsyncClient
    loop: asyncio.AbstractEventLoop
    base_url: str
    headers: dict[str, str]
    checks: list[Any]
    judge: Judge
    known: dict[str, list[Any]]
    graphql: bool = False
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)

    def run(self, operations: Iterable[APIOperation], examples: int) -> None:
        for operation in operations:
            self._fuzz(operation, GenerationMode.POSITIVE, examples)
            self._fuzz(operation, GenerationMode.NEGATIVE, max(1, examples // 2))

    def _fuzz(self, operation: APIOperation, mode: GenerationMode, examples: int) -> None:
        @hypothesis.settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            print_blob=False,
        )
        @hypothesis.given(operation.as_strategy(generation_mode=mode), st.data())
        def exercise(case: Case, data: st.DataObject) -> None:
            if data.draw(st.booleans()):
                self.use_known_values(case, data)
            self.exercise(case)

        try:
            exercise()
        except hypothesis.errors.Unsatisfiable:
            # Nothing about the operation can be invalid (no parameters, or free text only).
            if mode is not GenerationMode.NEGATIVE:
                raise

    def use_known_values(self, case: Case, data: st.DataObject) -> None:
        """Real ids, a partner's key, a place in Hanoi: values generation would never find."""
        if self.graphql:  # the body is a document
            case.body = print_ast(visit(parse(case.body), KnownValues(self.known, data)))
        for container in (case.path_parameters, case.body):
            if isinstance(container, dict):
                for name in sorted(container.keys() & self.known.keys()):
                    container[name] = data.draw(st.sampled_from(self.known[name]))

    def exercise(self, case: Case) -> None:
        kwargs = case.as_transport_kwargs(base_url=self.base_url, headers=self.headers)
        prepared = requests.Request(
            **{name: kwargs[name] for name in REQUEST_ARGUMENTS if kwargs.get(name) is not None}
        ).prepare()
        try:
            response = asyncio.run_coroutine_threadsafe(self._send(prepared), self.loop).result()
        except Exception as error:  # the app raised: a 500 for a real client
            self.outcomes[case.operation.label, "500"] += 1
            self._found(case, f"500: {type(error).__name__}: {error}", prepared)
            return
        self.outcomes[case.operation.label, _outcome(response)] += 1
        for problem in self._problems(case, response):
            self._found(case, problem, prepared)

    def _found(self, case: Case, problem: str, prepared: requests.PreparedRequest) -> None:
        key = (case.operation.label, problem.splitlines()[0][:200])
        self.findings.setdefault(key, Finding(case.operation.label, problem, _show(prepared)))

    async def _send(self, prepared: requests.PreparedRequest) -> schemathesis.Response:
        started = time.perf_counter()
        answer = await self.client.request(
            str(prepared.method), str(prepared.url), headers=prepared.headers, content=prepared.body
        )
        headers: dict[str, list[str]] = {}
        for name, value in answer.headers.multi_items():
            headers.setdefault(name, []).append(value)
        return schemathesis.Response(
            status_code=answer.status_code,
            headers=headers,
            content=answer.content,
            request=prepared,
            elapsed=time.perf_counter() - started,
            verify=True,
            message=answer.reason_phrase,
            encoding=answer.encoding,
        )

    def _problems(self, case: Case, response: schemathesis.Response) -> Iterator[str]:
        if response.status_code >= 500:
            yield f"{response.status_code}: {response.content[:300]!r}"
        try:
            case.validate_response(response, checks=self.checks)
        except FailureGroup as group:
            for failure in group.exceptions:
                yield from _described(failure)
        yield from self.judge(response)

    def summary(self, name: str, operations: int, elapsed: float) -> str:
        requests_sent = sum(self.outcomes.values())
        lines = [f"{name}: {operations} operations, {requests_sent} requests in {elapsed:.1f} s"]
        lines += [
            f"  {label}: {outcome} x{count}" for (label, outcome), count in self.outcomes.items()
        ]
        return "\n".join(lines)

    def report(self) -> str:
        return "\n".join(str(finding) for finding in self.findings.values())


def _outcome(response: schemathesis.Response) -> str:
    """The status and the first GraphQL error's code (or payload error's): how far it got."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return str(response.status_code)
    if not isinstance(body, dict):
        return str(response.status_code)
    for error in body.get("errors") or []:
        return f"{response.status_code} {(error.get('extensions') or {}).get('code')}"
    for payload in (body.get("data") or {}).values():
        for error in (payload.get("errors") or []) if isinstance(payload, dict) else []:
            return f"{response.status_code} payload {error.get('code')}"
    return str(response.status_code)


def _described(failure: Failure) -> Iterator[str]:
    # schemathesis counts every GraphQL error with a `path` as a server error (FORBIDDEN from a
    # permission class too); `unmasked_errors` tells them apart by the code the app gives.
    if not isinstance(failure, GraphQLServerError):
        yield f"{failure.title}: {failure.message}"


def _show(prepared: requests.PreparedRequest) -> str:
    body = prepared.body
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    return f"{prepared.method} {prepared.url} {(body or '')[:600]}"


def named(names: str, values: list[Any]) -> dict[str, list[Any]]:
    return {name: values for name in names.split()}


async def ids(db: Any, collection: str) -> list[str]:
    return [str(doc["_id"]) async for doc in db[collection].find({}, {"_id": 1})]


@pytest.fixture(autouse=True, scope="module")
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis caches constants and Unicode tables: in a temporary directory, not the repo."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The city's content: categories, areas, places, journeys, tours and hotels."""
    return with_settings(settings, seed_on_start=True)


@pytest.fixture
def token(make_token: Callable[..., str]) -> str:
    return make_token(uid=RESIDENT)


# --- GraphQL ----------------------------------------------------------------------------------

REPORT_CREATE = """
mutation ReportCreate($input: ReportCreateInput!) {
  reportCreate(input: $input) { report { id } errors { field message code } }
}
"""


@pytest.fixture
def masked_as_internal(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Code INTERNAL_SERVER_ERROR every error production would mask, even one whose exception
    has a `code` of its own (the test settings leave errors unmasked, with their text)."""
    # Strawberry logs every error with its traceback: thousands of expected refusals here.
    caplog.set_level(logging.CRITICAL, logger="strawberry.execution")

    def code(error: GraphQLError) -> str:
        if should_mask_error(error) and not is_unavailable(error.original_error):
            return "INTERNAL_SERVER_ERROR"
        return error_code(error)

    monkeypatch.setattr(graphql_view, "error_code", code)


def unmasked_errors(response: schemathesis.Response) -> Iterator[str]:
    """Every error is coded, and none is an unexpected exception."""
    try:
        body = json.loads(response.content)
    except ValueError:
        yield f"{response.status_code}: not JSON"
        return
    for error in body.get("errors") or [] if isinstance(body, dict) else []:
        code = (error.get("extensions") or {}).get("code")
        if code is None or code == "INTERNAL_SERVER_ERROR":
            yield f"error code {code}: {error.get('message')} at {error.get('path')}"


@pytest.mark.usefixtures("masked_as_internal")
async def test_graphql_schema_fuzzing(
    client: httpx.AsyncClient, token: str, db_client: Any, settings: Settings
) -> None:
    # given seeded content, a report of the signed-in resident, and the schema the app serves
    db = db_client[settings.mongodb_db]
    headers = {"Authorization": f"Bearer {token}"}
    report_input = {
        "categoryId": "pothole",
        "description": DESCRIPTION,
        "location": {"lat": LAKE[0], "lng": LAKE[1]},
        "idempotencyKey": "fuzz-report",
    }
    created = await client.post(
        "/graphql",
        json={"query": REPORT_CREATE, "variables": {"input": report_input}},
        headers=headers,
    )
    reports = [created.json()["data"]["reportCreate"]["report"]["id"]]
    pois, journeys = await ids(db, "pois"), await ids(db, "journeys")
    tours, hotels = await ids(db, "tours"), await ids(db, "hotels")
    soon = datetime.now(UTC).date() + timedelta(days=3)
    fuzzer = Fuzzer(
        client=client,
        loop=asyncio.get_running_loop(),
        base_url=f"{BASE_URL}/graphql",
        headers=headers,
        checks=[not_a_server_error, response_schema_conformance],
        judge=unmasked_errors,
        graphql=True,
        known={
            "id": reports + pois + journeys + tours + hotels,
            **named("reportId reportIds intoReportId objectId", reports),
            **named("poiId poiIds", pois),
            "stopId": [f"{journey}:1" for journey in journeys],  # JourneyStop.id
            **named("journeyId journeyIds", journeys),
            "tourId": tours,
            "hotelId": hotels,
            "departureId": await ids(db, "tour_departures"),
            "roomTypeId": await ids(db, "room_types"),
            "categoryId": await ids(db, "categories"),
            **named("areaId areaIds", await ids(db, "areas")),
            "departmentId": await ids(db, "departments"),
            "userId": [RESIDENT],
            "description": [DESCRIPTION],
            "lat": [LAKE[0]],
            "lng": [LAKE[1]],
            **{side: [value] for side, value in OLD_QUARTER.items()},
            "radiusMeters": [500.0, 5000.0],
            "zoom": [12, 16],
            **named("first seats rooms guests rating", [1, 2, 5]),
            **named("checkIn from", [soon.isoformat()]),
            **named("checkOut to", [(soon + timedelta(days=2)).isoformat()]),
        },
    )
    schema = schemathesis.graphql.from_path(ROOT / "graphql" / "schema.graphql")
    operations = [result.ok() for result in schema.get_all_operations()]

    # when every root field gets valid and invalid documents
    started = time.perf_counter()
    await asyncio.to_thread(fuzzer.run, operations, EXAMPLES)

    # then no error escaped the app's handling
    print(fuzzer.summary("graphql", len(operations), time.perf_counter() - started))
    assert not fuzzer.findings, fuzzer.report()


# --- REST -------------------------------------------------------------------------------------


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 40)).save(out, "JPEG")
    return out.getvalue()


def well_formed_xml(response: schemathesis.Response) -> Iterator[str]:
    """schemathesis checks JSON bodies only: XML ones must at least parse (Open311 clients)."""
    content_type = (response.headers.get("content-type") or [""])[0]
    if "xml" in content_type:
        try:
            ElementTree.fromstring(response.content)  # noqa: S314 (our own answer)
        except ElementTree.ParseError as error:
            yield f"{response.status_code}: malformed XML ({error})"


async def test_rest_routes_fuzzing(
    client: httpx.AsyncClient, token: str, db_client: Any, settings: Settings
) -> None:
    # given seeded content, a photo, a partner's key, a request filed with it, and the description
    db = db_client[settings.mongodb_db]
    headers = {"Authorization": f"Bearer {token}"}
    photo = await client.post(
        "/media", files={"file": ("a.jpg", jpeg(), "image/jpeg")}, headers=headers
    )
    _, api_key = await open311_service.create_key(db=db, name="fuzz", now=datetime.now(UTC))
    form = {"api_key": api_key, "service_code": "pothole", "lat": LAKE[0], "long": LAKE[1]}
    filed = await client.post(
        "/open311/v2/requests.json", data={**form, "description": DESCRIPTION}
    )
    assert photo.status_code == 201 and filed.status_code == 200, (photo.text, filed.text)
    request_id = filed.json()[0]["service_request_id"]
    served = await client.get("/openapi.json")
    assert served.json() == OPENAPI
    fuzzer = Fuzzer(
        client=client,
        loop=asyncio.get_running_loop(),
        base_url=BASE_URL,
        headers=headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
        judge=well_formed_xml,
        known={
            **{name: [value] for name, value in form.items()},
            "service_code": await ids(db, "categories"),
            "description": [DESCRIPTION],
            "media_id": [photo.json()["id"]],
            "journey_id": await ids(db, "journeys"),
            "service_request_id": [request_id],
            "token": [request_id],
        },
    )
    schema = schemathesis.openapi.from_dict(served.json())
    operations = [result.ok() for result in schema.get_all_operations()]

    # when every operation gets valid and invalid requests
    started = time.perf_counter()
    await asyncio.to_thread(fuzzer.run, operations, EXAMPLES)

    # then nothing failed on the server's side, and every answer is as described
    print(fuzzer.summary("rest", len(operations), time.perf_counter() - started))
    assert not fuzzer.findings, fuzzer.report()
