"""HTTP routes of Open311 GeoReport v2 at /open311/v2/ (every endpoint in .json and .xml)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.auth.models import Locale, Viewer
from backend.open311 import inputs
from backend.open311 import service as open311_service
from backend.open311.models import Open311Error
from backend.open311.render import FORMATS, errors, respond
from backend.state import AppState, app_state

PREFIX = "/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2025-01-01T00:00:00+07:00"
CONTACT = (
    "ThangLong (Hanoi smart-city app). API keys for partner apps are issued by the city's "
    "administrators. Requests need lat and long: address_string alone is not geocoded. "
    "Names and notices follow ?locale=vi|en or Accept-Language (default vi)."
)

Handler = Callable[[Request, str], Awaitable[Response]]


def _state(request: Request) -> AppState:
    return app_state(request.app)


def _locale(request: Request) -> Locale:
    try:
        return Locale(request.query_params.get("locale", ""))
    except ValueError:
        viewer: Viewer = request.state.viewer
        return viewer.locale


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Check the format extension and turn Open311Errors into the spec's error bodies."""

    async def run(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in FORMATS:
            return errors("json", 404, ["format must be json or xml"])
        try:
            response = await handler(request, fmt)
        except Open311Error as error:
            return errors(fmt, error.status, error.descriptions, error.headers)
        if request.method == "GET":
            response.headers.setdefault("Vary", "Accept-Language")
        return response

    return run


@endpoint
async def discovery(request: Request, fmt: str) -> Response:
    base = _base_url(request) + PREFIX
    body = {
        "changeset": CHANGESET,
        "contact": CONTACT,
        "key_service": "Ask the city's administrators for an api_key.",
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@endpoint
async def services(request: Request, fmt: str) -> Response:
    found = await open311_service.list_services(db=_state(request).db, locale=_locale(request))
    return respond(fmt, "services", found)


@endpoint
async def service_definition(request: Request, fmt: str) -> Response:
    definition = await open311_service.service_definition(
        db=_state(request).db, code=request.path_params["code"], locale=_locale(request)
    )
    return respond(fmt, "service_definition", definition)


@endpoint
async def requests(request: Request, fmt: str) -> Response:
    db = _state(request).db
    now = datetime.now(UTC)
    if request.method == "POST":
        try:
            form = await request.form(max_files=0, max_fields=100)
        except Exception:
            raise Open311Error(400, "send application/x-www-form-urlencoded") from None
        items = form.multi_items()
        await form.close()
        key = await open311_service.authenticate(
            db=db, api_key=next((str(v) for k, v in items if k == "api_key"), None)
        )
        submitted = inputs.parse_form(items, idempotency_key=request.headers.get("idempotency-key"))
        created = await open311_service.submit(
            db=db, key=key, submitted=submitted, locale=_locale(request), now=now
        )
        return respond(fmt, "service_requests", created)
    query = inputs.parse_request_query(request.query_params, now=now)
    found = await open311_service.list_requests(
        db=db, query=query, locale=_locale(request), base_url=_base_url(request)
    )
    return respond(fmt, "service_requests", found)


@endpoint
async def single_request(request: Request, fmt: str) -> Response:
    found = await open311_service.get_request(
        db=_state(request).db,
        request_id=request.path_params["request_id"],
        locale=_locale(request),
        base_url=_base_url(request),
    )
    return respond(fmt, "service_requests", found)


@endpoint
async def token(request: Request, fmt: str) -> Response:
    found = await open311_service.token_request(
        db=_state(request).db, token=request.path_params["token"]
    )
    return respond(fmt, "service_requests", found)


routes = [
    Route(f"{PREFIX}/discovery.{{fmt}}", discovery, methods=["GET"]),
    Route(f"{PREFIX}/services.{{fmt}}", services, methods=["GET"]),
    Route(f"{PREFIX}/services/{{code}}.{{fmt}}", service_definition, methods=["GET"]),
    Route(f"{PREFIX}/requests.{{fmt}}", requests, methods=["GET", "POST"]),
    Route(f"{PREFIX}/requests/{{request_id}}.{{fmt}}", single_request, methods=["GET"]),
    Route(f"{PREFIX}/tokens/{{token}}.{{fmt}}", token, methods=["GET"]),
]
