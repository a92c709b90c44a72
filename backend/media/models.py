"""Where a stored photo is served: absolute links to the photo and its thumbnail, and its size."""

from __future__ import annotations

from dataclasses import dataclass

from bson import ObjectId
from starlette.requests import HTTPConnection


@dataclass(frozen=True)
class PhotoSize:
    """Pixels of the stored (cleaned, upright) photo, recorded at upload."""

    width: int
    height: int


def public_base(configured: str | None, connection: HTTPConnection) -> str:
    """PUBLIC_BASE_URL when set, else the origin this request reached (no trailing slash).

    Mobile clients cannot resolve a relative path, so every link is absolute. Without the setting
    the request's own origin is used: its host is the Host header, or X-Forwarded-Host from a
    trusted proxy only (backend/middleware.py), and its scheme what uvicorn took from that proxy.
    """
    return (configured or str(connection.base_url)).rstrip("/")


def photo_url(photo_id: ObjectId | str, *, base: str) -> str:
    return f"{base}/media/{photo_id}"


def thumbnail_url(photo_id: ObjectId | str, *, base: str) -> str:
    return f"{base}/media/{photo_id}/thumb"
