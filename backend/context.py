"""The per-request context: viewer, database, settings and this request's DataLoaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import firebase_admin
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from backend.auth.models import Viewer
from backend.db import Database
from backend.settings import Settings
from backend.snapshot import Loaded
from backend.state import AppState, app_state


@dataclass
class Loaders:
    """This request's DataLoaders, a set per domain, built on first use and never shared.

    A domain's `loaders(info)` asks for its set by the function that builds it (a real reference,
    so readers and tools can follow it), e.g. `info.context.loaders.get(build)`.
    """

    _sets: dict[Callable[..., Any], Any] = field(default_factory=dict)

    def get[T](self, build: Callable[[Context], T], context: Context) -> T:
        """The set `build` makes, made once per request."""
        if build not in self._sets:
            self._sets[build] = build(context)
        found: T = self._sets[build]
        return found

    def forget(self, build: Callable[..., Any]) -> None:
        """Drop a set after a write, so what the payload reads next is fresh."""
        self._sets.pop(build, None)


@dataclass(kw_only=True)
class Context:
    request: Request | WebSocket
    response: Response | None
    viewer: Viewer
    db: Database
    settings: Settings
    firebase_app: firebase_admin.App
    state: AppState
    loaders: Loaders = field(default_factory=Loaders)

    async def content(self) -> Loaded | None:
        """The public content in this process's memory (backend/snapshot.py); None: read the
        database (the snapshot is off, not loaded yet, or the content is too large)."""
        snapshot = self.state.snapshot
        return None if snapshot is None else await snapshot.now()


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
