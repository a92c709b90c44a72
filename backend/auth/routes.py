"""HTTP endpoints of accounts: the data-export download and the /account/delete web page.

Google Play asks that an account can be deleted from the web too: /account/delete is a small
bilingual page that signs in with the Firebase JS SDK and posts the checked-in AccountDelete
operation to /graphql, so it works in allowlist mode. Vite builds it with the console (a second
entry of backend/console/web/vite.config.mts: account-delete.html and src/account-delete/), into
backend/console/dist, which the wheel carries; its scripts and styles are the console's hashed
assets under /console/assets. The page has no inline script or style (its CSP says so).

Residents sign in there as in the app: e-mail and password, Google (Firebase's popup: Google's
API loader from apis.google.com and a helper iframe from the auth domain, or the emulator's IdP
widget under `make run` and in tests) or a phone number (an SMS code after an invisible
reCAPTCHA from www.google.com/www.gstatic.com). Only this page's CSP lets those in, and its
opener policy lets the popup talk back to it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Route

from backend import clock
from backend.auth.models import Viewer
from backend.auth.service import export as export_service
from backend.auth.service import secrets
from backend.console import routes as console_routes
from backend.errors import json_error
from backend.i18n import Message
from backend.media.models import public_base
from backend.settings import Settings
from backend.state import app_state

DELETE_PAGE = "account-delete.html"
# Google's API loader (gapi), which Firebase Auth's popup sign-in loads into the page.
GAPI_ORIGIN = "https://apis.google.com"
# reCAPTCHA, which Firebase Auth runs before it sends an SMS code: its script and its frames.
RECAPTCHA_SCRIPTS = ("https://www.google.com/recaptcha/", "https://www.gstatic.com/recaptcha/")
RECAPTCHA_FRAMES = ("https://www.google.com/recaptcha/",)
LINK_INVALID = Message(
    en="This download link is not valid or has expired; ask for a new one",
    vi="Liên kết tải dữ liệu không hợp lệ hoặc đã hết hạn; hãy yêu cầu liên kết mới",
)


async def export_download(request: Request) -> Response:
    """Stream the data export a signed, unexpired link names (no Authorization needed)."""
    state = app_state(request.app)
    viewer: Viewer = request.state.viewer
    uid = secrets.export_uid(state.settings, request.path_params["token"], now=clock.now())
    if uid is None:
        return json_error(404, "LINK_INVALID", LINK_INVALID, locale=viewer.locale)
    base = public_base(state.settings.public_base_url, request)
    body = export_service.document(state.db, uid=uid, base=base, now=clock.now())
    return StreamingResponse(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="thanglong-data.json"',
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


def sign_in_sources(settings: Settings) -> dict[str, list[str]]:
    """What the page's CSP adds to the console's: Google and phone sign-in, nothing else."""
    frames = [f"https://{settings.auth_domain}", *RECAPTCHA_FRAMES]
    if settings.firebase_auth_emulator_host and not settings.production:
        # The emulator serves the popup's helper iframe itself (emulator/auth/iframe).
        frames.append(f"http://{settings.firebase_auth_emulator_host}")
    return {"script-src": [GAPI_ORIGIN, *RECAPTCHA_SCRIPTS], "frame-src": frames}


def _page_headers(request: Request) -> dict[str, str]:
    settings = app_state(request.app).settings
    return {
        "Content-Security-Policy": console_routes.content_security_policy(
            settings, sign_in_sources(settings)
        ),
        # The Google sign-in popup (another origin) reports back through window.opener, which
        # the app-wide same-origin policy would cut.
        "Cross-Origin-Opener-Policy": "same-origin-allow-popups",
        "Cache-Control": "no-cache",  # revalidated: a deploy's new asset names show at once
        "Referrer-Policy": "no-referrer",
    }


async def page_config(request: Request) -> Response:
    """The Firebase web settings the page signs in with (none of it is secret)."""
    settings = app_state(request.app).settings
    return JSONResponse(
        {
            "projectId": settings.firebase_project_id,
            "authDomain": settings.auth_domain,
            "apiKey": settings.firebase_web_api_key
            or (None if settings.production else "demo-key"),
            "authEmulatorHost": None
            if settings.production
            else settings.firebase_auth_emulator_host,
        },
        headers={"Cache-Control": "no-store"},
    )


async def delete_page(request: Request) -> Response:
    page = console_routes.DIST / DELETE_PAGE
    if not page.is_file():
        return PlainTextResponse(
            console_routes.NOT_BUILT, status_code=503, headers=_page_headers(request)
        )
    return FileResponse(page, media_type="text/html; charset=utf-8", headers=_page_headers(request))


routes: list[BaseRoute] = [
    Route(f"{export_service.EXPORT_PATH}/{{token}}", export_download, methods=["GET"]),
    Route("/account/delete", delete_page, methods=["GET", "HEAD"]),
    Route("/account/delete/config.json", page_config, methods=["GET"]),
]
