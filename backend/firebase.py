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


def close(app: firebase_admin.App) -> None:
    """Release the firebase-admin app."""
    firebase_admin.delete_app(app)


async def verify_id_token(
    app: firebase_admin.App, token: str, *, check_revoked: bool
) -> dict[str, Any]:
    """Verify a Firebase ID token off the event loop (RSA and, when asked, a remote call)."""
    claims: dict[str, Any] = await asyncio.to_thread(
        auth.verify_id_token, token, app=app, check_revoked=check_revoked, clock_skew_seconds=5
    )
    return claims
