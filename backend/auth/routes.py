"""HTTP endpoints of accounts: the data-export download and the /account/delete web page.

Google Play asks that an account can be deleted from the web too: /account/delete is a small
bilingual page that signs in with the Firebase JS SDK and posts the checked-in AccountDelete
operation to /graphql, so it works in allowlist mode. Vite builds it with the console (a second
entry of backend/console/web/vite.config.mts: account-delete.html and src/account-delete/), into
backend/console/dist, which the wheel carries; its scripts and styles are the console's hashed
assets under /console/assets. The page has no inline script or style (its CSP says so).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from backend import clock
from backend.auth.models import Viewer
from backend.auth.service import export as export_service
from backend.auth.service import secrets
from backend.console import routes as console_routes
from backend.errors import json_error
from backend.i18n import Message
from backend.media.models import public_base
from backend.state import app_state

DELETE_PAGE = "account-delete.html"
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


def _page_headers(request: Request) -> dict[str, str]:
    return {
        "Content-Security-Policy": console_routes.content_security_policy(
            app_state(request.app).settings
        ),
        "Cache-Control": "no-cache",  # revalidated: a deploy's new asset names show at once
        "Referrer-Policy": "no-referrer",
    }


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
]
