"""Where a stored photo is served: the paths of the photo and of its thumbnail."""

from __future__ import annotations

from bson import ObjectId


def photo_url(photo_id: ObjectId | str) -> str:
    return f"/media/{photo_id}"


def thumbnail_url(photo_id: ObjectId | str) -> str:
    return f"/media/{photo_id}/thumb"
