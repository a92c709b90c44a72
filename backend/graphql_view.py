"""The GraphQL HTTP view: persisted queries, GET, HTTP caching, auth errors and our error codes.

Persisted queries (backend/persisted_queries.py): Apollo's persisted query link sends
`extensions.persistedQuery.sha256Hash` without the query, by POST or GET. In `allowlist` mode
(production's default) only the manifest's ids run, and an unknown one is PERSISTED_QUERY_NOT_FOUND;
a sent document is never run or registered (the console's checked-in texts excepted, matched
byte for byte). In `apq` mode (development) Apollo's automatic persisted queries also work: a client
registers a document by sending it once with its hash.

GraphQL over HTTP: queries may come by GET (a persisted hash; full documents outside the
allowlist), mutations never (405). Public answers are cached in the process, for signed-in viewers
too unless the selection asks who they are (backend/viewer_fields.py); anonymous ones are sent
with `Cache-Control: public`, an ETag (If-None-Match gives 304) and `Vary`; others are
`private, no-store` (backend/http_cache.py). A token refused on a write answers like one refused
on any request: HTTP 401, `WWW-Authenticate: Bearer`, GraphQL `errors` with a code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import orjson
from cross_web import HTTPException
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema import Schema
from strawberry.types import ExecutionResult

from backend.auth import service as auth_service
from backend.context import Context, get_context
from backend.db import Database
from backend.errors import UNAVAILABLE_MESSAGE, error_code, is_unavailable
from backend.http_cache import (
    PRIVATE,
    PUBLIC,
    VARY,
    VERSION_REFRESH_SECONDS,
    PublicVersion,
    ResponseCache,
    cacheable,
    etag,
    etag_matches,
    parse_operation,
)
from backend.middleware import AUTH_UNAVAILABLE, auth_failure, graphql_error_body
from backend.persisted_queries import (
    Manifest,
    ManifestError,
    PersistedQueryMode,
    load_manifest,
    sha256_hex,
)
from backend.state import app_state
from backend.viewer_fields import ViewerFields

log = logging.getLogger(__name__)

MAX_APQ_QUERY_BYTES = 20_000


class BadRequestError(Exception):
    """The request's parameters cannot be read (HTTP 400)."""


def _error(
    message: str, code: str, status: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]}, status, headers
    )


def NOT_ALLOWED() -> JSONResponse:
    return _error(
        "Only the app's registered operations are accepted", "PERSISTED_QUERY_NOT_ALLOWED", 400
    )


def NOT_FOUND() -> JSONResponse:
    # The message and code Apollo's persisted query link looks for.
    return _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")


def _json_param(raw: str | None, name: str) -> Any:
    if not raw:
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise BadRequestError(f"The `{name}` parameter is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequestError(f"The `{name}` parameter must be a JSON object")
    return value


def _load_manifest(mode: PersistedQueryMode) -> Manifest:
    try:
        return load_manifest()
    except ManifestError:
        if mode is PersistedQueryMode.ALLOWLIST:
            raise  # production without its allowlist would refuse every request
        log.warning("no persisted-query manifest: only APQ-registered hashes are known")
        return Manifest(operations={}, documents={})


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context, error codes, persisted queries and caching."""

    def __init__(
        self,
        *args: Any,
        persisted_queries: PersistedQueryMode,
        manifest: Manifest | None = None,
        version_refresh_seconds: float = VERSION_REFRESH_SECONDS,
        response_cache: bool = True,
        **kwargs: Any,
    ) -> None:
        # Strawberry runs queries (never mutations) that come by GET; _serve decides which may.
        super().__init__(*args, **{**kwargs, "allow_queries_via_get": True})
        self.response_cache = response_cache
        self.persisted_mode = persisted_queries
        self.manifest = manifest if manifest is not None else _load_manifest(persisted_queries)
        self.cache = ResponseCache()
        self.public_version = PublicVersion(version_refresh_seconds)
        assert isinstance(self.schema, Schema)  # the one backend.schema builds
        self.viewer_fields = ViewerFields(self.schema._schema)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise RuntimeError("GraphQL is served over HTTP only")  # no subscriptions here
        request = Request(scope=scope, receive=receive)
        try:
            response = await self._serve(request)
        except HTTPException as error:
            # Strawberry answers these in plain text; clients expect GraphQL's JSON error shape.
            response = _error(error.reason, "BAD_REQUEST", error.status_code)
        except PyMongoError as error:
            # Before execution (persisted queries, the cache's data version): no GraphQL result yet.
            if not is_unavailable(error):
                raise
            response = _error(UNAVAILABLE_MESSAGE, "UNAVAILABLE", 503)
        response.headers.setdefault("cache-control", PRIVATE)
        response.headers["vary"] = VARY
        await response(scope, receive, send)

    async def _params(self, request: Request) -> Mapping[str, Any] | None:
        """query, operationName, variables, extensions; None when not a GraphQL request."""
        if request.method == "GET":
            params = request.query_params
            return {
                "query": params.get("query"),
                "operationName": params.get("operationName"),
                "variables": _json_param(params.get("variables"), "variables"),
                "extensions": _json_param(params.get("extensions"), "extensions"),
            }
        if request.method != "POST" or "application/json" not in request.headers.get(
            "content-type", ""
        ):
            return None
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            # Refused here, not left to Strawberry's json.loads: that one accepts lone
            # surrogates ("\ud800"), which then fail deep in a resolver as an internal error.
            raise BadRequestError(
                "The request body is not valid JSON (UTF-8 text, no lone surrogates)"
            ) from None
        return data if isinstance(data, dict) else None

    async def _document(self, request: Request, params: Mapping[str, Any]) -> str | Response | None:
        """The document to run for this request, or the persisted-query protocol's answer."""
        extensions = params.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        query = params.get("query") if isinstance(params.get("query"), str) else None
        allowlist = self.persisted_mode is PersistedQueryMode.ALLOWLIST
        if persisted is None:
            if not allowlist or query is None:
                return query  # outside the allowlist any document; None: Strawberry's answer
            checked_in = self.manifest.by_document(query) if request.method == "POST" else None
            return checked_in if checked_in is not None else NOT_ALLOWED()
        if self.persisted_mode is PersistedQueryMode.OFF:
            return _error("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or len(digest) != 64:
            return _error("Invalid persistedQuery extension", "BAD_REQUEST", 400)
        if query is not None and sha256_hex(query) != digest:
            return _error("provided sha does not match query", "BAD_REQUEST", 400)
        known = self.manifest.by_id(digest)
        if known is not None:
            return known.body
        if allowlist:
            # Apollo's link resends the document after NOT_FOUND: never run or register it.
            return NOT_ALLOWED() if query is not None else NOT_FOUND()
        if query is None:
            return await self._lookup(request, digest) or NOT_FOUND()
        if request.method == "POST":  # a GET changes nothing
            if len(query) > MAX_APQ_QUERY_BYTES:
                return _error("Query too large to persist", "BAD_REQUEST", 400)
            await self._store(request, digest, query)
        return query

    async def _store(self, request: Request, digest: str, query: str) -> None:
        db: Database = app_state(request.app).db
        # Shared by every web process, so a retry may land anywhere.
        await db["persisted_queries"].update_one(
            {"_id": digest},
            {"$setOnInsert": {"query": query, "created_at": time.time()}},
            upsert=True,
        )

    async def _lookup(self, request: Request, digest: str) -> str | None:
        db: Database = app_state(request.app).db
        found = await db["persisted_queries"].find_one({"_id": digest})
        return str(found["query"]) if found else None

    async def _check_writer(self, request: Request) -> Response | None:
        """A write re-checks the token for revocation first, and is refused like any bad token."""
        viewer = request.state.viewer
        state = app_state(request.app)
        if not viewer.is_authenticated or not state.revocations.enabled:
            return None
        try:
            await auth_service.authenticate(
                app=state.firebase_app,
                authorization=request.headers.get("authorization"),
                locale=viewer.locale,
                revocations=state.revocations,
                force_revocation_check=True,
            )
        except auth_service.AuthenticationError as error:
            state.revocations.forget(str(viewer.uid))
            body, headers = auth_failure(error, viewer.locale, graphql=True)
            return Response(body, 401, headers, media_type="application/json")
        except auth_service.AuthUnavailableError:
            body = graphql_error_body("UNAVAILABLE", AUTH_UNAVAILABLE.in_(viewer.locale))
            return Response(body, 503, {"retry-after": "5"}, media_type="application/json")
        request.state.revocation_checked = True  # the permission classes need not ask again
        return None

    async def _serve(self, request: Request) -> Response:
        try:
            params = await self._params(request)
        except BadRequestError as error:
            return _error(str(error), "BAD_REQUEST", 400)
        if params is None:
            if self.persisted_mode is PersistedQueryMode.ALLOWLIST:
                return NOT_ALLOWED()  # batches, multipart, other content types
            return await self.run(request)  # Strawberry's own refusal
        document = await self._document(request, params)
        if isinstance(document, Response):
            return document
        if document is None:
            return await self.run(request)  # GraphiQL's page, or "No GraphQL query found"
        request.state.document = document
        operation_name = params.get("operationName")
        operation_name = operation_name if isinstance(operation_name, str) else None
        operation = parse_operation(document, operation_name)
        if request.method == "GET" and operation is not None and operation.type != "query":
            return _error(
                "Mutations are sent with POST", "METHOD_NOT_ALLOWED", 405, {"allow": "POST"}
            )
        if operation is not None and operation.type == "mutation":
            refused = await self._check_writer(request)
            if refused is not None:
                return refused
        if not cacheable(document, operation_name):
            return await self.run(request)
        # A signed-in viewer shares the cache unless the selection asks who they are (the token
        # was verified by the middleware: a bad one never gets here).
        if request.state.viewer.is_authenticated and self.viewer_fields.touched(document):
            return await self.run(request)
        return await self._serve_public(request, document, params)

    async def _serve_public(
        self, request: Request, document: str, params: Mapping[str, Any]
    ) -> Response:
        """A public answer: from this process's cache; with HTTP cache headers when anonymous
        (a signed-in viewer's stays `private`: shared caches keep nothing sent with a token)."""
        signed_in = request.state.viewer.is_authenticated
        key = None
        if self.response_cache:
            version = await self.public_version.get(app_state(request.app).db)
            try:
                key = sha256_hex(
                    orjson.dumps(
                        [document, params.get("operationName"), params.get("variables") or {},
                         request.state.viewer.locale.value, version],
                        option=orjson.OPT_SORT_KEYS,
                    ).decode()
                )  # fmt: skip
            except TypeError:
                # Variables nested deeper than orjson writes (it reads deeper): GraphQL refuses
                # them.
                return await self.run(request)
        now = time.monotonic()
        cached = self.cache.get(key, now) if key is not None else None
        if cached is not None:
            body, outcome = cached, "HIT"
        else:
            response = await self.run(request)
            body, outcome = bytes(response.body), "MISS"
            if response.status_code != 200 or b'"errors"' in body:
                return response  # private, no-store: an error is nobody's to keep
            if key is not None:
                self.cache.put(key, body, now)
        if signed_in:
            headers = {"cache-control": PRIVATE} | ({"x-cache": outcome} if key else {})
            return Response(body, media_type="application/json", headers=headers)
        tag = etag(body)
        headers = {"cache-control": PUBLIC, "etag": tag}
        if key is not None:
            headers["x-cache"] = outcome
        if request.method == "GET" and etag_matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        return Response(body, media_type="application/json", headers=headers)

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET with only a hash (and Accept: */*) is a persisted query, not a visit to GraphiQL.
        return super().should_render_graphql_ide(request) and (
            request.query_params.get("extensions") is None
        )

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        # The adapter wraps the Starlette request that _serve annotated with the document to
        # run: the sent one, a persisted one, or a checked-in file's text.
        starlette_request = getattr(request, "_request", None)
        state = getattr(starlette_request, "state", None)
        document = getattr(state, "document", None) if state is not None else None
        if document is not None and isinstance(data, GraphQLRequestData):
            data.query = document
        return data

    def encode_json(self, data: object) -> str | bytes:
        # orjson: a list of 52 places is 35 kB of JSON, which json.dumps wrote in 0.24 ms and
        # orjson writes in a tenth of that (UTF-8 as it is, not \u escapes: the same JSON).
        try:
            return orjson.dumps(data)
        except TypeError:  # what orjson does not write (an int past 64 bits): as Strawberry did
            return super().encode_json(data)

    async def get_context(self, request: Any, response: Any) -> Context:
        return await get_context(request, response)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        for error, formatted in zip(result.errors or [], data.get("errors") or [], strict=False):
            extensions: dict[str, object] = formatted.setdefault("extensions", {})  # type: ignore[attr-defined,assignment]
            if "code" in extensions:
                continue
            extensions["code"] = error_code(error)
            if extensions["code"] == "UNAVAILABLE":
                formatted["message"] = UNAVAILABLE_MESSAGE  # type: ignore[index]  # no host, port
        return data
