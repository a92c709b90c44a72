"""Pure ASGI middleware: request id, security headers, body-size limit, authentication."""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Sequence

import orjson
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend import i18n
from backend.auth import service as auth_service
from backend.auth.models import Locale
from backend.errors import request_id_var
from backend.state import app_state

log = logging.getLogger(__name__)
access_log = logging.getLogger("thanglong.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

AUTH_UNAVAILABLE = i18n.Message(
    en="Sign-in cannot be checked right now; try again",
    vi="Chưa kiểm tra được đăng nhập lúc này; vui lòng thử lại",
)

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)


GRAPHQL_PATH = "/graphql"
# RFC 6750: the request's token was refused (invalid_token), or the header is not a bearer token.
WWW_AUTHENTICATE_INVALID_TOKEN = 'Bearer realm="thanglong", error="invalid_token"'  # noqa: S105
WWW_AUTHENTICATE_INVALID_REQUEST = 'Bearer realm="thanglong", error="invalid_request"'


def graphql_error_body(code: str, message: str, **extensions: object) -> bytes:
    """GraphQL's error shape, for answers given before (or instead of) execution."""
    error = {
        "message": message,
        "extensions": {"code": code, **extensions, "requestId": request_id_var.get()},
    }
    return orjson.dumps({"errors": [error]})


def auth_failure(
    error: auth_service.AuthenticationError, locale: Locale, *, graphql: bool
) -> tuple[bytes, dict[str, str]]:
    """One 401 for every refused token: body (GraphQL's shape on /graphql) and headers."""
    message = error.message_in(locale)
    if graphql:
        body = graphql_error_body(error.code, message, reason=error.reason)
    else:
        body = orjson.dumps(
            {"error": {"code": error.code, "message": message, "requestId": request_id_var.get()}}
        )
    challenge = (
        WWW_AUTHENTICATE_INVALID_REQUEST
        if error.reason == "MALFORMED_HEADER"
        else WWW_AUTHENTICATE_INVALID_TOKEN
    )
    return body, {"www-authenticate": challenge, "cache-control": "no-store"}


async def send_body(send: Send, status: int, body: bytes, headers: dict[str, str]) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(name.encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def send_json_error(send: Send, status: int, code: str, message: str) -> None:
    """Answer with `{"error": {"code", "message", "requestId"}}`."""
    body = orjson.dumps(
        {"error": {"code": code, "message": message, "requestId": request_id_var.get()}}
    )
    headers = {"www-authenticate": 'Bearer realm="thanglong"'} if status == 401 else {}
    await send_body(send, status, body, headers)


class ForwardedHostMiddleware:
    """Believe `X-Forwarded-Host` from the load balancer, so links carry the public host.

    uvicorn's --proxy-headers takes the scheme and client address from trusted proxies but not
    the host; behind a proxy that rewrites Host, Open311 and media links would name the web
    process. Only requests from `trusted` (addresses, CIDR ranges, or "*") are believed.
    """

    def __init__(self, app: ASGIApp, trusted: Sequence[str] = ("127.0.0.1",)) -> None:
        self.app = app
        self.everyone = "*" in trusted
        self.networks = [
            ipaddress.ip_network(entry.strip(), strict=False)
            for entry in trusted
            if entry.strip() and entry.strip() != "*"
        ]

    def _trusted(self, client: tuple[str, int] | None) -> bool:
        if self.everyone:
            return True
        if client is None:
            return False
        try:
            address = ipaddress.ip_address(client[0])
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self._trusted(scope.get("client")):
            forwarded = Headers(scope=scope).get("x-forwarded-host")
            # The first proxy's view (a chain appends), without a port or path trickery.
            host = forwarded.split(",")[0].strip() if forwarded else ""
            if host and re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", host):
                headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
                headers.append((b"host", host.encode()))
                scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


class RequestContextMiddleware:
    """Give each request an id (kept from a sane X-Request-ID) and add security headers."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        scope.setdefault("state", {})["request_id"] = request_id

        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name.decode(), value.decode())
                if self.hsts:
                    headers.setdefault("strict-transport-security", "max-age=31536000")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            # The path only: query strings (and headers, bodies) may carry personal data.
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "request_id": request_id,
                },
            )
            request_id_var.reset(token)


class BodyTooLargeError(Exception):
    pass


BAD_CONTENT_LENGTH = i18n.Message(
    en="The Content-Length header is not a number",
    vi="Tiêu đề Content-Length không phải là một số",
)


def body_too_large(limit: int) -> i18n.Message:
    return i18n.Message(
        en=f"The request body is over {limit:,} bytes",
        vi=f"Nội dung yêu cầu vượt quá {limit:,} byte".replace(",", "."),
    )


class BodySizeLimitMiddleware:
    """Refuse request bodies over a limit (413), whether announced or streamed."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, overrides: dict[str, int]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.overrides = overrides  # path prefix -> limit (uploads have their own)

    def _limit(self, path: str) -> int:
        for prefix, limit in self.overrides.items():
            if path.startswith(prefix):
                return limit
        return self.max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        headers = Headers(scope=scope)
        # Said before the viewer is known: in the language the request asks for (vi by default).
        locale = auth_service.parse_locale(headers.get("accept-language"))
        too_large = body_too_large(limit).in_(locale)
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_json_error(send, 400, "BAD_REQUEST", BAD_CONTENT_LENGTH.in_(locale))
                return
            if int(declared) > limit:
                await send_json_error(send, 413, "PAYLOAD_TOO_LARGE", too_large)
                return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not response_started:
                await send_json_error(send, 413, "PAYLOAD_TOO_LARGE", too_large)


class AuthenticationMiddleware:
    """Resolve the viewer from the bearer token; a bad token is a 401, not an anonymous read."""

    PUBLIC_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        state = app_state(scope["app"])
        headers = Headers(scope=scope)
        locale = auth_service.parse_locale(headers.get("accept-language"))
        try:
            viewer = await auth_service.authenticate(
                app=state.firebase_app,
                authorization=headers.get("authorization"),
                locale=locale,
                revocations=state.revocations,
            )
        except auth_service.AuthenticationError as error:
            graphql = scope["path"] == GRAPHQL_PATH
            body, extra = auth_failure(error, locale, graphql=graphql)
            await send_body(send, 401, body, extra)
            return
        except auth_service.AuthUnavailableError:
            message = AUTH_UNAVAILABLE.in_(locale)
            if scope["path"] == GRAPHQL_PATH:
                body = graphql_error_body("UNAVAILABLE", message)
                await send_body(send, 503, body, {"retry-after": "5", "cache-control": "no-store"})
            else:
                await send_json_error(send, 503, "UNAVAILABLE", message)
            return
        viewer = await auth_service.with_stored_locale(
            state.db, viewer, accept_language=headers.get("accept-language")
        )
        scope.setdefault("state", {})["viewer"] = viewer
        await self.app(scope, receive, send)
