"""The bytes decide, not the declared type: HEIC from iPhones, React Native's octet-stream."""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pillow_heif
import pytest
from PIL import Image

from tests.media.test_photos import GPS_IFD, jpeg_with_gps, png_bytes, upload

OCTET_STREAM = "application/octet-stream"


def heic_with_gps(size: tuple[int, int] = (320, 240), mode: str = "RGB") -> bytes:
    """An HEIC as an iPhone sends it: HEVC-coded, with an EXIF block carrying a GPS position."""
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (21.0, 1.0, 43.0), 3: "E", 4: (105.0, 51.0, 8.0)}
    colour = (200, 30, 30) if mode == "RGB" else (200, 30, 30, 0)
    out = io.BytesIO()
    pillow_heif.from_pillow(Image.new(mode, size, colour)).save(out, exif=exif.tobytes())
    return out.getvalue()


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def stored(client: httpx.AsyncClient, response: httpx.Response) -> Image.Image:
    """The stored photo behind an upload's answer, decoded."""
    assert response.status_code == 201, response.text
    photo = await client.get(response.json()["url"])
    assert photo.status_code == 200
    image = Image.open(io.BytesIO(photo.content))
    image.load()
    return image


@pytest.mark.parametrize("declared", ["image/heic", "image/heif", OCTET_STREAM, "image/jpeg"])
async def test_heic_is_accepted_and_stored_as_a_clean_jpeg(
    client: httpx.AsyncClient, make_token: Callable[..., str], declared: str
) -> None:
    # given an iPhone photo (HEIC) with a GPS position, declared however the client likes
    original = heic_with_gps()
    assert original[4:12] == b"ftypheic"
    # when uploaded
    response = await upload(client, make_token(), original, "IMG_0001.HEIC", declared)
    # then it is stored as a JPEG of the same size, without the GPS position (no EXIF at all)
    image = await stored(client, response)
    assert image.format == "JPEG"
    assert image.size == (320, 240)
    assert (response.json()["width"], response.json()["height"]) == (320, 240)
    assert len(image.getexif()) == 0
    # and its thumbnail is served too
    thumb = await client.get(response.json()["thumbnailUrl"])
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 240)  # already under 400 px


async def test_heic_with_transparency_is_kept_as_webp(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    response = await upload(
        client, make_token(), heic_with_gps((40, 30), "RGBA"), "sticker.heic", "image/heic"
    )
    image = await stored(client, response)
    assert image.format == "WEBP"
    assert image.mode == "RGBA"


async def test_react_natives_octet_stream_jpeg_is_accepted(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    # given a JPEG sent as React Native sends a file without a type
    original = jpeg_with_gps((500, 200))
    # when uploaded as application/octet-stream, and with no type or file extension at all
    for name, declared in (("photo.jpg", OCTET_STREAM), ("blob", "")):
        response = await upload(client, make_token(), original, name, declared)
        # then it is a photo like any other
        image = await stored(client, response)
        assert image.format == "JPEG", declared
        assert image.size == (500, 200)
        assert len(image.getexif()) == 0


async def test_a_wrongly_declared_type_does_not_matter(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    token = make_token()
    # a PNG said to be a JPEG, and a JPEG said to be a PNG (gallery apps rename files)
    png = await stored(client, await upload(client, token, png_bytes(), "a.jpg", "image/jpeg"))
    jpeg = await stored(
        client, await upload(client, token, jpeg_with_gps((64, 32)), "b.png", "image/png")
    )
    assert (png.format, png.size) == ("JPEG", (50, 50))
    assert (jpeg.format, jpeg.size) == ("JPEG", (64, 32))


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (pdf_bytes(), "scan.pdf", "application/pdf"),
        (pdf_bytes(), "scan.jpg", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "image/gif"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "clip.heic", OCTET_STREAM),
        (b"", "empty.jpg", OCTET_STREAM),
    ],
)
async def test_a_non_image_is_unsupported_with_a_clear_message(
    client: httpx.AsyncClient, make_token: Callable[..., str], data: bytes, name: str,
    declared: str,
) -> None:  # fmt: skip
    token = make_token()
    # when a file that is no accepted image is uploaded, whatever its declared type
    english = await upload(client, token, data, name, declared, locale="en")
    vietnamese = await upload(client, token, data, name, declared, locale="vi")
    # then it is refused as UNSUPPORTED_MEDIA_TYPE, saying what is accepted, in either language
    for response in (english, vietnamese):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert english.json()["error"]["message"] == (
        "This file is not a photo we accept: upload JPEG, PNG, WebP, HEIC/HEIF"
    )
    assert vietnamese.json()["error"]["message"] == (
        "Tệp này không phải ảnh được hỗ trợ: hãy tải lên ảnh JPEG, PNG, WebP, HEIC/HEIF"
    )


async def test_a_damaged_heic_is_an_invalid_image(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    # given an HEIC cut short: its header says HEIF, its picture is missing
    cut = heic_with_gps()[:300]
    # when uploaded, then it is refused as a broken image, not as a crash
    response = await upload(client, make_token(), cut, "cut.heic", "image/heic", locale="en")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "INVALID_IMAGE"
    assert "could not be decoded" in response.json()["error"]["message"]
