"""Photos: POST /media (upload) and GET /media/{id}[/thumb], with the Photo schema."""

from __future__ import annotations

from backend.media.service import MAX_BYTES
from backend.openapi.common import (
    CACHED,
    COMMON,
    IF_NONE_MATCH,
    INTEGER,
    JSON,
    NOT_MODIFIED,
    PAYLOAD_TOO_LARGE,
    STRING,
    Schema,
    content,
    error,
    get,
    header,
    obj,
    parameter,
    ref,
)

BINARY: Schema = {**STRING, "format": "binary"}


def photo_download(operation_id: str, summary: str) -> Schema:
    image = {"schema": BINARY}
    return get(
        operation_id,
        summary,
        "media",
        {
            "200": {
                "description": "The cleaned image (metadata stripped), immutable.",
                "headers": {**CACHED, "Content-Length": header("Size in bytes.")},
                "content": {"image/jpeg": image, "image/webp": image},
            },
            "304": NOT_MODIFIED,
            "404": error("No such photo (NOT_FOUND)."),
            **COMMON,
        },
        parameters=[
            parameter("path", "media_id", STRING, "The photo's id (24 hex digits)."),
            IF_NONE_MATCH,
        ],
    )


UPLOAD = {
    "operationId": "mediaUpload",
    "summary": "Upload a photo for a report (signed-in residents).",
    "description": f"JPEG, PNG, WebP or HEIC/HEIF, at most {MAX_BYTES} bytes, recognised by "
    "its bytes whatever the part's declared type (`application/octet-stream`, as React Native "
    "sends, is fine); re-encoded upright without metadata (JPEG, or WebP when it has "
    "transparency), with a thumbnail. Links are absolute (`PUBLIC_BASE_URL`, else the "
    "request's origin).",
    "tags": ["media"],
    "security": [{"bearerAuth": []}],
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": obj({"file": BINARY}),
                "encoding": {
                    "file": {
                        "contentType": "image/jpeg, image/png, image/webp, image/heic, "
                        "image/heif, application/octet-stream"
                    }
                },
            }
        },
    },
    "responses": {
        "201": content(JSON, ref("schemas", "Photo"), "Stored."),
        "400": error(
            "Not a multipart form with a `file` field (BAD_REQUEST), bytes that are not a "
            "JPEG, PNG, WebP or HEIC/HEIF image (UNSUPPORTED_MEDIA_TYPE), a damaged or "
            "oversized image (INVALID_IMAGE, PAYLOAD_TOO_LARGE), or an invalid Content-Length "
            "(BAD_REQUEST). The message is in the Accept-Language (vi or en, BCP 47 with q-values)."
        ),
        "401": error(
            "Not signed in, or not a valid ID token (UNAUTHENTICATED).",
            headers={"WWW-Authenticate": header("Bearer realm.")},
        ),
        "413": PAYLOAD_TOO_LARGE,
        "503": ref("responses", "Unavailable"),
    },
}
PHOTO = obj(
    {
        "id": {**STRING, "description": "Pass it in ReportCreateInput.photoIds."},
        "url": {
            **STRING,
            "format": "uri",
            "examples": ["https://api.thanglong.example/media/66b1f0c2a3e4d5f6a7b8c9d0"],
        },
        "thumbnailUrl": {
            **STRING,
            "format": "uri",
            "examples": ["https://api.thanglong.example/media/66b1f0c2a3e4d5f6a7b8c9d0/thumb"],
        },
        "width": {**INTEGER, "minimum": 1},
        "height": {**INTEGER, "minimum": 1},
    }
)
MEDIA_PATHS: Schema = {
    "/media": {"post": UPLOAD},
    "/media/{media_id}": photo_download("mediaDownload", "A photo."),
    "/media/{media_id}/thumb": photo_download("mediaThumbnail", "A photo's thumbnail."),
}
