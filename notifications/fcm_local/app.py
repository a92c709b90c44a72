"""The HTTP app: FCM v1's ``messages:send``, the control API under ``/_local`` and the page.

``send`` checks a request as real FCM does (a bearer token, a JSON ``message`` with exactly one
target), counts the attempt for its device, answers with the token's injected error if a rule
says so, and records the delivery otherwise (not for ``validate_only``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Final

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from notifications.fcm_local.errors import (
    DEFAULT_RETRY_AFTER_SECONDS,
    ERRORS,
    FailureRule,
    google_error,
    injected_error,
    invalid_argument,
)
from notifications.fcm_local.page import render_index
from notifications.fcm_local.state import INSTANCE_HEADER, MAX_MESSAGES, MAX_RULES, FcmState

DEFAULT_LIST_LIMIT: Final = 1_000
# Real FCM answers validate_only requests with this fixed name rather than a fresh id.
DRY_RUN_MESSAGE_ID: Final = "fake_message_id"
# firebase-admin 7.7 deprecated Message.token for Message.fid (a Firebase installation ID);
# both address one device, so rules and the `token` filter treat them alike.
DEVICE_FIELDS: Final = ("token", "fid")
TARGET_FIELDS: Final = (*DEVICE_FIELDS, "topic", "condition")


def _has_bearer_token(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _device_address(message: dict[str, Any]) -> str | None:
    for field in DEVICE_FIELDS:
        value = message.get(field)
        if isinstance(value, str) and value:
            return value
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def create_app(state: FcmState | None = None) -> Starlette:
    """Create the local FCM Starlette app, sharing ``state`` if one is given."""
    fcm = state if state is not None else FcmState()

    async def send(request: Request) -> Response:
        received_at = _now()
        project_id: str = request.path_params["project_id"]
        if not _has_bearer_token(request):
            return google_error(
                401,
                "UNAUTHENTICATED",
                "Request is missing required authentication credential. "
                "Expected OAuth 2 access token.",
                headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
            )
        try:
            body = json.loads(await request.body())
        except ValueError:
            return google_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        if not isinstance(body, dict) or not isinstance(body.get("message"), dict):
            return google_error(
                400, "INVALID_ARGUMENT", "Invalid JSON payload: 'message' must be an object."
            )
        # Proto3 JSON accepts both spellings; firebase-admin sends validate_only.
        unknown = set(body) - {"message", "validate_only", "validateOnly"}
        if unknown:
            return google_error(
                400, "INVALID_ARGUMENT", f"Invalid JSON payload received. Unknown name {unknown}."
            )
        validate_only = body.get("validate_only", body.get("validateOnly", False))
        if not isinstance(validate_only, bool):
            return google_error(400, "INVALID_ARGUMENT", "validate_only must be a boolean.")

        message: dict[str, Any] = body["message"]
        token = _device_address(message)
        if token is not None:
            # Counted before any rejection so `attempts` equals the HTTP requests seen.
            fcm.count_attempt(token)
        targets = [field for field in TARGET_FIELDS if field in message]
        if len(targets) != 1:
            return invalid_argument(
                "Exactly one of fid, token, topic or condition must be specified."
            )
        target = message[targets[0]]
        if not isinstance(target, str) or not target:
            return invalid_argument(f"message.{targets[0]} must be a non-empty string.", targets[0])

        if token is not None:
            # Real FCM validates the target on dry runs too, so rules apply to them as well.
            rule = fcm.consume_failure(token)
            if rule is not None:
                return injected_error(rule)
        if validate_only:
            return JSONResponse({"name": f"projects/{project_id}/messages/{DRY_RUN_MESSAGE_ID}"})
        return JSONResponse({"name": fcm.record(project_id, message, token, received_at)})

    async def put_rule(request: Request) -> Response:
        token: str = request.path_params["token"]
        try:
            body = json.loads(await request.body())
        except ValueError:
            return JSONResponse({"detail": "body must be JSON"}, status_code=400)
        if not isinstance(body, dict):
            return JSONResponse({"detail": "body must be a JSON object"}, status_code=400)
        error = body.get("error")
        times = body.get("times")
        retry_after = body.get("retry_after", DEFAULT_RETRY_AFTER_SECONDS)
        if error not in ERRORS:
            return JSONResponse(
                {"detail": f"error must be one of {sorted(ERRORS)}"}, status_code=400
            )
        # bool is an int subclass; `true` as a count is almost certainly a client bug.
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            return JSONResponse({"detail": "times must be null or an int >= 1"}, status_code=400)
        if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
            return JSONResponse({"detail": "retry_after must be an int >= 0"}, status_code=400)
        if token not in fcm.rules and len(fcm.rules) >= MAX_RULES:
            return JSONResponse({"detail": f"at most {MAX_RULES} rules"}, status_code=400)
        rule = FailureRule(error=error, times=times, retry_after=retry_after)
        fcm.rules[token] = rule
        return JSONResponse({"token": token, **rule.as_json()})

    async def delete_rule(request: Request) -> Response:
        token: str = request.path_params["token"]
        return JSONResponse({"token": token, "deleted": fcm.rules.pop(token, None) is not None})

    async def list_messages(request: Request) -> Response:
        token = request.query_params.get("token")
        try:
            limit = int(request.query_params.get("limit", DEFAULT_LIST_LIMIT))
        except ValueError:
            return JSONResponse({"detail": "limit must be an integer"}, status_code=400)
        if not 0 <= limit <= MAX_MESSAGES:
            return JSONResponse({"detail": f"limit must be 0..{MAX_MESSAGES}"}, status_code=400)

        def wanted(key: str | None) -> bool:
            return token is None or key == token

        selected = [m for m in fcm.messages if wanted(m["token"])]
        return JSONResponse(
            {
                "messages": selected[-limit:] if limit else [],
                "attempts": {t: n for t, n in fcm.attempts.items() if wanted(t)},
                "rules": {t: r.as_json() for t, r in fcm.rules.items() if wanted(t)},
            },
            headers={INSTANCE_HEADER: fcm.instance_id},
        )

    async def clear_messages(request: Request) -> Response:
        fcm.reset()
        return JSONResponse({"cleared": True})

    async def index(request: Request) -> Response:
        return HTMLResponse(
            render_index(fcm),
            headers={
                "Cache-Control": "no-store",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            },
        )

    app = Starlette(
        routes=[
            Route("/v1/projects/{project_id}/messages:send", send, methods=["POST"]),
            Route("/_local/tokens/{token}", put_rule, methods=["PUT"]),
            Route("/_local/tokens/{token}", delete_rule, methods=["DELETE"]),
            Route("/_local/messages", list_messages, methods=["GET"]),
            Route("/_local/messages", clear_messages, methods=["DELETE"]),
            Route("/", index, methods=["GET"]),
        ]
    )
    app.state.fcm = fcm
    return app
