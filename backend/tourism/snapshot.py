"""Tourism's public content in memory: places and journeys as loaded, with the indexes the lists,
the map and the search box need (a grid for points, a sorted term list for prefixes).

A `TourismContent` is built once per content version (backend/snapshot.py loads and swaps it)
and never changed afterwards, so requests read it without locks. Ratings are not taken from
it: reviews change them between content versions (backend/tourism/service/memory.py reads them
from the database for the places a page shows).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import bson

from backend import geo
from backend.db import Database, Document
from backend.text import fold
from backend.tourism import repository as tourism_repository
from backend.tourism.models import JourneyDoc, PoiDoc

LOAD_BATCH = 500
# A cell of the point grid, in degrees (about 550 m of latitude): a dozen places per cell at
# 10,000 places in the city's centre, so a page of 50 nearest comes from two or three rings.
GRID_CELL_DEGREES = 0.005


@dataclass(frozen=True, slots=True)
class PoiEntry:
    doc: PoiDoc
    categories: frozenset[str]
    search_terms: tuple[str, ...]
    name_terms: tuple[str, ...]
    title_folded: str  # the search box's tie-break: the Vietnamese name, folded


@dataclass(frozen=True, slots=True)
class JourneyEntry:
    doc: JourneyDoc
    search_terms: tuple[str, ...]
    name_terms: tuple[str, ...]
    title_folded: str


class TermIndex:
    """Terms in sorted order with the entries (positions) holding each: prefix lookups."""

    def __init__(self, terms_by_entry: Sequence[Sequence[str]]) -> None:
        holders: dict[str, list[int]] = {}
        for i, terms in enumerate(terms_by_entry):
            for term in terms:
                found = holders.setdefault(term, [])
                if not found or found[-1] != i:  # terms of one entry are distinct; be sure
                    found.append(i)
        self._terms = sorted(holders)
        self._holders = [holders[term] for term in self._terms]

    def prefixed(self, word: str) -> list[int]:
        """Positions of the entries with a term starting with `word`, in position (id) order."""
        start = bisect.bisect_left(self._terms, word)
        stop = bisect.bisect_left(self._terms, word[:-1] + chr(ord(word[-1]) + 1), lo=start)
        if stop - start == 1:
            return list(self._holders[start])
        found: set[int] = set()
        for at in range(start, stop):
            found.update(self._holders[at])
        return sorted(found)


class PointGrid:
    """Points bucketed on a regular grid of degrees: nearest-first walks and boxes."""

    def __init__(self, points: Sequence[tuple[float, float]], cell: float = GRID_CELL_DEGREES):
        self.cell = cell
        self._points = points
        self._cells: dict[tuple[int, int], list[int]] = {}
        for i, (lat, lng) in enumerate(points):
            self._cells.setdefault(self._key(lat, lng), []).append(i)
        rows = [row for row, _ in self._cells] or [0]
        columns = [column for _, column in self._cells] or [0]
        self._bounds = (min(rows), max(rows), min(columns), max(columns))

    def _key(self, lat: float, lng: float) -> tuple[int, int]:
        return math.floor(lat / self.cell), math.floor(lng / self.cell)

    def _ring(self, row: int, column: int, k: int) -> Iterator[list[int]]:
        if k == 0:
            found = self._cells.get((row, column))
            if found:
                yield found
            return
        for r in range(row - k, row + k + 1):
            step = 1 if r in (row - k, row + k) else 2 * k
            for c in range(column - k, column + k + 1, step):
                found = self._cells.get((r, c))
                if found:
                    yield found

    def _lower_bound(self, lat: float, k: int) -> float:
        """No point outside the rings 0..k is nearer than this (metres).

        Such a point differs by at least k cells in latitude or in longitude; with asin(x) >= x
        and both cosines at least that of the farthest latitude a nearer point could have.
        """
        if k == 0:
            return 0.0
        spread = math.radians(k * self.cell) / 2
        farthest = min(90.0, abs(lat) + (k + 1) * self.cell)
        return 2 * geo.EARTH_RADIUS_METERS * math.cos(math.radians(farthest)) * math.sin(spread)

    def nearest(
        self, *, lat: float, lng: float, max_meters: float | None
    ) -> Iterator[tuple[float, int]]:
        """(distance, position) of every point within `max_meters`, nearest first (ties: by
        position, which is id order), distances as `geo.haversine_meters` gives them."""
        row, column = self._key(lat, lng)
        low_row, high_row, low_column, high_column = self._bounds
        last_ring = max(row - low_row, high_row - row, column - low_column, high_column - column)
        heap: list[tuple[float, int]] = []
        k = 0
        while True:
            # Sparse grids: once a ring has more cells than are occupied, take the rest at once.
            rest = 8 * k > len(self._cells)
            if rest:
                rings: Iterator[list[int]] | list[list[int]] = [
                    members
                    for (r, c), members in self._cells.items()
                    if max(abs(r - row), abs(c - column)) >= k
                ]
            else:
                rings = self._ring(row, column, k)
            for members in rings:
                for i in members:
                    p_lat, p_lng = self._points[i]
                    d = geo.haversine_meters(lat1=lat, lng1=lng, lat2=p_lat, lng2=p_lng)
                    if max_meters is None or d <= max_meters:
                        heapq.heappush(heap, (d, i))
            bound = self._lower_bound(lat, k)
            done = rest or k >= last_ring or (max_meters is not None and bound > max_meters)
            while heap and (done or heap[0][0] < bound):
                yield heapq.heappop(heap)
            if done:
                return
            k += 1

    def within(self, *, west: float, south: float, east: float, north: float) -> list[int]:
        """Positions of the points inside a box (edges included), in position order."""
        first_row, first_column = self._key(south, west)
        last_row, last_column = self._key(north, east)
        found: list[int] = []
        if (last_row - first_row + 1) * (last_column - first_column + 1) > len(self._cells):
            cells = [
                members
                for (r, c), members in self._cells.items()
                if first_row <= r <= last_row and first_column <= c <= last_column
            ]
        else:
            cells = [
                self._cells[(r, c)]
                for r in range(first_row, last_row + 1)
                for c in range(first_column, last_column + 1)
                if (r, c) in self._cells
            ]
        for members in cells:
            for i in members:
                lat, lng = self._points[i]
                if south <= lat <= north and west <= lng <= east:
                    found.append(i)
        found.sort()
        return found


@dataclass(frozen=True)
class TourismContent:
    """Every place and journey of one content version, by id, with their indexes."""

    pois: tuple[PoiEntry, ...]  # in id order
    poi_positions: dict[str, int]
    poi_grid: PointGrid
    poi_terms: TermIndex
    journeys: tuple[JourneyEntry, ...]  # in id order
    journey_positions: dict[str, int]
    journey_terms: TermIndex
    size_bytes: int  # BSON size of what was loaded (what the gauge reports)

    @property
    def entries(self) -> int:
        return len(self.pois) + len(self.journeys)

    def poi(self, poi_id: str) -> PoiDoc | None:
        at = self.poi_positions.get(poi_id)
        return None if at is None else self.pois[at].doc

    def journey(self, journey_id: str) -> JourneyDoc | None:
        at = self.journey_positions.get(journey_id)
        return None if at is None else self.journeys[at].doc


class TooMuchContentError(Exception):
    """The content has more documents than a snapshot may hold: the database path serves."""


def _title(text: dict[str, str]) -> str:
    return fold(text.get("vi", ""))


async def load(db: Database, *, max_entries: int) -> TourismContent:
    """Read every place and journey (in batches, by id) and build the indexes."""
    pois: list[PoiEntry] = []
    journeys: list[JourneyEntry] = []
    # Places share most of their words: one string object per distinct term, not per place.
    words: dict[str, str] = {}
    size = 0
    budget = max_entries + 1  # one more than allowed tells that there are too many
    async for batch in tourism_repository.content_batches(
        db, tourism_repository.POIS, batch=LOAD_BATCH, limit=budget
    ):
        for raw in batch:
            size += len(bson.encode(raw))
            doc = PoiDoc.from_mongo(raw)
            pois.append(_poi_entry(raw, doc, words))
    async for batch in tourism_repository.content_batches(
        db, tourism_repository.JOURNEYS, batch=LOAD_BATCH, limit=budget - len(pois)
    ):
        for raw in batch:
            size += len(bson.encode(raw))
            journey = JourneyDoc.from_mongo(raw)
            journeys.append(
                JourneyEntry(
                    doc=journey,
                    search_terms=_shared(raw.get("search_terms"), words),
                    name_terms=_shared(raw.get("name_terms"), words),
                    title_folded=_title(journey.title),
                )
            )
    if len(pois) + len(journeys) > max_entries:
        raise TooMuchContentError(f"more than {max_entries} places and journeys")
    return build(pois, journeys, size_bytes=size)


def _shared(terms: Sequence[str] | None, words: dict[str, str]) -> tuple[str, ...]:
    return tuple(words.setdefault(term, term) for term in terms or ())


def _poi_entry(raw: Document, doc: PoiDoc, words: dict[str, str]) -> PoiEntry:
    return PoiEntry(
        doc=doc,
        categories=frozenset(str(c) for c in raw.get("categories") or ()),
        search_terms=_shared(raw.get("search_terms"), words),
        name_terms=_shared(raw.get("name_terms"), words),
        title_folded=_title(doc.name),
    )


def build(
    pois: Sequence[PoiEntry], journeys: Sequence[JourneyEntry], *, size_bytes: int
) -> TourismContent:
    """The indexes over entries given in id order."""
    return TourismContent(
        pois=tuple(pois),
        poi_positions={entry.doc.id: i for i, entry in enumerate(pois)},
        poi_grid=PointGrid([(entry.doc.lat, entry.doc.lng) for entry in pois]),
        poi_terms=TermIndex([entry.search_terms for entry in pois]),
        journeys=tuple(journeys),
        journey_positions={entry.doc.id: i for i, entry in enumerate(journeys)},
        journey_terms=TermIndex([entry.search_terms for entry in journeys]),
        size_bytes=size_bytes,
    )
