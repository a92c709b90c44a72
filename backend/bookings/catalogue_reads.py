"""What the bookings queries share: the catalogue in this process's memory, and `near`."""

from __future__ import annotations

from backend.bookings import service as booking_service
from backend.bookings.snapshot import BookingContent
from backend.context import Info
from backend.geopoint import GeoPointInput


async def in_memory(info: Info) -> BookingContent | None:
    """The tours, hotels and restaurants in this process's memory; None: read the database."""
    loaded = await info.context.content()
    return None if loaded is None else loaded.bookings


def near(point: GeoPointInput | None, radius: float) -> booking_service.Near | None:
    """A list's `near` filter, or None without a point."""
    if point is None:
        return None
    return booking_service.Near(point.lat, point.lng, radius)
