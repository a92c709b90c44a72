"""Hanoi's wards and communes in memory: every unit as `AreaDoc` (names, codes, kinds, centroids,
areas), never the imported boundary polygons.

The 126 units without polygons are 47 kB of BSON. A boundary at survey resolution has thousands
of vertices (16 bytes each in BSON), so the city's run to megabytes, and only `locate` needs
them, inside the database (`$geoIntersects`): they stay there. A list of 126 is searched and
ranked by a full pass, cheaper than any index at that size.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import bson

from backend import geo
from backend.areas import repository as area_repository
from backend.areas.models import AreaDoc
from backend.db import Database

# Far more than the city's units (126): past it the database path serves.
MAX_UNITS = 2_000


class TooManyUnitsError(Exception):
    """More units than a snapshot may hold: the database path serves."""


@dataclass(frozen=True)
class AreaContent:
    """Every unit of one content version, in code order."""

    units: tuple[AreaDoc, ...]
    codes: tuple[str, ...]  # the units' codes, for bisecting
    by_code: dict[str, AreaDoc]
    terms: tuple[tuple[str, ...], ...]  # each unit's search terms
    size_bytes: int

    @property
    def entries(self) -> int:
        return len(self.units)

    def get(self, area_id: str) -> AreaDoc | None:
        return self.by_code.get(area_id)

    def page_after(self, *, after: str | None, limit: int) -> list[AreaDoc]:
        """`area_repository.page_after` from memory."""
        start = 0 if after is None else bisect.bisect_right(self.codes, after)
        return list(self.units[start : start + limit])

    def matching_word(self, word: str) -> list[AreaDoc]:
        """`area_repository.matching_word` (a term starting with `word`), in code order."""
        return [
            unit
            for unit, terms in zip(self.units, self.terms, strict=True)
            if any(term.startswith(word) for term in terms)
        ]

    def nearest(self, *, lat: float, lng: float, word: str | None) -> list[tuple[AreaDoc, float]]:
        """`area_repository.nearest` (with a term starting with `word` when given)."""
        units = self.units if word is None else self.matching_word(word)
        ranked = [
            (geo.haversine_meters(lat1=lat, lng1=lng, lat2=unit.lat, lng2=unit.lng), unit.id, unit)
            for unit in units
        ]
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [
            (unit, distance)
            for distance, _, unit in ranked
            if distance <= area_repository.NEAREST_LIMIT_M
        ]


async def load(db: Database, *, max_units: int = MAX_UNITS) -> AreaContent:
    """Read every unit (without polygons) and index them."""
    docs = await area_repository.unit_documents(db, limit=max_units + 1)
    if len(docs) > max_units:
        raise TooManyUnitsError(f"more than {max_units} areas")
    units = tuple(AreaDoc.from_mongo(doc) for doc in docs)
    return AreaContent(
        units=units,
        codes=tuple(unit.id for unit in units),
        by_code={unit.id: unit for unit in units},
        terms=tuple(tuple(unit.search_terms) for unit in units),
        size_bytes=sum(len(bson.encode(doc)) for doc in docs),
    )
