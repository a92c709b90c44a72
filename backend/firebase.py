"""firebase-admin, always initialised with an explicit project id and credential.

Without both, google-auth would probe the cloud metadata server to discover them.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from typing import Any

import firebase_admin
import google.oauth2.credentials
from firebase_admin import auth, credentials, messaging

from backend.settings import Settings

log = logging.getLogger(__name__)

_app_names = itertools.count(1)


class StaticTokenCredential(credentials.Base):
    """A credential with a fixed bearer token and no expiry, for emulators and local endpoints.

    google-auth never refreshes a token without expiry, so nothing reaches out to Google.
    """

    def __init__(self, token: str = "owner") -> None:  # noqa: S107 - not a secret
        self._g_credential = google.oauth2.credentials.Credentials(token=token)

    def get_credential(self) -> google.oauth2.credentials.Credentials:
        return self._g_credential

    def get_access_token(self) -> credentials.AccessTokenInfo:
        """The static token; the base class would try (and fail) to refresh it."""
        return credentials.AccessTokenInfo(self._g_credential.token, None)


def point_messaging_at(endpoint: str) -> None:
    """Send FCM calls to `endpoint` (the seam firebase-admin 5 to 7 keep stable)."""
    messaging._MessagingService.FCM_URL = endpoint.rstrip("/") + "/v1/projects/{0}/messages:send"


def _credential(settings: Settings) -> credentials.Base:
    if settings.firebase_credentials_file:
        return credentials.Certificate(settings.firebase_credentials_file)
    if settings.production:
        # On Google Cloud the service account comes from the runtime.
        return credentials.ApplicationDefault()
    return StaticTokenCredential()


def initialize(settings: Settings) -> firebase_admin.App:
    """Create a firebase-admin app for this process (named, so tests can hold several)."""
    if settings.fcm_endpoint and not settings.production:
        point_messaging_at(settings.fcm_endpoint)
    options: dict[str, Any] = {"projectId": settings.firebase_project_id, "httpTimeout": 10}
    name = f"thanglong-{next(_app_names)}"
    app = firebase_admin.initialize_app(_credential(settings), options, name=name)
    log.info(
        "firebase-admin ready (project %s%s)",
        settings.firebase_project_id,
        ", auth emulator" if settings.firebase_auth_emulator_host else "",
    )
    return app


def _close_auth_sessions(app: firebase_admin.App) -> None:
    """Close the HTTP sessions of the app's auth client (firebase-admin leaves them open).

    Left to the garbage collector, their sockets are closed at an arbitrary later moment with a
    ResourceWarning; close them when the app goes away instead.
    """
    services = getattr(app, "_services", None) or {}
    client = services.get("_auth")
    if client is None:
        return
    verifier = getattr(client, "_token_verifier", None)
    session = getattr(getattr(verifier, "request", None), "session", None)
    if session is not None:
        session.close()
    http_client = getattr(getattr(client, "_user_manager", None), "http_client", None)
    if http_client is not None and getattr(http_client, "_session", None) is not None:
        http_client.close()


def close(app: firebase_admin.App) -> None:
    """Release the firebase-admin app and its connections."""
    _close_auth_sessions(app)
    firebase_admin.delete_app(app)


async def verify_id_token(
    app: firebase_admin.App, token: str, *, check_revoked: bool
) -> dict[str, Any]:
    """Verify a Firebase ID token off the event loop (RSA and, when asked, a remote call)."""
    claims: dict[str, Any] = await asyncio.to_thread(
        auth.verify_id_token, token, app=app, check_revoked=check_revoked, clock_skew_seconds=5
    )
    return claims


def messaging_without_retries(app: firebase_admin.App) -> None:
    """Make FCM sends on `app` report 5xx at once instead of retrying for ~7 s inside the SDK.

    The push worker owns the retry policy (outbox backoff with jitter, Retry-After, a dead-letter
    state), so a second, hidden layer of retries would only hold a batch and its lease hostage.
    This replaces the messaging service's async client (a private seam, pinned with the SDK).
    """
    from firebase_admin import _http_client, _retry

    service = messaging._get_messaging_service(app)
    service._async_client = _http_client.HttpxAsyncClient(
        credential=service._credential,
        timeout=app.options.get("httpTimeout", _http_client.DEFAULT_TIMEOUT_SECONDS),
        retry_config=_retry.HttpxRetry(max_retries=0),
    )


async def close_async(app: firebase_admin.App) -> None:
    """Release the app from inside an event loop.

    firebase-admin closes the messaging service's async HTTP client with `asyncio.run`, which
    cannot run inside a loop; close that client here, on the loop that used it, first.
    """
    services = getattr(app, "_services", None) or {}
    for service in list(services.values()):
        if isinstance(service, messaging._MessagingService):
            await service._async_client.aclose()
            service.close = lambda: None  # type: ignore[method-assign]
    _close_auth_sessions(app)
    firebase_admin.delete_app(app)
