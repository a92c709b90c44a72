"""Photo uploads: check the type by its bytes, decode with Pillow, clean, re-encode, thumbnail.

Re-encoding from pixels drops every piece of metadata (EXIF with GPS position, camera serials,
XMP, comments); the EXIF orientation is applied first so the photo still shows the right way up.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from bson import ObjectId
from gridfs.asynchronous.grid_file import AsyncGridOut
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.db import Database
from backend.errors import DomainError
from backend.media import repository as media_repository

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_PX = 400
JPEG_QUALITY = 85
WEBP_QUALITY = 85
# Pillow warns above this and refuses above twice this; a 40-megapixel photo is already huge.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

ALLOWED = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "WEBP": "image/webp"}


class MediaError(DomainError):
    """UNSUPPORTED_MEDIA_TYPE, INVALID_IMAGE or PAYLOAD_TOO_LARGE."""


def sniff(data: bytes) -> str | None:
    """The format the bytes really are (magic numbers), if one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class CleanPhoto:
    photo: Encoded
    thumbnail: Encoded


def _encode(image: Image.Image, fmt: str) -> Encoded:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        image.save(out, "WEBP", quality=WEBP_QUALITY)
    return Encoded(out.getvalue(), CONTENT_TYPES[fmt], image.width, image.height)


def clean(data: bytes, claimed_type: str) -> CleanPhoto:
    """Decode, orient, strip and re-encode a photo and its thumbnail (CPU work: off the loop)."""
    expected = ALLOWED.get(claimed_type)
    if expected is None:
        raise MediaError("UNSUPPORTED_MEDIA_TYPE", "Upload a JPEG, PNG or WebP photo")
    if len(data) > MAX_BYTES:
        raise MediaError("PAYLOAD_TOO_LARGE", f"A photo may be at most {MAX_BYTES} bytes")
    if sniff(data) != expected:
        raise MediaError("INVALID_IMAGE", f"The file is not a {expected} image")
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise MediaError("INVALID_IMAGE", "The image has too many pixels")
            opened.load()
            oriented = ImageOps.exif_transpose(opened)
            has_alpha = oriented.mode in ("RGBA", "LA", "PA") or (
                oriented.mode == "P" and "transparency" in oriented.info
            )
            mode = "RGBA" if has_alpha else "RGB"
            # A new image from the pixels alone: no EXIF, ICC, XMP or comments come along.
            pixels = oriented.convert(mode)
            bare = Image.new(mode, pixels.size)
            bare.paste(pixels)
    except MediaError:
        raise
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise MediaError("INVALID_IMAGE", "The image could not be decoded") from None
    fmt = "WEBP" if has_alpha else "JPEG"
    thumb = bare.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    return CleanPhoto(_encode(bare, fmt), _encode(thumb, fmt))


@dataclass(frozen=True)
class StoredPhoto:
    id: ObjectId
    width: int
    height: int


async def upload(
    *, db: Database, owner: str, data: bytes, claimed_type: str, now: datetime
) -> StoredPhoto:
    """Clean a photo (in a worker thread) and store it with its thumbnail in GridFS."""
    cleaned = await asyncio.to_thread(clean, data, claimed_type)
    photo_id, thumb_id = ObjectId(), ObjectId()
    for file_id, kind, encoded in (
        (thumb_id, media_repository.THUMBNAIL, cleaned.thumbnail),
        (photo_id, media_repository.PHOTO, cleaned.photo),
    ):
        # Written last, the photo names a thumbnail that already exists.
        await media_repository.store(
            db,
            file_id=file_id,
            filename=f"{photo_id}-{kind}",
            data=encoded.data,
            metadata={
                "owner": owner,
                "kind": kind,
                "content_type": encoded.content_type,
                "width": encoded.width,
                "height": encoded.height,
                "sha256": hashlib.sha256(encoded.data).hexdigest(),
                "thumbnail_id": thumb_id if kind == media_repository.PHOTO else None,
                "uploaded_at": now,
            },
        )
    return StoredPhoto(photo_id, cleaned.photo.width, cleaned.photo.height)


async def open_photo(db: Database, photo_id: ObjectId, *, thumbnail: bool) -> AsyncGridOut | None:
    """A stored photo (or its thumbnail) ready to stream; None when there is none."""
    photo = await media_repository.open_file(db, photo_id)
    if photo is None or (photo.metadata or {}).get("kind") != media_repository.PHOTO:
        return None
    if not thumbnail:
        return photo
    thumb_id = (photo.metadata or {}).get("thumbnail_id")
    return await media_repository.open_file(db, thumb_id) if thumb_id else None
