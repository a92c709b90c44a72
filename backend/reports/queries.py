"""Report queries: categories, one report, the viewer's reports, reports nearby."""

from __future__ import annotations

import strawberry

from backend.auth.permissions import IsSignedIn
from backend.context import Info
from backend.geopoint import GeoPointInput
from backend.pagination import Connection, PageInfo
from backend.reports import service as report_service
from backend.reports.dataloaders import loaders
from backend.reports.types import (
    Report,
    ReportCategory,
    ReportNearbyConnection,
    ReportNearbyEdge,
    ReportStatusEnum,
)

PRIVATE_DISTANCE_STEP_M = 100.0


@strawberry.type
class ReportQueries:
    @strawberry.field(description="Categories a report can have, in display order.")
    async def report_categories(self, info: Info) -> list[ReportCategory]:
        loaded = await info.context.content()
        docs = await report_service.categories(
            db=info.context.db, content=None if loaded is None else loaded.catalogue
        )
        return [ReportCategory.from_doc(doc, info) for doc in docs]

    @strawberry.field(description="A report by id; null when there is none.")
    async def report(self, info: Info, id: strawberry.ID) -> Report | None:
        doc = await report_service.get_report(db=info.context.db, report_id=str(id))
        if doc is None or not report_service.may_see_report(info.context.viewer, doc):
            return None
        return Report.from_doc(doc)

    @strawberry.field(
        description="The viewer's own reports, newest first.", permission_classes=[IsSignedIn]
    )
    async def my_reports(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Report]:
        page = await report_service.my_reports(
            db=info.context.db, uid=str(info.context.viewer.uid), first=first, after=after
        )
        return Connection.of([Report.from_doc(doc) for doc in page.items], page)

    @strawberry.field(
        description="Reports within `radiusMeters` (at most 5,000) of a point, nearest first."
    )
    async def reports_nearby(
        self,
        info: Info,
        near: GeoPointInput,
        radius_meters: float = 1_000.0,
        status: ReportStatusEnum | None = None,  # type: ignore[valid-type]
        category_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> ReportNearbyConnection:
        page = await report_service.nearby(
            db=info.context.db,
            lat=near.lat,
            lng=near.lng,
            radius_m=radius_meters,
            status=status,
            category_id=str(category_id) if category_id is not None else None,
            first=first,
            after=after,
        )
        viewer = info.context.viewer
        # One batched load for the page's categories (awaiting them one by one would start a
        # new batch, and a query, per distinct category).
        categories = await loaders(info).categories.load_many([doc.category for doc in page.items])
        edges = []
        for doc, cursor, distance, category in zip(
            page.items, page.cursors, page.distance_list(), categories, strict=True
        ):
            assert distance is not None  # a nearby page is ordered by distance
            if not report_service.may_see_exact_location(viewer, doc, category):
                # An exact distance from several points would give the exact place away.
                distance = round(distance / PRIVATE_DISTANCE_STEP_M) * PRIVATE_DISTANCE_STEP_M
            edges.append(
                ReportNearbyEdge(node=Report.from_doc(doc), cursor=cursor, distance_meters=distance)
            )
        return ReportNearbyConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        )
