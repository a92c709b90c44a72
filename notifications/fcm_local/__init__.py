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

The modules: ``errors`` (FCM v1's error answers and the failure rules), ``state`` (the bounded
memory), ``app`` (the routes), ``page`` (``GET /``), ``process`` (:class:`LocalFcm`) and ``cli``
(``main``, behind ``__main__``).
"""

from __future__ import annotations

from backend.firebase import StaticTokenCredential as StaticTokenCredential
from backend.firebase import point_messaging_at
from notifications.fcm_local.app import (
    DEFAULT_LIST_LIMIT,
    DEVICE_FIELDS,
    DRY_RUN_MESSAGE_ID,
    TARGET_FIELDS,
    create_app,
)
from notifications.fcm_local.cli import DEFAULT_PORT, main
from notifications.fcm_local.errors import (
    BAD_REQUEST_TYPE,
    DEFAULT_RETRY_AFTER_SECONDS,
    ERRORS,
    FCM_ERROR_TYPE,
    ErrorSpec,
    FailureRule,
    google_error,
)
from notifications.fcm_local.page import HTML_PAGE_MESSAGES, render_index
from notifications.fcm_local.process import DEFAULT_HOST, LocalFcm
from notifications.fcm_local.state import (
    INSTANCE_ENV,
    INSTANCE_HEADER,
    MAX_MESSAGES,
    MAX_RULES,
    MAX_TRACKED_TOKENS,
    FcmState,
)

# Kept here too for callers of the endpoint; the app's own code uses backend.firebase.
point_firebase_admin_at = point_messaging_at

__all__ = [
    "BAD_REQUEST_TYPE",
    "DEFAULT_HOST",
    "DEFAULT_LIST_LIMIT",
    "DEFAULT_PORT",
    "DEFAULT_RETRY_AFTER_SECONDS",
    "DEVICE_FIELDS",
    "DRY_RUN_MESSAGE_ID",
    "ERRORS",
    "FCM_ERROR_TYPE",
    "HTML_PAGE_MESSAGES",
    "INSTANCE_ENV",
    "INSTANCE_HEADER",
    "MAX_MESSAGES",
    "MAX_RULES",
    "MAX_TRACKED_TOKENS",
    "TARGET_FIELDS",
    "ErrorSpec",
    "FailureRule",
    "FcmState",
    "LocalFcm",
    "StaticTokenCredential",
    "create_app",
    "google_error",
    "main",
    "point_firebase_admin_at",
    "render_index",
]
