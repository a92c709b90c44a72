"""Photo uploads: type checks, metadata stripped, orientation applied, cached downloads."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
from PIL import Image

ORIENTATION, GPS_IFD = 0x0112, 0x8825


def jpeg_with_gps(size: tuple[int, int] = (600, 300), orientation: int = 1) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (21.0, 1.0, 43.0), 3: "E", 4: (105.0, 51.0, 8.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, "PNG")
    return out.getvalue()


async def upload(
    client: httpx.AsyncClient, token: str | None, data: bytes, name: str, content_type: str,
    *, locale: str | None = None,
) -> httpx.Response:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if locale:
        headers["Accept-Language"] = locale
    return await client.post("/media", files={"file": (name, data, content_type)}, headers=headers)


async def test_upload_strips_exif_and_applies_orientation(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    # given a photo with a GPS position, stored sideways (EXIF orientation 6)
    original = jpeg_with_gps(orientation=6)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    # when uploaded
    response = await upload(client, make_token(uid="u1"), original, "p.jpg", "image/jpeg")
    # then it is stored upright
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["width"], body["height"]) == (300, 600)
    # and its links are absolute (the request's own origin: no PUBLIC_BASE_URL in tests)
    assert body["url"] == f"http://testserver/media/{body['id']}"
    assert body["thumbnailUrl"] == f"http://testserver/media/{body['id']}/thumb"
    # and the stored photo carries no EXIF at all
    photo = await client.get(body["url"])
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["cache-control"] == "public, max-age=31536000, immutable"
    stored = Image.open(io.BytesIO(photo.content))
    assert len(stored.getexif()) == 0
    assert "exif" not in stored.info
    # and the thumbnail fits in 400 px
    thumb = await client.get(body["thumbnailUrl"])
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 400
    # and a cached copy is confirmed with 304
    again = await client.get(body["url"], headers={"If-None-Match": photo.headers["etag"]})
    assert again.status_code == 304


async def test_png_with_transparency_is_kept_as_webp(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, "PNG")
    response = await upload(client, make_token(), out.getvalue(), "a.png", "image/png")
    assert response.status_code == 201
    photo = await client.get(response.json()["url"])
    assert photo.headers["content-type"] == "image/webp"


async def test_bad_uploads_are_400(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    token = make_token()
    truncated = jpeg_with_gps((800, 800))[:2000]
    cases = [
        (b"hello, not a photo", "notes.txt", "text/plain", "UNSUPPORTED_MEDIA_TYPE"),
        # the declared type does not make bytes an image
        (b"hello, not a photo", "notes.jpg", "image/jpeg", "UNSUPPORTED_MEDIA_TYPE"),
        (truncated, "cut.jpg", "image/jpeg", "INVALID_IMAGE"),
        (png_bytes()[:40], "cut.png", "application/octet-stream", "INVALID_IMAGE"),
    ]
    for data, name, content_type, code in cases:
        response = await upload(client, token, data, name, content_type)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["error"]["code"] == code


async def test_too_large_upload_is_refused(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    data = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)
    response = await upload(client, make_token(), data, "big.jpg", "image/jpeg")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_signed_out_upload_is_401(client: httpx.AsyncClient) -> None:
    response = await upload(client, None, jpeg_with_gps(), "p.jpg", "image/jpeg")
    assert response.status_code == 401


async def test_unknown_photo_is_404(client: httpx.AsyncClient) -> None:
    for path in ("/media/" + "0" * 24, "/media/nope", "/media/nope/thumb"):
        response = await client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"
