"""Storage model of an area: one of Hanoi's 126 wards (phường) and communes (xã)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Any

from backend.auth.models import Locale
from backend.text import terms

# A point belongs to a unit whose centroid is within REACH_FACTOR x the unit's equivalent radius
# (the radius of a disc of the same area). The farthest point of a convex unit from its centroid
# is 1.0 x that radius for a disc, 1.25 x for a square, 1.62 x for a 3:1 strip and 2.0 x for a
# 5:1 strip, so 2.0 keeps the corners of even the long riverside communes; the nearest
# neighbouring cities lie beyond 3 x (Hưng Yên: 3.0 x Đại Xuyên's, Bắc Ninh 4.7 x, Hòa Bình 4.5 x).
REACH_FACTOR = 2.0
# No unit reaches farther (Ba Vì, the largest at 81 km², reaches 10.2 km); the loader refuses a
# unit beyond it, so a nearest-centroid search bounded by it never misses a candidate.
MAX_REACH_M = 12_000.0


class AreaType(Enum):
    WARD = "ward"  # phường
    COMMUNE = "commune"  # xã


@dataclass(frozen=True, kw_only=True)
class AreaDoc:
    """A ward or commune: `id` is its official code ("00070"); `polygon` once one is imported."""

    id: str
    type: AreaType
    name: dict[str, str]
    short_name: str
    lat: float
    lng: float
    area_km2: float
    has_polygon: bool

    @property
    def code(self) -> str:
        return self.id

    @property
    def approximate(self) -> bool:
        """Points are assigned by distance to the centroid, not by an imported boundary."""
        return not self.has_polygon

    @property
    def search_terms(self) -> list[str]:
        return search_terms(self.id, self.name)

    def localized_name(self, locale: Locale) -> str:
        return self.name.get(locale.value) or self.name.get("vi") or self.id

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> AreaDoc:
        lng, lat = doc["centroid"]["coordinates"]
        return cls(
            id=doc["_id"],
            type=AreaType(doc["type"]),
            name=doc["name"],
            short_name=doc["short_name"],
            lat=lat,
            lng=lng,
            area_km2=doc["area_km2"],
            has_polygon=not doc.get("approximate", True),
        )


def reach_meters(area_km2: float) -> float:
    """How far from its centroid a point may be and still belong to a unit of this area."""
    return REACH_FACTOR * math.sqrt(area_km2 / math.pi) * 1000.0


def search_terms(code: str, name: dict[str, str]) -> list[str]:
    """Folded words a search matches: "hoan kiem", "phuong hoan", "00070", "kiem ward"."""
    return terms(code, name.get("vi"), name.get("en"))
