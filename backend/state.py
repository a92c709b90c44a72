"""AppState: what the app's lifespan opens once per process and every request shares.

Routes, middleware and the GraphQL context read it with `app_state(request.app)`; it lives here,
not in backend/app.py, so that nothing the app is built from has to import the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import firebase_admin

from backend.auth.service import RevocationCache
from backend.db import Client, Database
from backend.embedded import EmbeddedMongo
from backend.settings import Settings
from backend.snapshot import ContentSnapshot


@dataclass
class AppState:
    """The process's settings, database client and Firebase app (held on `app.state`)."""

    settings: Settings
    client: Client
    db: Database
    firebase_app: firebase_admin.App
    revocations: RevocationCache
    embedded: EmbeddedMongo | None = None
    # Public content in memory (backend/snapshot.py); None when settings turn it off.
    snapshot: ContentSnapshot | None = None


def app_state(app: Any) -> AppState:
    """The state the lifespan put on a Starlette app (`request.app`, or `scope["app"]`)."""
    state: AppState = app.state.thanglong
    return state
