"""Area queries: list and search Hanoi's wards and communes, or fetch one."""

from __future__ import annotations

import strawberry

from backend.areas import service as area_service
from backend.areas.snapshot import AreaContent
from backend.areas.types import Area, AreaConnection, AreaEdge
from backend.context import Info
from backend.geopoint import GeoPointInput
from backend.pagination import PageInfo


@strawberry.type
class AreaQueries:
    @strawberry.field(
        description="Hanoi's wards and communes: in code order; with `search`, those whose name "
        "has every word (accents optional: `hoan kiem` finds Phường Hoàn Kiếm); with `near`, "
        "nearest centre first."
    )
    async def areas(
        self,
        info: Info,
        search: str | None = None,
        near: GeoPointInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AreaConnection:
        page = await area_service.list_areas(
            db=info.context.db,
            search=search,
            lat=near.lat if near else None,
            lng=near.lng if near else None,
            first=first,
            after=after,
            content=await _areas_in_memory(info),
        )
        locale = info.context.viewer.locale
        edges = [
            AreaEdge(
                node=Area.from_doc(doc, locale),
                cursor=cursor,
                distance_meters=round(distance, 1) if distance is not None else None,
            )
            for doc, distance, cursor in zip(
                page.items, page.distance_list(), page.cursors, strict=True
            )
        ]
        return AreaConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )

    @strawberry.field(description="A ward or commune by id; null when there is none.")
    async def area(self, info: Info, id: strawberry.ID) -> Area | None:
        doc = await area_service.get_area(
            db=info.context.db, area_id=str(id), content=await _areas_in_memory(info)
        )
        return Area.from_doc(doc, info.context.viewer.locale) if doc else None


async def _areas_in_memory(info: Info) -> AreaContent | None:
    loaded = await info.context.content()
    return None if loaded is None else loaded.areas
