"""Areas: one unit, a page of units (by code, by name search, nearest first); importing the
city's official boundaries (`boundaries`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from backend.areas import repository as area_repository
from backend.areas.models import AreaDoc
from backend.areas.service.boundaries import ImportResult, Overlap, import_polygons
from backend.db import Database
from backend.errors import DomainError
from backend.pagination import Page, decode_cursor, encode_cursor, page_size
from backend.text import best_word, matches_all, prefix_range, query_terms

__all__ = ["ImportResult", "Overlap", "get_area", "import_polygons", "list_areas", "locate"]


async def locate(*, db: Database, lat: float, lng: float) -> AreaDoc | None:
    """The ward or commune a point is in; None outside Hanoi."""
    return await area_repository.locate(db, lat=lat, lng=lng)


async def get_area(*, db: Database, area_id: str) -> AreaDoc | None:
    """A unit by its opaque id; None for unknown ids."""
    if not 0 < len(area_id) <= 32:
        return None
    return await area_repository.get(db, area_id)


async def list_areas(
    *,
    db: Database,
    search: str | None,
    lat: float | None,
    lng: float | None,
    first: int | None,
    after: str | None,
) -> Page[AreaDoc]:
    """Units matching every word of `search` (diacritics folded, word prefixes), in code order,
    or nearest first from (`lat`, `lng`) when given."""
    limit = page_size(first)
    words = query_terms(search or "")
    if lat is not None and lng is not None:
        return await _nearest_page(db, words=words, lat=lat, lng=lng, limit=limit, after=after)
    last_code = str(decode_cursor(after, 1)[0]) if after is not None else None
    if words:
        found = await area_repository.matching_word(db, prefix_range(best_word(words)))
        matches = [a for a in found if matches_all(a.search_terms, words)]
        rest = [a for a in matches if last_code is None or a.id > last_code]
        return _page(rest[: limit + 1], None, limit, lambda area, _d: [area.id])
    fetched = await area_repository.page_after(db, after=last_code, limit=limit + 1)
    return _page(fetched, None, limit, lambda area, _d: [area.id])


async def _nearest_page(
    db: Database, *, words: list[str], lat: float, lng: float, limit: int, after: str | None
) -> Page[AreaDoc]:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError("INVALID_LOCATION", "Not a position on Earth", field="near")
    start: tuple[float, str] | None = None
    if after is not None:
        distance, code = decode_cursor(after, 2)
        if not isinstance(distance, int | float) or not isinstance(code, str):
            raise DomainError("INVALID_CURSOR", "The cursor is not valid", field="after")
        start = (float(distance), code)
    query = {"search_terms": prefix_range(best_word(words))} if words else None
    ranked = await area_repository.nearest(db, lat=lat, lng=lng, query=query)
    rest = [
        (area, distance)
        for area, distance in ranked
        if (not words or matches_all(area.search_terms, words))
        and (start is None or (distance, area.id) > start)
    ][: limit + 1]
    return _page(
        [area for area, _ in rest],
        [distance for _, distance in rest],
        limit,
        lambda area, distance: [distance, area.id],
    )


def _page(
    areas: list[AreaDoc],
    distances: list[float] | None,
    limit: int,
    sort_key: Callable[[AreaDoc, float | None], Sequence[object]],
) -> Page[AreaDoc]:
    shown = areas[:limit]
    shown_distances: list[float | None] = (
        list(distances[:limit]) if distances is not None else [None] * len(shown)
    )
    cursors = [
        encode_cursor(sort_key(area, distance))
        for area, distance in zip(shown, shown_distances, strict=True)
    ]
    # Distances are metres from `near` to each centroid, when ordered by it.
    return Page(shown, cursors, has_next_page=len(areas) > limit, distances=shown_distances)
