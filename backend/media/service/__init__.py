"""Photo uploads: recognise the image by its bytes, decode with Pillow, clean, re-encode, thumbnail.

The declared content type is not trusted either way: React Native sends `application/octet-stream`
(or nothing) and browsers guess from the file name. The bytes decide: JPEG, PNG, WebP, or HEIC/HEIF
(iPhones' default, decoded by pillow-heif's Pillow plugin). Re-encoding from pixels drops every
piece of metadata (EXIF with GPS position, camera serials, XMP, comments); the EXIF orientation is
applied first so the photo still shows the right way up (libheif applies HEIF's own rotation).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

import pillow_heif
from bson import ObjectId
from gridfs.asynchronous.grid_file import AsyncGridOut
from PIL import Image, ImageOps, UnidentifiedImageError

from backend import ratelimit
from backend.auth.models import Locale, Viewer
from backend.auth.service.bans import ensure_not_banned
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
# Once per process. Only the primary image is wanted: embedded thumbnails, depth maps and
# auxiliary images would be decoded for nothing (and are dropped anyway).
pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

HEIF = "HEIF"  # the Pillow format name pillow-heif registers
# ISO BMFF major brands of HEIF stills and sequences (the ones pillow-heif's opener accepts).
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
CONTENT_TYPES = {"JPEG": "image/jpeg", "WEBP": "image/webp"}
ACCEPTED = "JPEG, PNG, WebP, HEIC/HEIF"


class MediaError(DomainError):
    """UNSUPPORTED_MEDIA_TYPE, INVALID_IMAGE or PAYLOAD_TOO_LARGE, in English and Vietnamese."""

    def __init__(self, code: str, *, en: str, vi: str) -> None:
        super().__init__(code, en=en, vi=vi)
        self.messages = {Locale.EN: en, Locale.VI: vi}

    def message_in(self, locale: Locale) -> str:
        return self.messages[locale]


def sniff(data: bytes) -> str | None:
    """The Pillow format the bytes really are (magic numbers), if one we accept."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return HEIF
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


def _undecodable() -> MediaError:
    return MediaError(
        "INVALID_IMAGE",
        en="The image could not be decoded: the file may be damaged or cut short",
        vi="Không đọc được ảnh: tệp có thể bị hỏng hoặc không đầy đủ",
    )


def clean(data: bytes) -> CleanPhoto:
    """Decode, orient, strip and re-encode a photo and its thumbnail (CPU work: off the loop)."""
    if len(data) > MAX_BYTES:
        raise MediaError(
            "PAYLOAD_TOO_LARGE",
            en=f"A photo may be at most {MAX_BYTES // (1024 * 1024)} MB",
            vi=f"Ảnh chỉ được tối đa {MAX_BYTES // (1024 * 1024)} MB",
        )
    fmt = sniff(data)
    if fmt is None:
        raise MediaError(
            "UNSUPPORTED_MEDIA_TYPE",
            en=f"This file is not a photo we accept: upload {ACCEPTED}",
            vi=f"Tệp này không phải ảnh được hỗ trợ: hãy tải lên ảnh {ACCEPTED}",
        )
    try:
        # Only the sniffed format's decoder may read it: no other Pillow plugin sees the bytes.
        with Image.open(io.BytesIO(data), formats=[fmt]) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise MediaError(
                    "INVALID_IMAGE",
                    en=f"The image has too many pixels (at most {MAX_PIXELS // 1_000_000} MP)",
                    vi=f"Ảnh có quá nhiều điểm ảnh (tối đa {MAX_PIXELS // 1_000_000} MP)",
                )
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
        RuntimeError,  # pillow-heif reports some libheif failures so
    ):
        raise _undecodable() from None
    out_fmt = "WEBP" if has_alpha else "JPEG"
    thumb = bare.copy()
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    return CleanPhoto(_encode(bare, out_fmt), _encode(thumb, out_fmt))


@dataclass(frozen=True)
class UploadQuota:
    """What one user may upload per UTC day (settings UPLOAD_DAILY_COUNT / _BYTES)."""

    count: int
    bytes: int


class UploadLimitedError(DomainError):
    """RATE_LIMITED: over the day's photo count or bytes; `retry_after_seconds` says when."""

    def __init__(self, limited: ratelimit.RateLimited, *, bytes_limit: bool) -> None:
        what_en, what_vi = ("data", "dung lượng ảnh") if bytes_limit else ("photos", "ảnh")
        super().__init__(
            "RATE_LIMITED",
            en=f"You uploaded too many {what_en} today: try again in "
            f"{limited.retry_after_seconds} seconds (at {limited.retry_at.isoformat()})",
            vi=f"Bạn đã tải lên quá nhiều {what_vi} hôm nay: hãy thử lại sau "
            f"{limited.retry_after_seconds} giây (lúc {limited.retry_at.isoformat()})",
        )
        self.retry_after_seconds = limited.retry_after_seconds

    def payload_fields(self) -> dict[str, int]:
        return {"retry_after_seconds": self.retry_after_seconds}


UPLOADS = "mediaUpload"
UPLOAD_BYTES = "mediaUploadBytes"


async def admit(
    *, db: Database, viewer: Viewer, size: int, quota: UploadQuota, now: datetime
) -> None:
    """Refuse an upload of a banned user (BANNED) or one over the day's quota (RATE_LIMITED),
    counting it otherwise; staff are not limited. Counted before decoding: refused bytes cost
    no CPU."""
    await ensure_not_banned(db=db, uid=viewer.uid)
    if viewer.is_staff or viewer.uid is None:
        return
    count_windows = (ratelimit.daily(quota.count),)
    limited = await ratelimit.hit(
        db, action=UPLOADS, subject=viewer.uid, windows=count_windows, now=now
    )
    if limited is not None:
        raise UploadLimitedError(limited, bytes_limit=False)
    limited = await ratelimit.hit(
        db,
        action=UPLOAD_BYTES,
        subject=viewer.uid,
        windows=(ratelimit.daily(quota.bytes),),
        now=now,
        cost=max(size, 1),
    )
    if limited is not None:
        await ratelimit.take_back(
            db, action=UPLOADS, subject=viewer.uid, windows=count_windows, now=now
        )
        raise UploadLimitedError(limited, bytes_limit=True)


@dataclass(frozen=True)
class StoredPhoto:
    id: ObjectId
    width: int
    height: int


async def upload(*, db: Database, owner: str, data: bytes, now: datetime) -> StoredPhoto:
    """Clean a photo (in a worker thread) and store it with its thumbnail in GridFS."""
    cleaned = await asyncio.to_thread(clean, data)
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
                # Checked by the retention purge (backend/retention.py) a day after upload.
                "state": media_repository.NEW if kind == media_repository.PHOTO else None,
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
