"""HTTP routes of Open311 GeoReport v2 at /open311/v2/ (every endpoint in .json and .xml).

Every answer under the prefix that is not a success is in GeoReport v2's error shape, in the
format the path asks for: a wrong method (405) and an unknown path (404) too, which Starlette
would otherwise answer in plain text, and a database that is away (503) or busy (409). Every
description, like every name and notice, is in the request's language: `?locale=vi|en`, else
Accept-Language (Vietnamese by default), as the rest of the API.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from pymongo.errors import PyMongoError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from backend.auth.models import Locale, Viewer
from backend.error_messages import code_message
from backend.errors import BusyError, is_unavailable
from backend.i18n import Message
from backend.media.models import public_base
from backend.open311 import inputs
from backend.open311 import service as open311_service
from backend.open311.models import FORM_REQUIRED, FORMAT_UNKNOWN, Open311Error
from backend.open311.render import FORMATS, errors, respond
from backend.state import AppState, app_state

log = logging.getLogger(__name__)

PREFIX = "/open311/v2"
SPEC = "http://wiki.open311.org/GeoReport_v2"
CONTACT = Message(
    en="ThangLong (Hanoi smart-city app). API keys for partner apps are issued by the city's "
    "administrators; send api_key in the form or the query string. Requests need lat and long; "
    "an address_string alone is placed at the centre of the ward or commune it names, marked "
    "approximate. Names, notices and errors follow ?locale=vi|en or Accept-Language (default "
    "vi).",
    vi="ThangLong (ứng dụng đô thị thông minh của Hà Nội). Khóa API cho ứng dụng đối tác do quản "
    "trị viên của thành phố cấp; gửi api_key trong form hoặc trong query string. Phản ánh cần "
    "lat và long; nếu chỉ có address_string, phản ánh được đặt ở trung tâm phường, xã được nêu "
    "tên và đánh dấu là vị trí gần đúng. Tên, thông báo và lỗi theo ?locale=vi|en hoặc "
    "Accept-Language (mặc định vi).",
)
KEY_SERVICE = Message(
    en="Ask the city's administrators for an api_key.",
    vi="Hãy đề nghị quản trị viên của thành phố cấp api_key.",
)
ENDPOINTS = (
    "discovery, services, services/{service_code}, requests, requests/{service_request_id}, "
    "tokens/{token}; each .json or .xml"
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
    """Links (discovery endpoints, media_url) are absolute, from PUBLIC_BASE_URL when set."""
    return public_base(_state(request).settings.public_base_url, request)


def _format_of(path: str) -> str:
    """The format a path asks for, for its errors: XML for .xml, else JSON."""
    return "xml" if path.lower().endswith(".xml") else "json"


def _errors(
    request: Request,
    fmt: str,
    status: int,
    descriptions: list[Message],
    headers: dict[str, str] | None = None,
) -> Response:
    """The spec's error list, each description in the request's language."""
    locale = _locale(request)
    return errors(fmt, status, [text.in_(locale) for text in descriptions], headers)


async def _answer(request: Request, fmt: str, handler: Handler) -> Response:
    """The handler's answer; every failure as the spec's error list."""
    try:
        return await handler(request, fmt)
    except Open311Error as error:
        return _errors(request, fmt, error.status, error.descriptions, error.headers)
    except BusyError as error:
        return _errors(request, fmt, 409, [error.text], {"Retry-After": "1"})
    except PyMongoError as error:
        if is_unavailable(error):
            unavailable = code_message("UNAVAILABLE")
            return _errors(request, fmt, 503, [unavailable], {"Retry-After": "5"})
        failure: Exception = error
    except Exception as error:
        failure = error
    # A bug: logged with its traceback; the client gets the spec's shape, never a trace.
    log.error("open311 %s %s failed", request.method, request.url.path, exc_info=failure)
    return _errors(request, fmt, 500, [code_message("INTERNAL_SERVER_ERROR")])


def endpoint(*methods: str) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Check the method and the format extension; answer errors in the spec's shape."""
    allowed = frozenset({*methods, "HEAD"} if "GET" in methods else methods)
    allow = ", ".join(sorted(allowed))

    def decorate(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            fmt = request.path_params["fmt"]
            if fmt not in FORMATS:
                return _errors(request, _format_of(request.url.path), 404, [FORMAT_UNKNOWN])
            if request.method not in allowed:
                text = Message(
                    vi=f"phương thức {request.method} không dùng được ở đây; dùng {allow}",
                    en=f"method {request.method} is not allowed here; use {allow}",
                )
                return _errors(request, fmt, 405, [text], {"Allow": allow})
            response = await _answer(request, fmt, handler)
            if request.method in ("GET", "HEAD"):
                response.headers.setdefault("Vary", "Accept-Language")
            return response

        return run

    return decorate


async def not_found(request: Request) -> Response:
    """Any other path under the prefix: 404 in the spec's shape, naming the endpoints."""
    path = request.url.path[:200]
    text = Message(
        vi=f"không có đường dẫn {path}; các điểm cuối: {ENDPOINTS}",
        en=f"no such path {path}; the endpoints are {ENDPOINTS}",
    )
    return _errors(request, _format_of(request.url.path), 404, [text])


@endpoint("GET")
async def discovery(request: Request, fmt: str) -> Response:
    base = _base_url(request) + PREFIX
    changeset = await open311_service.changeset(db=_state(request).db)
    locale = _locale(request)
    body = {
        "changeset": changeset,
        "contact": CONTACT.in_(locale),
        "key_service": KEY_SERVICE.in_(locale),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base,
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", body)


@endpoint("GET")
async def services(request: Request, fmt: str) -> Response:
    found = await open311_service.list_services(db=_state(request).db, locale=_locale(request))
    return respond(fmt, "services", found)


@endpoint("GET")
async def service_definition(request: Request, fmt: str) -> Response:
    definition = await open311_service.service_definition(
        db=_state(request).db, code=request.path_params["code"], locale=_locale(request)
    )
    return respond(fmt, "service_definition", definition)


@endpoint("GET", "POST")
async def requests(request: Request, fmt: str) -> Response:
    db = _state(request).db
    now = datetime.now(UTC)
    if request.method == "POST":
        try:
            form = await request.form(max_files=0, max_fields=100)
        except Exception:
            raise Open311Error(400, FORM_REQUIRED) from None
        items = form.multi_items()
        await form.close()
        # In the form (the spec), or in the query string (how some clients send it).
        in_form = next((str(v) for k, v in items if k == "api_key" and v), None)
        key = await open311_service.authenticate(
            db=db, api_key=in_form or request.query_params.get("api_key")
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


@endpoint("GET")
async def single_request(request: Request, fmt: str) -> Response:
    found = await open311_service.get_request(
        db=_state(request).db,
        request_id=request.path_params["request_id"],
        locale=_locale(request),
        base_url=_base_url(request),
    )
    return respond(fmt, "service_requests", found)


@endpoint("GET")
async def token(request: Request, fmt: str) -> Response:
    found = await open311_service.token_request(
        db=_state(request).db, token=request.path_params["token"]
    )
    return respond(fmt, "service_requests", found)


# Every method a client may send reaches the endpoint, which answers a wrong one with the spec's
# 405 (Starlette would answer plain text; a function endpoint without `methods` takes GET only).
ANY = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
routes = [
    Route(f"{PREFIX}/discovery.{{fmt}}", discovery, methods=ANY),
    Route(f"{PREFIX}/services.{{fmt}}", services, methods=ANY),
    Route(f"{PREFIX}/services/{{code}}.{{fmt}}", service_definition, methods=ANY),
    Route(f"{PREFIX}/requests.{{fmt}}", requests, methods=ANY),
    Route(f"{PREFIX}/requests/{{request_id}}.{{fmt}}", single_request, methods=ANY),
    Route(f"{PREFIX}/tokens/{{token}}.{{fmt}}", token, methods=ANY),
    Route(PREFIX, not_found, methods=ANY),
    Route(f"{PREFIX}/{{path:path}}", not_found, methods=ANY),
]
