"""HTTP endpoints of photos: `POST /media` (upload), `GET /media/{id}` and `/media/{id}/thumb`."""

from __future__ import annotations

from collections.abc import AsyncIterator

from gridfs.asynchronous.grid_file import AsyncGridOut
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from backend import clock
from backend.auth.models import Locale, Viewer
from backend.auth.service.bans import BANNED, BannedError
from backend.errors import json_error
from backend.ids import parse_object_id
from backend.media import service as media_service
from backend.media.models import photo_url, public_base, thumbnail_url
from backend.middleware import BodyTooLargeError
from backend.state import app_state

IMMUTABLE = "public, max-age=31536000, immutable"


def _said(viewer: Viewer, *, en: str, vi: str) -> str:
    return vi if viewer.locale is Locale.VI else en


async def upload(request: Request) -> Response:
    """Multipart field `file`: answers 201 {id, url, thumbnailUrl, width, height}.

    The part's declared type is ignored (React Native sends application/octet-stream): the
    service recognises the image by its bytes."""
    viewer: Viewer = request.state.viewer
    if not viewer.is_authenticated:
        return json_error(
            401,
            "UNAUTHENTICATED",
            _said(viewer, en="Sign in to upload photos", vi="Hãy đăng nhập để tải ảnh lên"),
        )
    state = app_state(request.app)
    no_file = _said(
        viewer,
        en="Send multipart/form-data with the photo in a `file` field",
        vi="Hãy gửi multipart/form-data với ảnh trong trường `file`",
    )
    try:
        form = await request.form(max_files=1, max_fields=5)
    except BodyTooLargeError:
        raise  # the size-limit middleware answers 413
    except Exception:
        return json_error(400, "BAD_REQUEST", no_file)
    try:
        upload_file = form.get("file")
        if upload_file is None or isinstance(upload_file, str):
            return json_error(400, "BAD_REQUEST", no_file)
        data = await upload_file.read(media_service.MAX_BYTES + 1)
    finally:
        await form.close()
    now = clock.now()
    quota = media_service.UploadQuota(
        count=state.settings.upload_daily_count, bytes=state.settings.upload_daily_bytes
    )
    try:
        await media_service.admit(db=state.db, viewer=viewer, size=len(data), quota=quota, now=now)
    except BannedError as banned:
        return json_error(403, BANNED, banned.message_in(viewer.locale))
    except media_service.UploadLimitedError as limited:
        seconds = limited.retry_after_seconds
        return json_error(
            429,
            "RATE_LIMITED",
            limited.message_in(viewer.locale),
            headers={"Retry-After": str(seconds)},
            details={"retryAfterSeconds": seconds},
        )
    try:
        stored = await media_service.upload(db=state.db, owner=str(viewer.uid), data=data, now=now)
    except media_service.MediaError as failure:
        return json_error(400, str(failure.code), failure.message_in(viewer.locale))
    base = public_base(state.settings.public_base_url, request)
    return JSONResponse(
        {
            "id": str(stored.id),
            "url": photo_url(stored.id, base=base),
            "thumbnailUrl": thumbnail_url(stored.id, base=base),
            "width": stored.width,
            "height": stored.height,
        },
        status_code=201,
    )


async def _stream(grid_out: AsyncGridOut) -> AsyncIterator[bytes]:
    while chunk := await grid_out.readchunk():
        yield chunk


async def _serve(request: Request, *, thumbnail: bool) -> Response:
    state = app_state(request.app)
    photo_id = parse_object_id(request.path_params["media_id"])
    found = (
        await media_service.open_photo(state.db, photo_id, thumbnail=thumbnail)
        if photo_id
        else None
    )
    if found is None:
        return json_error(
            404,
            "NOT_FOUND",
            _said(request.state.viewer, en="No such photo", vi="Không có ảnh này"),
        )
    grid_out: AsyncGridOut = found
    metadata = grid_out.metadata or {}
    etag = f'"{metadata.get("sha256") or grid_out._id}"'
    headers = {"ETag": etag, "Cache-Control": IMMUTABLE}
    if_none_match = request.headers.get("if-none-match", "")
    if etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*":
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(grid_out.length)
    return StreamingResponse(
        _stream(grid_out),
        media_type=str(metadata.get("content_type") or "application/octet-stream"),
        headers=headers,
    )


async def download(request: Request) -> Response:
    return await _serve(request, thumbnail=False)


async def download_thumbnail(request: Request) -> Response:
    return await _serve(request, thumbnail=True)


routes = [
    Route("/media", upload, methods=["POST"]),
    Route("/media/{media_id}", download, methods=["GET"]),
    Route("/media/{media_id}/thumb", download_thumbnail, methods=["GET"]),
]
