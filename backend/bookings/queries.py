"""Booking queries: the catalogue (tours, hotels) and the viewer's bookings."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.auth.permissions import IsSignedIn
from backend.bookings import service as booking_service
from backend.bookings.catalogue_reads import in_memory, near
from backend.bookings.inputs import HotelFilter, TourFilter
from backend.bookings.restaurant_queries import RestaurantQueries
from backend.bookings.types import Booking, BookingStatusEnum, Hotel, Tour
from backend.context import Info
from backend.pagination import Connection, NearConnection


@strawberry.type
class BookingQueries(RestaurantQueries):
    @strawberry.field(description="Tours by id, or nearest meeting point first with `filter.near`.")
    async def tours(
        self,
        info: Info,
        filter: TourFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NearConnection[Tour]:
        criteria = filter or TourFilter()
        page = await booking_service.list_tours(
            db=info.context.db,
            near=near(criteria.near, criteria.radius_meters),
            language=criteria.language,
            day=criteria.date,
            first=first,
            after=after,
            content=await in_memory(info),
        )
        locale = info.context.viewer.locale
        return NearConnection.of([Tour.from_doc(doc, locale) for doc in page.items], page)

    @strawberry.field(description="A tour by id; null when there is none.")
    async def tour(self, info: Info, id: strawberry.ID) -> Tour | None:
        doc = await booking_service.get_tour(
            db=info.context.db, tour_id=str(id), content=await in_memory(info)
        )
        return Tour.from_doc(doc, info.context.viewer.locale) if doc else None

    @strawberry.field(
        description="Hotels by id or nearest first; with dates, only those with a room free "
        "every night."
    )
    async def hotels(
        self,
        info: Info,
        filter: HotelFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NearConnection[Hotel]:
        criteria = filter or HotelFilter()
        page = await booking_service.list_hotels(
            db=info.context.db,
            near=near(criteria.near, criteria.radius_meters),
            check_in=criteria.check_in,
            check_out=criteria.check_out,
            guests=criteria.guests,
            first=first,
            after=after,
            now=clock.now(),
            content=await in_memory(info),
        )
        locale = info.context.viewer.locale
        return NearConnection.of([Hotel.from_doc(doc, locale) for doc in page.items], page)

    @strawberry.field(description="A hotel by id; null when there is none.")
    async def hotel(self, info: Info, id: strawberry.ID) -> Hotel | None:
        doc = await booking_service.get_hotel(
            db=info.context.db, hotel_id=str(id), content=await in_memory(info)
        )
        return Hotel.from_doc(doc, info.context.viewer.locale) if doc else None

    @strawberry.field(
        description="The viewer's bookings, newest first.", permission_classes=[IsSignedIn]
    )
    async def my_bookings(
        self,
        info: Info,
        status: BookingStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Booking]:
        page = await booking_service.my_bookings(
            db=info.context.db,
            uid=str(info.context.viewer.uid),
            status=status,
            first=first,
            after=after,
        )
        locale = info.context.viewer.locale
        return Connection.of(
            [Booking.from_doc(doc, locale) for doc in page.items],
            page,
        )

    @strawberry.field(
        description="A booking by id: its owner's or, for tourism staff and admins, anyone's; "
        "else null."
    )
    async def booking(self, info: Info, id: strawberry.ID) -> Booking | None:
        doc = await booking_service.get_booking(
            db=info.context.db, viewer=info.context.viewer, booking_id=str(id)
        )
        return Booking.from_doc(doc, info.context.viewer.locale) if doc else None
