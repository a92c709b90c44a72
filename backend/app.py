"""The Starlette application: routes, middleware and the lifespan that owns the connections."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import firebase_admin
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from cross_web import HTTPException
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from backend import __version__, firebase
from backend.auth.service import RevocationCache
from backend.context import Context, get_context
from backend.db import Client, Database, open_client, ping
from backend.embedded import EmbeddedMongo
from backend.middleware import (
    AuthenticationMiddleware,
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
)
from backend.schema import build_schema
from backend.seed import migrate
from backend.settings import Settings, load_settings

log = logging.getLogger(__name__)


@dataclass
class AppState:
    """What the lifespan opens once per process and every request shares."""

    settings: Settings
    client: Client
    db: Database
    firebase_app: firebase_admin.App
    revocations: RevocationCache
    embedded: EmbeddedMongo | None = None


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with our context and a `code` on every error."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise RuntimeError("GraphQL is served over HTTP only")  # no subscriptions here
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as error:
            # Strawberry answers these in plain text; clients expect GraphQL's JSON error shape.
            response = JSONResponse(
                {"errors": [{"message": error.reason, "extensions": {"code": "BAD_REQUEST"}}]},
                status_code=error.status_code,
            )
        await response(scope, receive, send)

    async def get_context(self, request: Any, response: Any) -> Context:  # noqa: ANN401
        return await get_context(request, response)

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        data = await super().process_result(request, result)
        for error, formatted in zip(result.errors or [], data.get("errors") or [], strict=False):
            extensions = formatted.setdefault("extensions", {})
            if "code" in extensions:
                continue
            original = error.original_error
            code = getattr(original, "code", None)
            if code is not None:
                extensions["code"] = getattr(code, "name", str(code))
            elif original is None:
                extensions["code"] = "GRAPHQL_VALIDATION_FAILED"
            else:
                extensions["code"] = "INTERNAL_SERVER_ERROR"
        return data


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


async def readyz(request: Request) -> Response:
    state: AppState = request.app.state.thanglong
    if await ping(state.db, state.settings.readiness_timeout_seconds):
        return JSONResponse({"status": "ready"})
    return JSONResponse(
        {"status": "unavailable", "error": {"code": "UNAVAILABLE", "message": "database"}},
        status_code=503,
    )


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app; connections open in the lifespan, never at import."""
    settings = settings or load_settings()
    settings.check()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        embedded: EmbeddedMongo | None = None
        uri = settings.mongodb_uri
        if uri is None:
            embedded = EmbeddedMongo(
                settings.data_dir / "db", log_file=settings.data_dir / "log" / "secantusdb.log"
            )
            await asyncio.to_thread(embedded.start)
            uri = embedded.uri
        client = open_client(uri, settings)
        db = client[settings.mongodb_db]
        firebase_app = firebase.initialize(settings)
        try:
            if embedded is not None or settings.seed_on_start:
                # The embedded database is a developer's: prepare it like the release phase would.
                await migrate(db)
            app.state.thanglong = AppState(
                settings=settings,
                client=client,
                db=db,
                firebase_app=firebase_app,
                revocations=RevocationCache(settings.revocation_check_seconds),
                embedded=embedded,
            )
            yield
        finally:
            await client.close()
            firebase.close(firebase_app)
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    graphql_view = GraphQLView(
        build_schema(production=settings.production),
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
    )
    middleware = [
        Middleware(RequestContextMiddleware, hsts=settings.production),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["authorization", "content-type", "accept-language", "x-request-id"],
            max_age=600,
        ),
        Middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes, overrides={}),
        Middleware(AuthenticationMiddleware),
    ]
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", graphql_view, methods=["GET", "POST"]),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


app = create_app()
