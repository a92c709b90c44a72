"""Serve the built moderator console at /console: the page, its hashed assets and its config.

The console is a static client of the public GraphQL API; the server only hands out files and the
Firebase web configuration. Every console response carries a Content-Security-Policy without
inline scripts or styles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from backend.console.export import export_csv
from backend.settings import Settings
from backend.state import app_state

DIST = Path(__file__).resolve().parent / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = (
    "The moderator console is not built: run `make run` (or `npm run build:console`) first;"
    " a wheel carries it only when it was built before `python -m build`.\n"
)
# Firebase Auth's endpoints: sign-in (identitytoolkit) and token refresh (securetoken).
FIREBASE_ORIGINS = ("https://identitytoolkit.googleapis.com", "https://securetoken.googleapis.com")


def content_security_policy(
    settings: Settings, extra: Mapping[str, Sequence[str]] | None = None
) -> str:
    """The console's CSP: only its own scripts and styles, tiles from OpenStreetMap. `extra`
    adds sources to directives (the /account/delete page's sign-in with Google and phone)."""
    connect = ["'self'"]
    if settings.firebase_auth_emulator_host and not settings.production:
        connect.append(f"http://{settings.firebase_auth_emulator_host}")
    connect.extend(FIREBASE_ORIGINS)
    directives: dict[str, list[str]] = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", "https://*.tile.openstreetmap.org"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    for name, sources in (extra or {}).items():
        directives.setdefault(name, []).extend(sources)
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def _settings(request: Request) -> Settings:
    state = app_state(request.app)
    return state.settings


async def index(request: Request) -> Response:
    page = DIST / "index.html"
    headers = {"Content-Security-Policy": content_security_policy(_settings(request))}
    if not page.is_file():
        return PlainTextResponse(NOT_BUILT, status_code=503, headers=headers)
    # Always revalidated, so a deploy's new asset names are picked up at once.
    headers["Cache-Control"] = "no-cache"
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=headers)


async def config(request: Request) -> Response:
    """What the Firebase JS SDK needs; none of it is secret (a web API key is public)."""
    settings = _settings(request)
    api_key = settings.firebase_web_api_key or (None if settings.production else "demo-key")
    emulator = None if settings.production else settings.firebase_auth_emulator_host
    return JSONResponse(
        {
            "projectId": settings.firebase_project_id,
            "apiKey": api_key,
            "authEmulatorHost": emulator,
        },
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": content_security_policy(settings),
        },
    )


class ConsoleAssets:
    """The hashed files under dist/assets: cached for a year, 404 (not 500) before a build."""

    def __init__(self) -> None:
        self._files: StaticFiles | None = None
        self._directory: Path | None = None

    def _static_files(self, directory: Path) -> StaticFiles:
        if self._files is None or self._directory != directory:
            self._files = StaticFiles(directory=directory)
            self._directory = directory
        return self._files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        directory = DIST / "assets"
        if not directory.is_dir():
            await PlainTextResponse(NOT_BUILT, status_code=404)(scope, receive, send)
            return
        csp = content_security_policy(app_state(scope["app"]).settings)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if message["status"] in (200, 304):
                    headers["cache-control"] = IMMUTABLE
                headers["content-security-policy"] = csp
            await send(message)

        await self._static_files(directory)(scope, receive, send_with_headers)


routes: list[BaseRoute] = [
    Route("/console", index, methods=["GET", "HEAD"]),
    Route("/console/", index, methods=["GET", "HEAD"]),
    Route("/console/config.json", config, methods=["GET"]),
    Route("/console/export.csv", export_csv, methods=["GET"]),
    Mount("/console/assets", app=ConsoleAssets()),
]
