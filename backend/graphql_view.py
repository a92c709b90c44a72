"""The GraphQL HTTP view: our context, error codes, persisted queries and a public response cache.

Persisted queries follow Apollo's automatic persisted queries protocol: a client sends
`extensions.persistedQuery.sha256Hash` without the query; the server answers
PERSISTED_QUERY_NOT_FOUND until the client sends the query once with its hash. Known documents
(graphql/operations/) are always registered. In `allowlist` mode (production's default) only those
documents run: nothing else is even parsed.

Public content (heritage sites, journeys, search, report categories) is the same for every
anonymous viewer in a locale, so whole responses are cached per process, keyed by the document,
variables, locale and the public data version kept in MongoDB (re-read every few seconds, so every
process drops stale entries soon after any content change).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse
from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult

from backend.air import queries as air_queries
from backend.auth.service import parse_locale
from backend.context import Context, get_context
from backend.db import Database
from backend.errors import UNAVAILABLE_MESSAGE, error_code, is_unavailable
from backend.meta import repository as meta_repository
from backend.settings import ROOT
from backend.state import app_state

log = logging.getLogger(__name__)

OPERATIONS_DIR = ROOT / "graphql" / "operations"
# Root fields whose answers depend only on public data and the locale.
CACHEABLE_ROOT_FIELDS = (
    frozenset({"pois", "poi", "poiClusters", "journeys", "journey", "search", "reportCategories"})
    | air_queries.ROOT_FIELDS_CACHEABLE
)
VERSION_REFRESH_SECONDS = 2.0
CACHE_TTL_SECONDS = 300.0
MAX_APQ_QUERY_BYTES = 20_000


class PersistedQueryMode(StrEnum):
    OFF = "off"
    APQ = "apq"  # any document, registered by hash on first use
    ALLOWLIST = "allowlist"  # only graphql/operations/ documents


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def load_allowlist(directory: Path = OPERATIONS_DIR) -> dict[str, str]:
    """hash -> document for every operation the app ships."""
    return {
        _sha256(text): text
        for text in (path.read_text(encoding="utf-8") for path in directory.rglob("*.graphql"))
    }


@lru_cache(maxsize=1024)
def _root_fields(query: str, operation_name: str | None) -> frozenset[str] | None:
    """The root fields of the operation to run, or None when it is not a plain query."""
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        o
        for o in operations
        if operation_name is None or (o.name and o.name.value == operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation.value != "query":
        return None
    fields = set()
    for selection in chosen[0].selection_set.selections:
        if not isinstance(selection, FieldNode):
            return None  # fragments or directives at the root: not worth reasoning about
        fields.add(selection.name.value)
    return frozenset(fields)


def cacheable(query: str, operation_name: str | None) -> bool:
    fields = _root_fields(query, operation_name)
    return bool(fields) and fields <= CACHEABLE_ROOT_FIELDS  # type: ignore[operator]


@dataclass
class _Entry:
    body: bytes
    expires: float


class ResponseCache:
    """A bounded LRU of serialized responses (bytes), per process."""

    def __init__(self, max_bytes: int = 64 * 1024 * 1024, max_entry_bytes: int = 2 * 1024 * 1024):
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: str, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires < now:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry.body

    def put(self, key: str, body: bytes, now: float) -> None:
        if len(body) > self.max_entry_bytes:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._size -= len(old.body)
        self._entries[key] = _Entry(body, now + CACHE_TTL_SECONDS)
        self._size += len(body)
        # Least recently used first: drop what is over the budget, then what has expired at
        # the old end, so a quiet process does not keep dead answers until the budget fills.
        while self._entries:
            oldest_key = next(iter(self._entries))
            oldest = self._entries[oldest_key]
            if self._size <= self.max_bytes and oldest.expires >= now:
                break
            del self._entries[oldest_key]
            self._size -= len(oldest.body)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._size


class PublicVersion:
    """The public data version, re-read from MongoDB at most every couple of seconds."""

    def __init__(self, refresh_seconds: float = VERSION_REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self._value: str | None = None
        self._read_at = 0.0
        self._bumps_seen = -1

    async def get(self, db: Database) -> str:
        now = time.monotonic()
        bumps = meta_repository.local_bumps()
        if (
            self._value is None
            or bumps != self._bumps_seen
            or now - self._read_at > self.refresh_seconds
        ):
            self._value = await meta_repository.public_data_version(db)
            self._read_at = now
            self._bumps_seen = bumps
        return self._value


class InvalidJsonBodyError(Exception):
    """A POST body sent as application/json that is not JSON orjson accepts."""


def _error(message: str, code: str, status: int = 200) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def NOT_ALLOWED() -> JSONResponse:
    return _error(
        "Only the app's registered operations are accepted", "PERSISTED_QUERY_NOT_ALLOWED", 400
    )


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context, error codes, persisted queries and caching."""

    def __init__(
        self,
        *args: Any,
        persisted_queries: PersistedQueryMode,
        version_refresh_seconds: float = VERSION_REFRESH_SECONDS,
        response_cache: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.response_cache = response_cache
        self.persisted_mode = persisted_queries
        self.allowlist = load_allowlist()
        self.cache = ResponseCache()
        self.public_version = PublicVersion(version_refresh_seconds)

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
        await response(scope, receive, send)

    async def _body(self, request: Request) -> Mapping[str, Any] | None:
        if request.method != "POST" or "application/json" not in request.headers.get(
            "content-type", ""
        ):
            return None
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            # Refused here, not left to Strawberry's json.loads: that one accepts lone
            # surrogates ("\ud800"), which then fail deep in a resolver as an internal error.
            raise InvalidJsonBodyError from None
        return data if isinstance(data, dict) else None

    async def _resolve_persisted(
        self, request: Request, body: Mapping[str, Any]
    ) -> Response | None:
        """Fill in the query of a persisted request, or answer the protocol's errors."""
        extensions = body.get("extensions")
        persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
        query = body.get("query")
        if persisted is None:
            if (
                self.persisted_mode is PersistedQueryMode.ALLOWLIST
                and isinstance(query, str)
                and _sha256(query) not in self.allowlist
            ):
                return NOT_ALLOWED()
            return None
        if self.persisted_mode is PersistedQueryMode.OFF:
            return _error("PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
        digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
        if not isinstance(digest, str) or len(digest) != 64:
            return _error("Invalid persistedQuery extension", "BAD_REQUEST", 400)
        state = request.state
        if isinstance(query, str):
            if _sha256(query) != digest:
                return _error("provided sha does not match query", "BAD_REQUEST", 400)
            if digest not in self.allowlist:
                if self.persisted_mode is PersistedQueryMode.ALLOWLIST:
                    return NOT_ALLOWED()
                if len(query) > MAX_APQ_QUERY_BYTES:
                    return _error("Query too large to persist", "BAD_REQUEST", 400)
                await self._store(request, digest, query)
            return None
        known = self.allowlist.get(digest) or await self._lookup(request, digest)
        if known is None:
            return _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        state.persisted_query = known
        return None

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

    async def _serve(self, request: Request) -> Response:
        try:
            body = await self._body(request)
        except InvalidJsonBodyError:
            return _error(
                "The request body is not valid JSON (UTF-8 text, no lone surrogates)",
                "BAD_REQUEST",
                400,
            )
        if body is not None:
            refused = await self._resolve_persisted(request, body)
            if refused is not None:
                return refused
        query = getattr(request.state, "persisted_query", None) or (body or {}).get("query")
        if (
            not self.response_cache
            or body is None
            or not isinstance(query, str)
            or "authorization" in request.headers
            or not cacheable(query, body.get("operationName"))
        ):
            return await self.run(request)
        db: Database = app_state(request.app).db
        version = await self.public_version.get(db)
        try:
            key = _sha256(
                orjson.dumps(
                    [query, body.get("operationName"), body.get("variables") or {},
                     parse_locale(request.headers.get("accept-language")).value, version],
                    option=orjson.OPT_SORT_KEYS,
                ).decode()
            )  # fmt: skip
        except TypeError:
            # Variables nested deeper than orjson writes (it reads deeper): GraphQL refuses them.
            return await self.run(request)
        now = time.monotonic()
        cached = self.cache.get(key, now)
        if cached is not None:
            return Response(cached, media_type="application/json", headers={"X-Cache": "HIT"})
        response = await self.run(request)
        body_bytes = response.body
        if response.status_code == 200 and b'"errors"' not in body_bytes:
            self.cache.put(key, bytes(body_bytes), now)
        response.headers["X-Cache"] = "MISS"
        return response

    async def parse_http_body(self, request: Any) -> GraphQLRequestData | list[GraphQLRequestData]:
        data = await super().parse_http_body(request)
        # The adapter wraps the Starlette request that _resolve_persisted annotated.
        starlette_request = getattr(request, "_request", None)
        state = getattr(starlette_request, "state", None)
        query = getattr(state, "persisted_query", None) if state is not None else None
        if query is not None and isinstance(data, GraphQLRequestData) and data.query is None:
            data.query = query
        return data

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
