"""Tourism queries: places, journeys, search, map clusters and the viewer's journeys."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

import strawberry

from backend.auth.permissions import IsSignedIn
from backend.context import Info
from backend.geopoint import GeoPoint, GeoPointInput
from backend.pagination import Connection, NearConnection, page_size
from backend.tourism import service as tourism_service
from backend.tourism.dataloaders import content_snapshot, live_ratings, loaders
from backend.tourism.inputs import BBoxInput, JourneyFilter, PoiFilter, parse_point
from backend.tourism.service import clusters as cluster_service
from backend.tourism.service import memory as memory_service
from backend.tourism.service import progress as progress_service
from backend.tourism.types import (
    Journey,
    JourneyProgress,
    Poi,
    PoiCluster,
    PoiClusters,
    SearchHit,
)

NodeT = TypeVar("NodeT")


@strawberry.type
class TourismQueries:
    @strawberry.field(description="Places to visit, filtered; nearest first when `near` is given.")
    async def pois(
        self,
        info: Info,
        filter: PoiFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NearConnection[Poi]:
        criteria = (filter or PoiFilter()).parse()
        content = await content_snapshot(info)
        if content is None:
            page = await tourism_service.list_pois(
                db=info.context.db, criteria=criteria, first=page_size(first), after=after
            )
        else:
            page = memory_service.list_pois(
                content=content, criteria=criteria, first=page_size(first), after=after
            )
            page = replace(page, items=await live_ratings(info, page.items))
        locale = info.context.viewer.locale
        return NearConnection.of([Poi.from_doc(doc, locale) for doc in page.items], page)

    @strawberry.field(description="One place by id; null when there is none.")
    async def poi(self, info: Info, id: strawberry.ID) -> Poi | None:
        doc = await loaders(info).pois.load(str(id))
        return None if doc is None else Poi.from_doc(doc, info.context.viewer.locale)

    @strawberry.field(description="Heritage journeys, filtered; nearest start first with `near`.")
    async def journeys(
        self,
        info: Info,
        filter: JourneyFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NearConnection[Journey]:
        criteria = (filter or JourneyFilter()).parse()
        content = await content_snapshot(info)
        if content is None:
            page = await tourism_service.list_journeys(
                db=info.context.db, criteria=criteria, first=page_size(first), after=after
            )
        else:
            page = memory_service.list_journeys(
                content=content, criteria=criteria, first=page_size(first), after=after
            )
        locale = info.context.viewer.locale
        return NearConnection.of([Journey.from_doc(doc, locale) for doc in page.items], page)

    @strawberry.field(description="One journey by id; null when there is none.")
    async def journey(self, info: Info, id: strawberry.ID) -> Journey | None:
        doc = await loaders(info).journeys.load(str(id))
        return None if doc is None else Journey.from_doc(doc, info.context.viewer.locale)

    @strawberry.field(
        description="One search box for places and journeys: name matches first, then nearest "
        "(with `near`), then by name."
    )
    async def search(
        self,
        info: Info,
        query: str,
        first: int | None = None,
        near: GeoPointInput | None = None,
    ) -> list[SearchHit]:
        point = parse_point(near) if near else None
        content = await content_snapshot(info)
        if content is None:
            hits = await tourism_service.search(
                db=info.context.db, query=query, first=page_size(first), near=point
            )
        else:
            hits = memory_service.search(
                content=content, query=query, first=page_size(first), near=point
            )
            fresh = iter(await live_ratings(info, [hit.poi for hit in hits if hit.poi]))
            hits = [replace(hit, poi=next(fresh)) if hit.poi else hit for hit in hits]
        locale = info.context.viewer.locale
        return [
            SearchHit(
                poi=Poi.from_doc(hit.poi, locale) if hit.poi else None,
                journey=Journey.from_doc(hit.journey, locale) if hit.journey else None,
                name_match=hit.name_match,
                distance_meters=round(hit.distance_meters, 1)
                if hit.distance_meters is not None
                else None,
            )
            for hit in hits
        ]

    @strawberry.field(
        description="Places in a map box grouped on a grid that follows the zoom level "
        "(reads at most 2000 places)."
    )
    async def poi_clusters(self, info: Info, bbox: BBoxInput, zoom: int) -> PoiClusters:
        content = await content_snapshot(info)
        if content is None:
            result = await cluster_service.poi_clusters(
                db=info.context.db, bbox=bbox.parse(), zoom=zoom
            )
        else:
            result = memory_service.poi_clusters(content=content, bbox=bbox.parse(), zoom=zoom)
        return PoiClusters(
            clusters=[
                PoiCluster(
                    center=GeoPoint(lat=c.lat, lng=c.lng),
                    count=c.count,
                    poi_id=strawberry.ID(c.poi_id) if c.poi_id else None,
                )
                for c in result.clusters
            ],
            truncated=result.truncated,
            cell_degrees=result.cell_degrees,
        )

    @strawberry.field(
        description="The viewer's journeys with progress, most recently started first.",
        permission_classes=[IsSignedIn],
    )
    async def my_journeys(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[JourneyProgress]:
        page = await progress_service.my_journeys(
            db=info.context.db,
            uid=str(info.context.viewer.uid),
            first=page_size(first),
            after=after,
        )
        return Connection.of([JourneyProgress.from_doc(p) for p in page.items], page)
