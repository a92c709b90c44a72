"""Areas: one unit, a page of units (by code, by name search, nearest first); importing the
city's official boundaries (`boundaries`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from backend.areas import repository as area_repository
from backend.areas.models import AreaDoc
from backend.areas.service.boundaries import ImportResult, Overlap, import_polygons
from backend.areas.snapshot import AreaContent
from backend.db import Database
from backend.errors import DomainError
from backend.pagination import Page, decode_cursor, encode_cursor, page_size
from backend.text import best_word, fold, matches_all, prefix_range, query_terms

__all__ = [
    "ImportResult",
    "Overlap",
    "get_area",
    "import_polygons",
    "list_areas",
    "locate",
    "named_in",
]


async def locate(*, db: Database, lat: float, lng: float) -> AreaDoc | None:
    """The ward or commune a point is in; None outside Hanoi."""
    return await area_repository.locate(db, lat=lat, lng=lng)


async def get_area(
    *, db: Database, area_id: str, content: AreaContent | None = None
) -> AreaDoc | None:
    """A unit by its opaque id; None for unknown ids. From `content` (the snapshot) if given."""
    if not 0 < len(area_id) <= 32:
        return None
    if content is not None:
        return content.get(area_id)
    return await area_repository.get(db, area_id)


async def list_areas(
    *,
    db: Database,
    search: str | None,
    lat: float | None,
    lng: float | None,
    first: int | None,
    after: str | None,
    content: AreaContent | None = None,
) -> Page[AreaDoc]:
    """Units matching every word of `search` (diacritics folded, word prefixes), in code order,
    or nearest first from (`lat`, `lng`) when given. From `content` (the snapshot) if given:
    the same units, order and cursors."""
    limit = page_size(first)
    words = query_terms(search or "")
    if lat is not None and lng is not None:
        return await _nearest_page(
            db, words=words, lat=lat, lng=lng, limit=limit, after=after, content=content
        )
    last_code = str(decode_cursor(after, 1)[0]) if after is not None else None
    if words:
        if content is not None:
            found = content.matching_word(best_word(words))
        else:
            found = await area_repository.matching_word(db, prefix_range(best_word(words)))
        matches = [a for a in found if matches_all(a.search_terms, words)]
        rest = [a for a in matches if last_code is None or a.id > last_code]
        return _page(rest[: limit + 1], None, limit, lambda area, _d: [area.id])
    if content is not None:
        fetched = content.page_after(after=last_code, limit=limit + 1)
    else:
        fetched = await area_repository.page_after(db, after=last_code, limit=limit + 1)
    return _page(fetched, None, limit, lambda area, _d: [area.id])


async def _nearest_page(
    db: Database,
    *,
    words: list[str],
    lat: float,
    lng: float,
    limit: int,
    after: str | None,
    content: AreaContent | None,
) -> Page[AreaDoc]:
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        raise DomainError(
            "INVALID_LOCATION",
            en="Not a position on Earth",
            vi="Không phải một vị trí hợp lệ trên Trái Đất",
            field="near",
        )
    start: tuple[float, str] | None = None
    if after is not None:
        distance, code = decode_cursor(after, 2)
        if not isinstance(distance, int | float) or not isinstance(code, str):
            raise DomainError(
                "INVALID_CURSOR",
                en="The cursor is not valid",
                vi="Con trỏ phân trang (cursor) không hợp lệ",
                field="after",
            )
        start = (float(distance), code)
    if content is not None:
        word = best_word(words) if words else None
        ranked = content.nearest(lat=lat, lng=lng, word=word)
    else:
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


# --- the unit an address names ----------------------------------------------------------------

_WORDS = re.compile(r"[a-z0-9]+")
# Words that say the next name is a ward or commune ("phường Láng", "P. Láng", "xã Ba Vì"), and
# English ones that follow it ("Lang Ward").
_UNIT_BEFORE = frozenset({"phuong", "p", "xa"})
_UNIT_AFTER = frozenset({"ward", "commune"})
# Every unit (126 today), read at once: a few kilobytes, without polygons.
_ALL_UNITS = 1_000
_TEXT_MAX = 500


async def named_in(
    *, db: Database, text: str, content: AreaContent | None = None
) -> AreaDoc | None:
    """The ward or commune an address names (whole words, diacritics folded); None for none.

    Streets share names with units ("Trần Phú, Hà Đông"), so a name called a ward or commune
    ("phường", "xã", "ward") wins, then the one named last (Vietnamese addresses end with the
    larger places); a name inside a longer one ("Láng" in "Yên Lãng") does not count.
    """
    words = _WORDS.findall(fold(text[:_TEXT_MAX]))
    if not words:
        return None
    found: list[tuple[int, int, AreaDoc]] = []
    units = (
        content.units
        if content is not None
        else await area_repository.page_after(db, after=None, limit=_ALL_UNITS)
    )
    for area in units:
        name = _WORDS.findall(fold(area.short_name))
        found.extend(
            (start, start + len(name), area)
            for start in range(len(words) - len(name) + 1)
            if name and words[start : start + len(name)] == name
        )
    whole = [
        (start, end, area)
        for start, end, area in found
        if not any(s <= start and end <= e and e - s > end - start for s, e, _ in found)
    ]

    def rank(match: tuple[int, int, AreaDoc]) -> tuple[bool, int]:
        start, end, _ = match
        called = (start > 0 and words[start - 1] in _UNIT_BEFORE) or (
            end < len(words) and words[end] in _UNIT_AFTER
        )
        return called, start

    return max(whole, key=rank)[2] if whole else None
