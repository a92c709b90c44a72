"""A ticket's QR code as SVG (the app, downloads) or PNG (inline in emails), with segno."""

from __future__ import annotations

import io

import segno

# M (15% recovery): a scratched phone screen or a crumpled print still scans.
ERROR_LEVEL = "m"


def svg(code: str, *, scale: int = 4) -> str:
    """A standalone SVG document of the code (no XML declaration, dark on light)."""
    buffer = io.BytesIO()
    segno.make(code, error=ERROR_LEVEL, micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, title="ThangLong ticket"
    )
    return buffer.getvalue().decode("utf-8")


def png(code: str, *, scale: int = 5) -> bytes:
    """The code as a PNG image (segno's own encoder: no imaging library needed)."""
    buffer = io.BytesIO()
    segno.make(code, error=ERROR_LEVEL, micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
