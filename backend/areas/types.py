"""GraphQL output types of areas: Hanoi's wards and communes."""

from __future__ import annotations

import strawberry

from backend.areas.models import AreaDoc, AreaType
from backend.auth.models import Locale
from backend.geopoint import GeoPoint
from backend.pagination import PageInfo

AreaTypeEnum = strawberry.enum(
    AreaType,
    name="AreaType",
    description="The kind of a commune-level unit: an urban ward (phường) or a commune (xã).",
)


@strawberry.type(
    description="A ward (phường) or commune (xã) of Hanoi: since 1 July 2025 the city has 126 "
    "of them and no districts."
)
class Area:
    id: strawberry.ID = strawberry.field(description="Opaque id, stable across releases.")
    code: str = strawberry.field(
        description="The official code of the unit (mã đơn vị hành chính), e.g. `00070`."
    )
    type: AreaTypeEnum = strawberry.field(description="Ward or commune.")  # type: ignore[valid-type]
    name: str = strawberry.field(
        description="Name in the viewer's language, e.g. `Phường Hoàn Kiếm` / `Hoàn Kiếm Ward`."
    )
    name_vi: str = strawberry.field(description="Vietnamese name, e.g. `Phường Hoàn Kiếm`.")
    name_en: str = strawberry.field(description="English name, e.g. `Hoàn Kiếm Ward`.")
    centroid: GeoPoint = strawberry.field(description="The centre of the unit's territory.")
    area_km2: float = strawberry.field(description="Land area in square kilometres.")
    approximate: bool = strawberry.field(
        description="True while the official boundary is not loaded: points are then assigned "
        "to the unit with the nearest centre (within a distance derived from its area), so "
        "places near a boundary may be assigned to the neighbouring unit."
    )

    @classmethod
    def from_doc(cls, doc: AreaDoc, locale: Locale) -> Area:
        return cls(
            id=strawberry.ID(doc.id),
            code=doc.code,
            type=doc.type,
            name=doc.localized_name(locale),
            name_vi=doc.name["vi"],
            name_en=doc.name.get("en") or doc.name["vi"],
            centroid=GeoPoint(lat=doc.lat, lng=doc.lng),
            area_km2=doc.area_km2,
            approximate=doc.approximate,
        )


@strawberry.type(description="An area of a list, with its cursor.")
class AreaEdge:
    node: Area = strawberry.field(description="The area.")
    cursor: str = strawberry.field(description="Opaque position of this item.")
    distance_meters: float | None = strawberry.field(
        description="Distance from `near` to the area's centre; null when the list is not "
        "ordered by distance."
    )


@strawberry.type(description="A page of areas.")
class AreaConnection:
    edges: list[AreaEdge] = strawberry.field(description="The areas of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Paging information.")
