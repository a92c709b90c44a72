"""The tourism lists, search box and map clusters answered from the content snapshot.

The same rules as the database path (backend/tourism/service/__init__.py): the same checks of
the input, the same order (by id; by distance then id with `near`), the same cursors, the same
bound on what one page looks at, so a client cannot tell which path answered. What changes
between content versions is read from the database: the ratings of the places a page shows.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence

from backend import geo
from backend.clock import HANOI
from backend.db import Database
from backend.pagination import Page, encode_cursor
from backend.text import query_terms
from backend.tourism import repository as tourism_repository
from backend.tourism import service as tourism_service
from backend.tourism.models import JourneyDoc, PoiDoc
from backend.tourism.service import (
    MAX_SCANNED,
    MAX_SEARCH_CANDIDATES,
    SCAN_BATCH,
    BBox,
    JourneyCriteria,
    LatLng,
    PoiCriteria,
    SearchHit,
    decode_after,
    invalid,
)
from backend.tourism.service.clusters import (
    MAX_CLUSTER_POINTS,
    Clusters,
    cluster_cell,
    cluster_points,
)
from backend.tourism.service.ratings import SharedRatingReads
from backend.tourism.snapshot import JourneyEntry, PoiEntry, TourismContent

Key = tuple[object, ...]


def _page[E](
    candidates: Iterator[tuple[Key, E]],
    *,
    first: int,
    near: bool,
    keep: Callable[[E], bool],
) -> Page[E]:
    """A page as `tourism_service._scan_page` makes it, from candidates in key order (past the
    cursor) that the database's filter would have returned, looked at in the same batches."""
    batch = max(first + 1, SCAN_BATCH)
    matched: list[tuple[Key, E]] = []
    scanned = 0
    position: Key | None = None
    exhausted = False
    while len(matched) <= first and not exhausted and scanned < MAX_SCANNED:
        taken = 0
        for key, entry in candidates:
            taken += 1  # noqa: SIM113 (the loop may stop at a match, before the batch ends)
            scanned += 1
            position = key
            if keep(entry):
                matched.append((key, entry))
                if len(matched) > first:
                    break
            if taken == batch:
                break
        else:
            exhausted = True
    page = matched[:first]
    cursors = [encode_cursor(list(key)) for key, _ in page]
    has_next, resume_at = len(matched) > first, None
    if not has_next and not exhausted and position is not None:
        has_next, resume_at = True, encode_cursor(list(position))
    distances: list[float | None] | None = None
    if near:
        distances = [float(key[0]) for key, _ in page]  # type: ignore[arg-type]
    return Page(
        [entry for _, entry in page],
        cursors,
        has_next,
        distances=distances,
        resume_at=resume_at,
    )


Entries = Sequence[PoiEntry] | Sequence[JourneyEntry]


def _past(ids: Sequence[int], entries: Entries, after: Key | None) -> Iterator[tuple[Key, int]]:
    """Positions in id order, as (id,) keys, after the cursor's id."""
    start = 0
    if after is not None:
        start = bisect.bisect_right(ids, str(after[0]), key=lambda i: entries[i].doc.id)
    for i in ids[start:]:
        yield (entries[i].doc.id,), i


def _nearest_past(
    nearest: Iterable[tuple[float, int]],
    entries: Entries,
    after: Key | None,
) -> Iterator[tuple[Key, int]]:
    for distance, i in nearest:
        key = (distance, entries[i].doc.id)
        if after is None or key > tuple(after):
            yield key, i


async def with_live_ratings(
    db: Database, docs: list[PoiDoc], *, shared: SharedRatingReads | None = None
) -> list[PoiDoc]:
    """The places with their ratings as the database has them now (one query; with `shared`,
    one read shared with the requests that ask at the same time)."""
    if not docs:
        return docs
    ids = [doc.id for doc in docs]
    found = await (shared.get(ids) if shared is not None else tourism_repository.ratings(db, ids))
    # Most ratings are those the snapshot loaded: keep those places as they are (a replace()
    # of a PoiDoc costs 12 us, 0.6 ms for a page of 52).
    return [
        doc
        if (live := found.get(doc.id)) is None or live == (doc.rating_sum, doc.rating_count)
        else dataclasses.replace(doc, rating_sum=live[0], rating_count=live[1])
        for doc in docs
    ]


# -- places --------------------------------------------------------------------------------------


def list_pois(
    *, content: TourismContent, criteria: PoiCriteria, first: int, after: str | None
) -> Page[PoiDoc]:
    """`tourism_service.list_pois` from memory (ratings as loaded: see with_live_ratings)."""
    scan, _ = tourism_service.poi_scan(criteria)  # the same checks of the input
    near = scan.near
    position = decode_after(after, near=near is not None)
    words = query_terms(criteria.search or "")
    word = max(words, key=len) if words else None
    categories = frozenset(str(c) for c in criteria.categories or ())
    bbox = criteria.bbox
    open_at = criteria.open_at
    if open_at is not None and open_at.tzinfo is None:
        open_at = open_at.replace(tzinfo=HANOI)
    entries = content.pois

    def indexed(i: int) -> bool:
        """What the database's filter checks (categories, the longest word, the box)."""
        entry = entries[i]
        if categories and not categories & entry.categories:
            return False
        if word is not None and not any(t.startswith(word) for t in entry.search_terms):
            return False
        if near is None and bbox is not None:
            return bbox.contains(entry.doc.lat, entry.doc.lng)
        return True

    def keep(i: int) -> bool:
        """What the service checks on what the database returned."""
        entry = entries[i]
        if words and not tourism_service._matches(words, entry.search_terms):
            return False
        if (
            near is not None
            and bbox is not None
            and not bbox.contains(entry.doc.lat, entry.doc.lng)
        ):
            return False
        return open_at is None or entry.doc.hours.is_open(open_at)

    candidates: Iterator[tuple[Key, int]]
    if near is not None:
        nearest = content.poi_grid.nearest(lat=near.lat, lng=near.lng, max_meters=near.max_meters)
        candidates = _nearest_past(((d, i) for d, i in nearest if indexed(i)), entries, position)
    else:
        if word is not None:
            ids = content.poi_terms.prefixed(word)
        elif bbox is not None:
            ids = content.poi_grid.within(
                west=bbox.west, south=bbox.south, east=bbox.east, north=bbox.north
            )
        else:
            ids = range(len(entries))  # type: ignore[assignment]
        candidates = ((key, i) for key, i in _past(ids, entries, position) if indexed(i))
    page = _page(candidates, first=first, near=near is not None, keep=keep)
    return page.map(lambda i: entries[i].doc)


# -- journeys ------------------------------------------------------------------------------------


def list_journeys(
    *, content: TourismContent, criteria: JourneyCriteria, first: int, after: str | None
) -> Page[JourneyDoc]:
    """`tourism_service.list_journeys` from memory."""
    if criteria.max_duration_minutes is not None and criteria.max_duration_minutes < 1:
        raise invalid(
            en="maxDurationMinutes must be positive",
            vi="maxDurationMinutes phải là số dương",
            field="filter.maxDurationMinutes",
        )
    near = criteria.near
    if near is not None:
        near.check("filter.near")
    position = decode_after(after, near=near is not None)
    entries = content.journeys
    chosen = [
        i
        for i, entry in enumerate(entries)
        if (not criteria.theme or entry.doc.theme == criteria.theme)
        and (
            criteria.max_duration_minutes is None
            or entry.doc.duration_minutes <= criteria.max_duration_minutes
        )
    ]
    candidates: Iterator[tuple[Key, int]]
    if near is not None:
        nearest = sorted(
            (
                geo.haversine_meters(
                    lat1=near.lat, lng1=near.lng, lat2=entries[i].doc.start_lat,
                    lng2=entries[i].doc.start_lng,
                ),
                i,
            )
            for i in chosen
        )  # fmt: skip
        candidates = _nearest_past(nearest, entries, position)
    else:
        candidates = _past(chosen, entries, position)
    page = _page(candidates, first=first, near=near is not None, keep=lambda _: True)
    return page.map(lambda i: entries[i].doc)


# -- one search box ------------------------------------------------------------------------------


def search(
    *, content: TourismContent, query: str, first: int, near: LatLng | None = None
) -> list[SearchHit]:
    """`tourism_service.search` from memory."""
    words = query_terms(query)
    if not words:
        return []
    if near is not None:
        near.check("near")
    word = max(words, key=len)
    hits: list[tuple[tuple[object, ...], SearchHit]] = []
    sources: list[tuple[Entries, list[int]]] = [
        (content.pois, content.poi_terms.prefixed(word)[:MAX_SEARCH_CANDIDATES]),
        (content.journeys, content.journey_terms.prefixed(word)[:MAX_SEARCH_CANDIDATES]),
    ]
    for entries, positions in sources:
        for i in positions:
            entry = entries[i]
            if not tourism_service._matches(words, entry.search_terms):
                continue
            name_match = tourism_service._matches(words, entry.name_terms)
            if isinstance(entry, PoiEntry):
                poi, journey = entry.doc, None
                lat, lng = poi.lat, poi.lng
            else:
                poi, journey = None, entry.doc
                lat, lng = journey.start_lat, journey.start_lng
            distance = (
                geo.haversine_meters(lat1=near.lat, lng1=near.lng, lat2=lat, lng2=lng)
                if near
                else None
            )
            rank = (0 if name_match else 1, distance or 0.0, entry.title_folded, entry.doc.id)
            hits.append((rank, SearchHit(poi, journey, name_match, distance)))
    hits.sort(key=lambda item: item[0])
    return [hit for _, hit in hits[:first]]


# -- map clusters --------------------------------------------------------------------------------


def poi_clusters(*, content: TourismContent, bbox: BBox, zoom: int) -> Clusters:
    """`tourism_service.poi_clusters` from memory."""
    bbox.check("bbox")
    cell = cluster_cell(zoom)
    inside = content.poi_grid.within(
        west=bbox.west, south=bbox.south, east=bbox.east, north=bbox.north
    )
    points = [
        (content.pois[i].doc.lat, content.pois[i].doc.lng, content.pois[i].doc.id)
        for i in inside[: MAX_CLUSTER_POINTS + 1]
    ]
    return cluster_points(points, cell=cell)
