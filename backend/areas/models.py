"""Storage model of an area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.auth.models import Locale


@dataclass(frozen=True, kw_only=True)
class AreaDoc:
    """A district or ward: `id` is its slug; `geometry` a GeoJSON Polygon or MultiPolygon."""

    id: str
    name: dict[str, str]
    kind: str
    geometry: dict[str, Any]

    def localized_name(self, locale: Locale) -> str:
        return self.name.get(locale.value) or self.name.get("vi") or self.id

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> AreaDoc:
        return cls(id=doc["_id"], name=doc["name"], kind=doc["kind"], geometry=doc["geometry"])
