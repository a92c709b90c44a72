"""A local, FCM v1-compatible HTTP endpoint for development (`make run`) and tests.

It stands in for ``https://fcm.googleapis.com``: firebase-admin is pointed at it with
:func:`point_firebase_admin_at` plus :class:`StaticTokenCredential`, and then ``messaging.send``,
``send_each`` and ``send_each_async`` talk to this process instead of Google. Only the
``messages:send`` call is redirected; topic subscription and IID calls still target Google, so
do not use them against this endpoint.

This is a development and test tool, not a production service:

* all state is in memory and bounded (the newest ``MAX_MESSAGES`` deliveries are kept in a
  deque; older ones fall off), and is lost when the process exits;
* it refuses to bind to anything but a loopback address;
* any non-empty ``Authorization: Bearer`` token is accepted.

"Token" below means the device address of a message: ``message.token`` or, for
firebase-admin >= 7.7's ``Message(fid=...)``, ``message.fid``.

Error injection and retries. A token can be configured (``PUT /_local/tokens/{token}``) to fail
with the error body real FCM v1 returns for UNREGISTERED (404), INVALID_ARGUMENT (400),
QUOTA_EXCEEDED (429 + ``Retry-After``), UNAVAILABLE (503) or INTERNAL (500). A rule's ``times``
counts HTTP attempts as they arrive here, not logical ``send`` calls. That matters because
firebase-admin 7.x retries on its own:

* sync API (requests/urllib3, ``DEFAULT_RETRY_CONFIG``): 500 and 503 are retried up to 4 times
  (5 attempts) with backoff 0, 1, 2, 4 s; 429 *with* a ``Retry-After`` header is also retried,
  because urllib3 honours ``Retry-After`` for 413/429/503, sleeping that many seconds each time
  (up to 4 retries, blocking the calling thread);
* async API (httpx, ``DEFAULT_HTTPX_RETRY_CONFIG``): 500 and 503 are retried the same way, but
  429 is not retried (``respect_retry_after_header`` is off), so the error surfaces at once.

So ``{"error": "UNAVAILABLE", "times": 1}`` makes one ``send`` succeed after an internal retry,
with ``attempts[token] == 2``; counting attempts, not calls, keeps tests deterministic whatever
the client's retry policy is.

Two firebase-admin 7.7 quirks this endpoint makes visible: a ``NO_PROXY`` entry matching the FCM
host makes httpx route around firebase-admin's retry transport, so the async API then never
retries 500/503; and ``firebase_admin.delete_app`` fails with "Event loop is closed" when
``send_each_async`` ran on an event loop that has since been closed.

Control API (all JSON): ``PUT``/``DELETE /_local/tokens/{token}`` set or remove a failure rule,
``GET /_local/messages?token=&limit=`` lists delivered messages (newest last) and attempt counts,
``DELETE /_local/messages`` forgets messages, attempts and rules. ``GET /`` is an HTML page of the
last 100 deliveries for a developer watching pushes arrive.

Run it with ``python -m notifications.fcm_local --port 9097``, or from tests with
:class:`LocalFcm`, which starts it as a child process on a free port.
"""

from __future__ import annotations

import argparse
import functools
import html
import ipaddress
import itertools
import json
import os
import sys
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from backend.firebase import StaticTokenCredential as StaticTokenCredential
from backend.firebase import point_messaging_at
from backend.processes import ChildExitedError, ChildProcess, free_port

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 9097
MAX_MESSAGES: Final = 100_000
# Attempt counters and rules are keyed by token; cap them too so a long `make run` session
# hammering random tokens cannot grow the process without bound.
MAX_TRACKED_TOKENS: Final = 100_000
MAX_RULES: Final = 10_000
DEFAULT_LIST_LIMIT: Final = 1_000
HTML_PAGE_MESSAGES: Final = 100
DEFAULT_RETRY_AFTER_SECONDS: Final = 10

FCM_ERROR_TYPE: Final = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
BAD_REQUEST_TYPE: Final = "type.googleapis.com/google.rpc.BadRequest"
# Real FCM answers validate_only requests with this fixed name rather than a fresh id.
DRY_RUN_MESSAGE_ID: Final = "fake_message_id"
# firebase-admin 7.7 deprecated Message.token for Message.fid (a Firebase installation ID);
# both address one device, so rules and the `token` filter treat them alike.
DEVICE_FIELDS: Final = ("token", "fid")
TARGET_FIELDS: Final = (*DEVICE_FIELDS, "topic", "condition")

_PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
# LocalFcm hands its child a random id through this variable and only trusts a readiness answer
# carrying it back in INSTANCE_HEADER: otherwise another server already on a fixed port would
# look like our child being ready.
INSTANCE_ENV: Final = "LOCAL_FCM_INSTANCE_ID"
INSTANCE_HEADER: Final = "X-Local-Fcm-Instance"


@dataclass(frozen=True)
class ErrorSpec:
    """How real FCM v1 answers one error code: HTTP status, google.rpc status and message."""

    http_status: int
    status: str
    message: str


ERRORS: Final[dict[str, ErrorSpec]] = {
    "UNREGISTERED": ErrorSpec(404, "NOT_FOUND", "Requested entity was not found."),
    "INVALID_ARGUMENT": ErrorSpec(
        400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"
    ),
    "QUOTA_EXCEEDED": ErrorSpec(
        429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Send requests'."
    ),
    "UNAVAILABLE": ErrorSpec(503, "UNAVAILABLE", "The service is currently unavailable."),
    "INTERNAL": ErrorSpec(500, "INTERNAL", "Internal error encountered."),
}


@dataclass
class FailureRule:
    """Makes sends to one token fail; ``times`` is the remaining failing attempts (None: all)."""

    error: str
    times: int | None
    retry_after: int = DEFAULT_RETRY_AFTER_SECONDS

    def as_json(self) -> dict[str, Any]:
        """Return the rule as the control API shows it."""
        return {"error": self.error, "times": self.times, "retry_after": self.retry_after}


class FcmState:
    """Bounded in-memory record of deliveries, per-token attempt counts and failure rules.

    Handlers are coroutines that never await between reading and mutating this state, so the
    single event loop serialises access and no lock is needed.
    """

    def __init__(self, max_messages: int = MAX_MESSAGES, instance_id: str | None = None) -> None:
        self.instance_id = instance_id or uuid.uuid4().hex
        self.messages: deque[dict[str, Any]] = deque(maxlen=max_messages)
        self.attempts: dict[str, int] = {}
        self.rules: dict[str, FailureRule] = {}
        # Never reset, so message names stay unique for the life of the process, as in FCM.
        self._ids = itertools.count(1)

    def count_attempt(self, token: str) -> int:
        """Count one HTTP attempt for ``token`` and return the new total."""
        if token not in self.attempts and len(self.attempts) >= MAX_TRACKED_TOKENS:
            del self.attempts[next(iter(self.attempts))]
        self.attempts[token] = self.attempts.get(token, 0) + 1
        return self.attempts[token]

    def consume_failure(self, token: str) -> FailureRule | None:
        """Return the rule that makes this attempt fail, using up one of its ``times``."""
        rule = self.rules.get(token)
        if rule is None:
            return None
        if rule.times is not None:
            rule.times -= 1
            if rule.times <= 0:
                del self.rules[token]
        return rule

    def record(
        self, project_id: str, message: dict[str, Any], token: str | None, received_at: str
    ) -> str:
        """Store a delivered message and return its FCM-style name."""
        name = f"projects/{project_id}/messages/{next(self._ids)}"
        self.messages.append(
            {
                "name": name,
                "project_id": project_id,
                "token": token,
                "message": message,
                "received_at": received_at,
            }
        )
        return name

    def reset(self) -> None:
        """Forget messages, attempt counts and rules."""
        self.messages.clear()
        self.attempts.clear()
        self.rules.clear()


def google_error(
    http_status: int,
    status: str,
    message: str,
    *,
    fcm_error_code: str | None = None,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Build a Google API error response in the shape firebase-admin's parser expects."""
    error: dict[str, Any] = {"code": http_status, "message": message, "status": status}
    details: list[dict[str, Any]] = []
    if fcm_error_code is not None:
        details.append({"@type": FCM_ERROR_TYPE, "errorCode": fcm_error_code})
    if field is not None:
        details.append(
            {
                "@type": BAD_REQUEST_TYPE,
                "fieldViolations": [{"field": field, "description": message}],
            }
        )
    if details:
        error["details"] = details
    return JSONResponse({"error": error}, status_code=http_status, headers=headers)


def _invalid(message: str, field: str | None = None) -> JSONResponse:
    return google_error(
        400, "INVALID_ARGUMENT", message, fcm_error_code="INVALID_ARGUMENT", field=field
    )


def _injected_error(rule: FailureRule) -> JSONResponse:
    spec = ERRORS[rule.error]
    headers = {"Retry-After": str(rule.retry_after)} if rule.error == "QUOTA_EXCEEDED" else None
    field = "message.token" if rule.error == "INVALID_ARGUMENT" else None
    return google_error(
        spec.http_status,
        spec.status,
        spec.message,
        fcm_error_code=rule.error,
        field=field,
        headers=headers,
    )


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
            return _invalid("Exactly one of fid, token, topic or condition must be specified.")
        target = message[targets[0]]
        if not isinstance(target, str) or not target:
            return _invalid(f"message.{targets[0]} must be a non-empty string.", targets[0])

        if token is not None:
            # Real FCM validates the target on dry runs too, so rules apply to them as well.
            rule = fcm.consume_failure(token)
            if rule is not None:
                return _injected_error(rule)
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


def render_index(state: FcmState) -> str:
    """Render the newest deliveries as a small, fully escaped HTML page."""
    esc = html.escape
    rows: list[str] = []
    for entry in reversed(list(itertools.islice(reversed(state.messages), HTML_PAGE_MESSAGES))):
        message: dict[str, Any] = entry["message"]
        notification = message.get("notification")
        if not isinstance(notification, dict):
            notification = {}
        data = message.get("data")
        data_text = ", ".join(f"{k}={v}" for k, v in data.items()) if isinstance(data, dict) else ""
        target = entry["token"] or message.get("topic") or message.get("condition") or ""
        cells = (
            entry["received_at"],
            entry["project_id"],
            str(notification.get("title", "")),
            str(notification.get("body", "")),
            str(target),
            data_text,
        )
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    rules = "".join(
        f"<li>{esc(token)}: {esc(json.dumps(rule.as_json()))}</li>"
        for token, rule in state.rules.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        # Auto-refresh so a developer can leave the tab open during `make run`.
        "<meta http-equiv='refresh' content='5'><title>Local FCM</title>"
        "<style>body{font-family:sans-serif}td,th{border:1px solid #ccc;padding:2px 6px;"
        "vertical-align:top;word-break:break-all}table{border-collapse:collapse}</style>"
        "</head><body><h1>Local FCM</h1>"
        f"<p>{len(state.messages)} message(s) recorded; newest {HTML_PAGE_MESSAGES} shown, "
        "newest last.</p>"
        "<table><tr><th>received</th><th>project</th><th>title</th><th>body</th>"
        "<th>token / topic / condition</th><th>data</th></tr>"
        + "".join(rows)
        + "</table><h2>Failure rules</h2><ul>"
        + (rules or "<li>none</li>")
        + "</ul></body></html>"
    )


# Kept here too for callers of the endpoint; the app's own code uses backend.firebase.
point_firebase_admin_at = point_messaging_at


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalFcm:
    """Runs the local FCM endpoint as a child process; ``port=0`` picks a free port."""

    READY_PATH: Final = "/_local/messages?limit=0"
    # Only when we picked the port: another process may grab it between our probe and the bind.
    PORT_ATTEMPTS: Final = 3

    def __init__(
        self, port: int = 0, *, host: str = DEFAULT_HOST, startup_timeout: float = 15.0
    ) -> None:
        if not _is_loopback(host):
            raise ValueError(f"LocalFcm only binds to loopback addresses, not {host!r}")
        self._host = host
        self._requested_port = port
        self._startup_timeout = startup_timeout
        self._child: ChildProcess | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        """Base URL of the running endpoint, e.g. ``http://127.0.0.1:PORT``."""
        if self._port is None:
            raise RuntimeError("LocalFcm is not running; call start() first")
        return f"http://{self._host}:{self._port}"

    def start(self) -> Self:
        """Start the child process and wait until it answers HTTP (as itself, not another)."""
        if self._child is not None:
            return self
        attempts = 1 if self._requested_port else self.PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._requested_port or free_port(self._host)
            instance_id = uuid.uuid4().hex
            child = ChildProcess("local FCM")
            # The child imports notifications.fcm_local by name, whatever the caller's cwd is.
            python_path = os.pathsep.join(
                p for p in (str(_PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
            )
            command = [sys.executable, "-m", "notifications.fcm_local"]
            child.spawn(
                [*command, "--host", self._host, "--port", str(port)],
                env={INSTANCE_ENV: instance_id, "PYTHONPATH": python_path},
                cwd=_PROJECT_ROOT,
            )
            self._child, self._port = child, port
            # trust_env=False: a developer's HTTP(S)_PROXY must not capture loopback traffic.
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                ready = functools.partial(self._answers_as, client, instance_id)
                try:
                    child.wait_until(ready, self._startup_timeout)
                    return self
                except ChildExitedError:
                    self._child, self._port = None, None
                    if attempt == attempts:
                        raise
                except BaseException:
                    self.stop()
                    raise
        raise AssertionError("unreachable")

    def _answers_as(self, client: httpx.Client, instance_id: str) -> bool:
        """The endpoint answers, and it is our child (not another server on a reused port)."""
        try:
            response = client.get(self.url + self.READY_PATH)
        except httpx.TransportError:
            return False
        return response.status_code == 200 and response.headers.get(INSTANCE_HEADER) == instance_id

    def stop(self) -> None:
        """Terminate the child (SIGKILL if it ignores SIGTERM) and release its resources."""
        child, self._child = self._child, None
        if child is not None:
            child.stop(timeout=5.0)
        self._port = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _port_number(value: str) -> int:
    port = int(value)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError("port must be 0..65535")
    return port


def main(argv: Sequence[str] | None = None) -> None:
    """Run the local FCM endpoint with uvicorn on a loopback address."""
    parser = argparse.ArgumentParser(
        prog="python -m notifications.fcm_local",
        description="Local FCM v1-compatible endpoint for development and tests.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to bind")
    parser.add_argument("--port", type=_port_number, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    if not _is_loopback(args.host):
        # It accepts any bearer token and shows every push: never expose it off the machine.
        parser.error(f"refusing to bind to non-loopback host {args.host!r}; this is a dev tool")
    state = FcmState(instance_id=os.environ.get(INSTANCE_ENV))
    uvicorn.run(
        create_app(state), host=args.host, port=args.port, log_level="warning", access_log=False
    )


if __name__ == "__main__":
    main()
