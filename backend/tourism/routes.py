"""HTTP route for offline packs: GET /offline/journeys/{id}.json?locale=<BCP 47 tag>."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from backend.auth.models import Locale, Viewer
from backend.errors import json_error
from backend.i18n import Message
from backend.state import app_state
from backend.tourism.service import offline as offline_service


async def offline_journey(request: Request) -> Response:
    """The journey's offline pack with a strong ETag; 304 when the app already has it."""
    viewer: Viewer = request.state.viewer
    requested = request.query_params.get("locale")
    if requested is None:
        locale = viewer.locale
    else:
        try:
            locale = Locale(requested)  # vi, vi-VN -> vi; en-US, ja, ... -> en
        except ValueError:
            message = Message(
                en="locale must be a language tag such as vi or en-US",
                vi="locale phải là một mã ngôn ngữ như vi hoặc en-US",
            )
            return json_error(400, "BAD_REQUEST", message, locale=viewer.locale)
    db = app_state(request.app).db
    pack = await offline_service.build_pack(
        db=db, journey_id=request.path_params["journey_id"], locale=locale
    )
    if pack is None:
        message = Message(en="No such journey", vi="Không tìm thấy hành trình này")
        return json_error(404, "NOT_FOUND", message, locale=locale)
    headers = {
        "ETag": pack.etag,
        # The app may keep the pack, but revalidates (cheaply, with If-None-Match) before use.
        "Cache-Control": "public, no-cache",
        "Vary": "Accept-Language",
        "X-Content-Version": pack.version,
    }
    if offline_service.etag_matches(request.headers.get("if-none-match"), pack.etag):
        return Response(status_code=304, headers=headers)
    return Response(pack.body, media_type="application/json", headers=headers)
