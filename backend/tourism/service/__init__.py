"""Tourism rules: listing places and journeys, search, map clusters (this module); the seams
that build on it have a module each: `progress` (start, check in, my journeys), `reviews`
(reviews, ratings and their moderation), `offline` (offline journey packs).

Import as `from backend.tourism import service as tourism_service`, or a seam as
`from backend.tourism.service import reviews as review_service`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from backend import geo
from backend.clock import HANOI
from backend.db import Database, Document
from backend.errors import DomainError, DomainErrors
from backend.pagination import InvalidCursorError, Page, decode_cursor, encode_cursor
from backend.text import fold, query_terms
from backend.tourism import repository as tourism_repository
from backend.tourism.models import (
    MAX_RADIUS_METERS,
    JourneyDoc,
    PoiDoc,
    TourismErrorCode,
)
from backend.tourism.repository import Near, Scan

# Filters that the index cannot answer (opening hours, every search word) are applied to batches
# after the indexed query; the cursor is the position of the last document *looked at*, so paging
# stays exact. A page looks at no more than MAX_SCANNED documents; if it stops there, it says
# hasNextPage with a cursor past what it looked at.
SCAN_BATCH = 50
MAX_SCANNED = 2_000
MAX_SEARCH_CANDIDATES = 500
MAX_CATEGORIES = 20
T = TypeVar("T")


class TourismInputError(DomainErrors):
    """Several things wrong with one input, reported together."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        super().__init__(TourismErrorCode.INVALID, errors)


def invalid(*, en: str, vi: str, field: str) -> DomainError:
    return DomainError(TourismErrorCode.INVALID, en=en, vi=vi, field=field)


def not_found(*, en: str, vi: str, field: str) -> DomainError:
    """NOT_FOUND for a thing named in both languages (`en="journey", vi="hành trình này"`)."""
    return DomainError(
        TourismErrorCode.NOT_FOUND, en=f"No such {en}", vi=f"Không tìm thấy {vi}", field=field
    )


@dataclass(frozen=True)
class LatLng:
    lat: float
    lng: float

    def check(self, field_name: str) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lng <= 180) or math.isnan(
            self.lat + self.lng
        ):
            raise invalid(
                en="lat must be within ±90 and lng within ±180",
                vi="lat phải trong khoảng ±90 và lng trong khoảng ±180",
                field=field_name,
            )


@dataclass(frozen=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    def check(self, field_name: str) -> None:
        LatLng(self.south, self.west).check(field_name)
        LatLng(self.north, self.east).check(field_name)
        if not (self.west < self.east and self.south < self.north):
            raise invalid(
                en="a box needs west < east and south < north",
                vi="khung cần có west < east và south < north",
                field=field_name,
            )

    def contains(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


@dataclass(frozen=True, kw_only=True)
class PoiCriteria:
    near: LatLng | None = None
    radius_meters: float | None = None
    bbox: BBox | None = None
    categories: Sequence[str] = ()
    open_at: datetime | None = None
    search: str | None = None


@dataclass(frozen=True, kw_only=True)
class JourneyCriteria:
    theme: str | None = None
    max_duration_minutes: int | None = None
    near: LatLng | None = None


def _matches(words: Sequence[str], terms: Sequence[str]) -> bool:
    """Every query word prefixes some term."""
    return all(any(term.startswith(word) for term in terms) for word in words)


def decode_after(after: str | None, *, near: bool) -> tuple[object, ...] | None:
    if after is None:
        return None
    if near:
        values = decode_cursor(after, 2)
        if not isinstance(values[0], int | float) or not isinstance(values[1], str):
            raise InvalidCursorError
    else:
        values = decode_cursor(after, 1)
        if not isinstance(values[0], str):
            raise InvalidCursorError
    return tuple(values)


async def _scan_page(
    db: Database,
    query: Scan,
    *,
    first: int,
    after: str | None,
    keep: Callable[[Document], bool],
) -> Page[Document]:
    position = decode_after(after, near=query.near is not None)
    matched: list[tuple[tuple[object, ...], Document]] = []
    scanned = 0
    exhausted = False
    while len(matched) <= first and not exhausted and scanned < MAX_SCANNED:
        batch, exhausted = await tourism_repository.scan(
            db, query, after=position, limit=max(first + 1, SCAN_BATCH)
        )
        if not batch:
            exhausted = True
        for key, doc in batch:
            scanned += 1
            position = key
            if keep(doc):
                matched.append((key, doc))
                if len(matched) > first:
                    break
    page = matched[:first]
    cursors = [encode_cursor(list(key)) for key, _ in page]
    distances = [float(key[0]) if query.near is not None else None for key, _ in page]  # type: ignore[arg-type]
    has_next, resume_at = len(matched) > first, None
    if not has_next and not exhausted and position is not None:
        # Stopped at MAX_SCANNED: more may match past what was looked at.
        has_next, resume_at = True, encode_cursor(list(position))
    return Page(
        [doc for _, doc in page],
        cursors,
        has_next,
        distances=distances if query.near is not None else None,
        resume_at=resume_at,
    )


# -- POIs ----------------------------------------------------------------------------------------


def poi_scan(criteria: PoiCriteria) -> tuple[Scan, Callable[[Document], bool]]:
    """The indexed query for a POI filter and the check for what the index cannot answer."""
    words = query_terms(criteria.search or "")
    if len(criteria.categories or ()) > MAX_CATEGORIES:
        raise invalid(
            en=f"at most {MAX_CATEGORIES} categories",
            vi=f"tối đa {MAX_CATEGORIES} danh mục",
            field="filter.categories",
        )
    near = None
    bbox = criteria.bbox
    if bbox is not None:
        bbox.check("filter.bbox")
    if criteria.radius_meters is not None and criteria.near is None:
        raise invalid(
            en="radiusMeters needs near",
            vi="radiusMeters cần đi kèm near",
            field="filter.radiusMeters",
        )
    if criteria.near is not None:
        criteria.near.check("filter.near")
        radius = MAX_RADIUS_METERS if criteria.radius_meters is None else criteria.radius_meters
        if not 0 < radius <= MAX_RADIUS_METERS:
            raise invalid(
                en=f"radiusMeters must be between 1 and {MAX_RADIUS_METERS}",
                vi=f"radiusMeters phải từ 1 đến {MAX_RADIUS_METERS}",
                field="filter.radiusMeters",
            )
        near = Near(criteria.near.lat, criteria.near.lng, float(radius))
    # A box filters in the database unless the list is ordered by distance from `near`.
    box = None
    if near is None and bbox is not None:
        box = geo.box_polygon(west=bbox.west, south=bbox.south, east=bbox.east, north=bbox.north)
    mongo = tourism_repository.poi_filter(
        categories=[str(c) for c in criteria.categories or ()],
        # The longest word is the most selective; the others are checked on what comes back.
        search_word=max(words, key=len) if words else None,
        within=box,
    )
    open_at = criteria.open_at
    if open_at is not None and open_at.tzinfo is None:
        open_at = open_at.replace(tzinfo=HANOI)  # a time without offset is Hanoi time

    def keep(doc: Document) -> bool:
        if words and not _matches(words, doc.get("search_terms") or []):
            return False
        if near is not None and bbox is not None:
            lng, lat = doc["location"]["coordinates"]
            if not bbox.contains(lat, lng):
                return False
        return open_at is None or PoiDoc.from_mongo(doc).hours.is_open(open_at)

    # Without search words the terms are not needed: leave them in the database.
    exclude = () if words else tourism_repository.SEARCH_FIELDS
    scan = Scan(collection=tourism_repository.POIS, filter=mongo, near=near, exclude=exclude)
    return scan, keep


async def list_pois(
    *, db: Database, criteria: PoiCriteria, first: int, after: str | None
) -> Page[PoiDoc]:
    """POIs matching a filter: nearest first with `near`, else by id."""
    query, keep = poi_scan(criteria)
    page = await _scan_page(db, query, first=first, after=after, keep=keep)
    return page.map(PoiDoc.from_mongo)


async def get_poi(*, db: Database, poi_id: str) -> PoiDoc | None:
    """One POI by id, or None."""
    docs = await tourism_repository.get_pois(db, [poi_id])
    return PoiDoc.from_mongo(docs[poi_id]) if poi_id in docs else None


# -- journeys ------------------------------------------------------------------------------------


async def list_journeys(
    *, db: Database, criteria: JourneyCriteria, first: int, after: str | None
) -> Page[JourneyDoc]:
    """Journeys by theme and duration; nearest start first with `near`, else by id."""
    if criteria.max_duration_minutes is not None and criteria.max_duration_minutes < 1:
        raise invalid(
            en="maxDurationMinutes must be positive",
            vi="maxDurationMinutes phải là số dương",
            field="filter.maxDurationMinutes",
        )
    mongo = tourism_repository.journey_filter(
        theme=criteria.theme, max_duration_minutes=criteria.max_duration_minutes
    )
    near = None
    if criteria.near is not None:
        criteria.near.check("filter.near")
        near = Near(criteria.near.lat, criteria.near.lng)
    query = Scan(
        collection=tourism_repository.JOURNEYS,
        filter=mongo,
        near=near,
        location_field="start_location",
        exclude=tourism_repository.SEARCH_FIELDS,
    )
    page = await _scan_page(db, query, first=first, after=after, keep=lambda _: True)
    return page.map(JourneyDoc.from_mongo)


async def get_journey(*, db: Database, journey_id: str) -> JourneyDoc | None:
    """One journey by id, or None."""
    docs = await tourism_repository.get_journeys(db, [journey_id])
    return JourneyDoc.from_mongo(docs[journey_id]) if journey_id in docs else None


# -- one search box ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    poi: PoiDoc | None
    journey: JourneyDoc | None
    name_match: bool
    distance_meters: float | None


async def search(
    *, db: Database, query: str, first: int, near: LatLng | None = None
) -> list[SearchHit]:
    """POIs and journeys for a search box: name matches first, then nearest, then by name."""
    words = query_terms(query)
    if not words:
        return []
    if near is not None:
        near.check("near")
    word = max(words, key=len)
    hits: list[tuple[tuple[object, ...], SearchHit]] = []
    for collection in (tourism_repository.POIS, tourism_repository.JOURNEYS):
        candidates = await tourism_repository.search_candidates(
            db, collection, word, limit=MAX_SEARCH_CANDIDATES
        )
        for doc in candidates:
            if not _matches(words, doc.get("search_terms") or []):
                continue
            name_match = _matches(words, doc.get("name_terms") or [])
            if collection == tourism_repository.POIS:
                poi, journey = PoiDoc.from_mongo(doc), None
                lat, lng, title = poi.lat, poi.lng, poi.name
            else:
                poi, journey = None, JourneyDoc.from_mongo(doc)
                lat, lng, title = journey.start_lat, journey.start_lng, journey.title
            distance = (
                geo.haversine_meters(lat1=near.lat, lng1=near.lng, lat2=lat, lng2=lng)
                if near
                else None
            )
            rank = (0 if name_match else 1, distance or 0.0, fold(title.get("vi", "")), doc["_id"])
            hits.append((rank, SearchHit(poi, journey, name_match, distance)))
    hits.sort(key=lambda item: item[0])
    return [hit for _, hit in hits[:first]]
