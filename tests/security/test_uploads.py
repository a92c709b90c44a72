"""Hostile uploads: decompression bombs, truncated and polyglot files, 50 MB bodies.

Each is refused with a JSON error, and the process does not grow past a bound while refusing them.
"""

from __future__ import annotations

import io
import struct
import time
import zlib
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from PIL import Image

GROWTH_BOUND_MB = 150
FIFTY_MB = 50 * 1024 * 1024


def rss_mb() -> float:
    """This process's resident memory (the app runs in it, over ASGI)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG declaring 2.5 gigapixels of one colour, in a few kilobytes of zlib.

    Decoded it would take 2.5 GB (greyscale, 8 bits); the compressed stream is ~2.5 MB of zeros
    deflated to a few KB (only the first rows are present: the decoder must never get there).
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\0" * ((width + 1) * 50), 9)  # 50 rows of filter byte + zeros
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def jpeg(size: tuple[int, int] = (64, 64)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def zip_archive() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(document.cookie)</script>")
    return out.getvalue()


GIF_JS = b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00;*/=0;alert(document.domain)//;"


@pytest.fixture
def token(make_token: Callable[..., str]) -> str:
    return make_token(uid="uploader")


async def upload(
    client: httpx.AsyncClient, token: str, data: bytes, name: str, content_type: str
) -> httpx.Response:
    started = time.perf_counter()
    response = await client.post(
        "/media",
        files={"file": (name, data, content_type)},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert time.perf_counter() - started < 5.0
    return response


def error_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("application/json"), response.text
    return str(response.json()["error"]["code"])


async def test_decompression_bomb_is_refused_without_decoding(
    client: httpx.AsyncClient, token: str
) -> None:
    bomb = png_bomb()
    assert len(bomb) < 10_000
    before = rss_mb()
    response = await upload(client, token, bomb, "bomb.png", "image/png")
    growth = rss_mb() - before
    assert response.status_code == 400
    assert error_code(response) == "INVALID_IMAGE"
    assert growth < 50, f"grew {growth:.0f} MB"


async def test_a_huge_jpeg_made_with_pillow_is_refused(
    client: httpx.AsyncClient, token: str
) -> None:
    # 12,000 x 12,000 of one colour: 144 megapixels, a small file
    out = io.BytesIO()
    Image.new("L", (12_000, 12_000), 0).save(out, "JPEG", optimize=True)
    response = await upload(client, token, out.getvalue(), "wide.jpg", "image/jpeg")
    assert response.status_code == 400
    assert error_code(response) == "INVALID_IMAGE"


async def test_truncated_jpeg_is_refused(client: httpx.AsyncClient, token: str) -> None:
    whole = jpeg((800, 600))
    for cut in (len(whole) // 2, 200, 4):
        response = await upload(client, token, whole[:cut], "cut.jpg", "image/jpeg")
        assert response.status_code == 400, cut
        assert error_code(response) == "INVALID_IMAGE"


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("zip.jpg", jpeg() + zip_archive(), "image/jpeg"),
        ("page.jpg", jpeg() + b"<html><script>alert(1)</script></html>", "image/jpeg"),
        ("gif.gif", GIF_JS, "image/gif"),
        ("gif.jpg", GIF_JS, "image/jpeg"),
        ("page.html", b"<html><script>alert(1)</script></html>", "text/html"),
    ],
)
async def test_polyglots_are_refused_or_reencoded(
    client: httpx.AsyncClient, token: str, name: str, data: bytes, content_type: str
) -> None:
    response = await upload(client, token, data, name, content_type)
    if response.status_code == 201:
        # a JPEG with a tail is still a JPEG: it is re-encoded from pixels, the tail is gone
        photo = await client.get(response.json()["url"])
        assert photo.headers["content-type"] == "image/jpeg"
        assert photo.headers["x-content-type-options"] == "nosniff"
        assert b"PK\x03\x04" not in photo.content
        assert b"<script" not in photo.content
        assert Image.open(io.BytesIO(photo.content)).format == "JPEG"
    else:
        assert response.status_code == 400
        assert error_code(response) in {"UNSUPPORTED_MEDIA_TYPE", "INVALID_IMAGE"}


async def fifty_megabytes() -> AsyncIterator[bytes]:
    chunk = b"\0" * (1024 * 1024)
    for _ in range(50):
        yield chunk


async def test_fifty_megabyte_bodies_are_refused_without_buffering(
    client: httpx.AsyncClient, token: str
) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    before = rss_mb()
    # announced honestly: refused before a byte is read
    announced = await client.post(
        "/media",
        content=fifty_megabytes(),
        headers={
            **auth,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(FIFTY_MB),
        },
    )
    assert announced.status_code == 413
    assert error_code(announced) == "PAYLOAD_TOO_LARGE"
    # streamed without a Content-Length: refused once the limit (10.5 MB) is passed; the upload
    # route reads it as a broken form (400), the middleware's own answer is 413
    streamed = await client.post(
        "/media",
        content=fifty_megabytes(),
        headers={**auth, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert streamed.status_code in (400, 413)
    assert error_code(streamed) in {"PAYLOAD_TOO_LARGE", "BAD_REQUEST"}
    # a lying Content-Length (small) with 50 MB behind it: the count of bytes read decides
    lying = await client.post(
        "/media",
        content=fifty_megabytes(),
        headers={
            **auth,
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": "1000",
        },
    )
    assert lying.status_code in (400, 413)
    assert error_code(lying) in {"PAYLOAD_TOO_LARGE", "BAD_REQUEST"}
    growth = rss_mb() - before
    print(f"\n50 MB bodies: RSS grew {growth:.1f} MB")
    assert growth < GROWTH_BOUND_MB
