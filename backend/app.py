"""The Starlette application: routes, middleware and the lifespan that owns the connections."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from pymongo.errors import PyMongoError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend import __version__, firebase, pagination
from backend import logging as json_logging
from backend.auth.routes import routes as account_routes
from backend.auth.service import RevocationCache
from backend.bookings.tickets import codes as ticket_codes
from backend.bookings.tickets.routes import routes as ticket_routes
from backend.console.routes import routes as console_routes
from backend.db import open_client, ping
from backend.embedded import EmbeddedMongo
from backend.error_messages import code_message
from backend.errors import BusyError, context_locale, is_unavailable, json_error
from backend.graphql_view import GraphQLView
from backend.media.routes import routes as media_routes
from backend.metrics import MetricsMiddleware, metrics_endpoint, record_snapshot
from backend.middleware import (
    AuthenticationMiddleware,
    BodySizeLimitMiddleware,
    ForwardedHostMiddleware,
    RequestContextMiddleware,
)
from backend.open311.routes import routes as open311_routes
from backend.openapi import openapi_json
from backend.opendata.routes import routes as opendata_routes
from backend.payments.routes import routes as payment_routes
from backend.persisted_queries import PersistedQueryMode
from backend.schema import build_schema
from backend.seed import migrate
from backend.settings import Settings, load_settings
from backend.snapshot import ContentSnapshot, running
from backend.state import AppState, app_state
from backend.tourism.routes import offline_journey

log = logging.getLogger(__name__)

CLIENT_CLOSE_SECONDS = 10
# What browsers may send from the app's origins: Apollo Client adds its name and version (client
# awareness) and, for CSRF prevention, apollo-require-preflight / x-apollo-operation-name.
CORS_ALLOW_HEADERS = [
    "authorization",
    "content-type",
    "accept-language",
    "x-request-id",
    "if-none-match",
    "apollographql-client-name",
    "apollographql-client-version",
    "apollo-require-preflight",
    "x-apollo-operation-name",
]
# And what their scripts may read: validators for revalidation, the id support asks for, and the
# hints of 401 and 503 answers.
CORS_EXPOSE_HEADERS = ["etag", "x-request-id", "retry-after", "www-authenticate"]


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok", "version": __version__})


async def readyz(request: Request) -> Response:
    state = app_state(request.app)
    if await ping(state.db, state.settings.readiness_timeout_seconds):
        return JSONResponse({"status": "ready"})
    return JSONResponse(
        {"status": "unavailable", "error": {"code": "UNAVAILABLE", "message": "database"}},
        status_code=503,
    )


async def busy(request: Request, exc: Exception) -> Response:
    """REST routes answer 409 when a write kept conflicting with others: retry shortly."""
    message = code_message("CONFLICT")
    return json_error(
        409, "CONFLICT", message, locale=context_locale(request.state), headers={"Retry-After": "1"}
    )


async def database_unavailable(request: Request, exc: Exception) -> Response:
    """REST routes answer 503 while the database is away; any other driver error stays a 500."""
    if not is_unavailable(exc):
        raise exc
    message = code_message("UNAVAILABLE")
    return json_error(
        503,
        "UNAVAILABLE",
        message,
        locale=context_locale(request.state),
        headers={"Retry-After": "5"},
    )


# A request allocates tens of thousands of short-lived objects (graphql-core's executor, BSON
# decoding), nearly all freed by reference counting; at the default 700 the young generation is
# collected many times per request, and each collection lands on the event loop.
GC_YOUNG_THRESHOLD = 20_000


def tune_gc() -> None:
    """Keep start-up's objects (modules, schema, content) out of every later collection."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def create_app(settings: Settings | None = None) -> Starlette:
    """Build the ASGI app; connections open in the lifespan, never at import."""
    settings = settings or load_settings()
    settings.check()
    if settings.log_json:
        json_logging.configure()
    pagination.configure(settings.cursor_secret)
    ticket_codes.configure(settings)

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
            snapshot = None
            if settings.content_snapshot:
                snapshot = ContentSnapshot(
                    db,
                    poll_seconds=settings.content_snapshot_poll_seconds,
                    max_entries=settings.content_snapshot_max_entries,
                    report=record_snapshot,
                )
            app.state.thanglong = AppState(
                settings=settings,
                client=client,
                db=db,
                firebase_app=firebase_app,
                revocations=RevocationCache(settings.revocation_check_seconds),
                embedded=embedded,
                snapshot=snapshot,
            )
            async with contextlib.AsyncExitStack() as background:
                if snapshot is not None:
                    await background.enter_async_context(running(snapshot))
                if settings.tune_gc:
                    tune_gc()
                yield
        finally:
            try:
                # A shutdown must finish whatever the driver does. (close() used to hang after
                # a SIGKILLed server on Python 3.11, whose wait_for left PyMongo's lock held.)
                await asyncio.wait_for(client.close(), CLIENT_CLOSE_SECONDS)
            except TimeoutError:
                log.warning("database client did not close within %ss", CLIENT_CLOSE_SECONDS)
            firebase.close(firebase_app)
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    graphql_view = GraphQLView(
        build_schema(production=settings.production),
        graphql_ide=None if settings.production else "graphiql",
        persisted_queries=PersistedQueryMode(settings.persisted_queries),
        version_refresh_seconds=settings.public_version_refresh_seconds,
        response_cache=settings.response_cache,
    )
    middleware = [
        Middleware(ForwardedHostMiddleware, trusted=settings.forwarded_allow_ips),
        Middleware(MetricsMiddleware),
        Middleware(RequestContextMiddleware, hsts=settings.production),
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=CORS_ALLOW_HEADERS,
            expose_headers=CORS_EXPOSE_HEADERS,
            max_age=600,
        ),
        Middleware(
            BodySizeLimitMiddleware,
            max_bytes=settings.max_body_bytes,
            overrides={"/media": 10_500_000},
        ),
        Middleware(AuthenticationMiddleware),
    ]
    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        Route("/graphql", graphql_view, methods=["GET", "POST"]),
        Route("/offline/journeys/{journey_id}.json", offline_journey, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        *media_routes,
        *ticket_routes,
        *open311_routes,
        *opendata_routes,
        *payment_routes,
        *console_routes,
        *account_routes,
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={PyMongoError: database_unavailable, BusyError: busy},
    )


app = create_app()
