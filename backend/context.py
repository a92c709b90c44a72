"""The per-request context: viewer, database, settings and (later) DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import firebase_admin
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from backend.auth.models import Viewer
from backend.db import Database
from backend.settings import Settings
from backend.state import AppState, app_state


@dataclass(kw_only=True)
class Context:
    request: Request | WebSocket
    response: Response | None
    viewer: Viewer
    db: Database
    settings: Settings
    firebase_app: firebase_admin.App
    state: AppState


Info = StrawberryInfo[Context, Any]


async def get_context(request: Request | WebSocket, response: Response | None) -> Context:
    """Build a fresh context per request (fresh loaders too, so nothing leaks between users)."""
    state = app_state(request.app)
    viewer: Viewer = request.state.viewer
    return Context(
        request=request,
        response=response,
        viewer=viewer,
        db=state.db,
        settings=state.settings,
        firebase_app=state.firebase_app,
        state=state,
    )
