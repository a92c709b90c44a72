"""HTTP routes of tickets: the public keys for offline checkers, and ticket downloads."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.auth.models import Viewer
from backend.bookings.tickets import codes, qr
from backend.bookings.tickets import service as ticket_service
from backend.errors import json_error
from backend.i18n import Message
from backend.state import app_state


async def ticket_keys(request: Request) -> Response:
    """The public keys that verify ticket codes (a JWK set; current and retired keys)."""
    return JSONResponse(
        codes.keys().public_document(), headers={"Cache-Control": "public, max-age=3600"}
    )


async def ticket_svg(request: Request) -> Response:
    """The ticket of one of the viewer's bookings as an SVG file, to keep for offline use."""
    viewer: Viewer = request.state.viewer
    if not viewer.is_authenticated:
        message = Message(en="Sign in to do this", vi="Hãy đăng nhập để thực hiện thao tác này")
        return json_error(401, "UNAUTHENTICATED", message, locale=viewer.locale)
    booking = await ticket_service.ticket_booking(
        db=app_state(request.app).db, viewer=viewer, booking_id=request.path_params["booking_id"]
    )
    if booking is None or booking.ticket is None:
        message = Message(en="No such ticket", vi="Không tìm thấy vé này")
        return json_error(404, "NOT_FOUND", message, locale=viewer.locale)
    return Response(
        qr.svg(booking.ticket.code, scale=8),
        media_type="image/svg+xml",
        headers={
            "Content-Disposition": f'attachment; filename="ticket-{booking.code}.svg"',
            "Cache-Control": "private, no-store",
        },
    )


routes = [
    Route("/.well-known/ticket-keys.json", ticket_keys, methods=["GET"]),
    Route("/tickets/{booking_id}.svg", ticket_svg, methods=["GET"]),
]
