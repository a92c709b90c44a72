"""Restaurant queries: the list and one restaurant (its free seatings are a field of it)."""

from __future__ import annotations

import strawberry

from backend import clock
from backend.bookings import service as booking_service
from backend.bookings.catalogue_reads import in_memory, near
from backend.bookings.restaurant_inputs import RestaurantFilter
from backend.bookings.restaurant_types import Restaurant
from backend.context import Info
from backend.pagination import NearConnection


@strawberry.type
class RestaurantQueries:
    @strawberry.field(
        description="Restaurants by id, or nearest first with `filter.near`; of a cuisine, open "
        "at an instant, with a free seating for a party on a day."
    )
    async def restaurants(
        self,
        info: Info,
        filter: RestaurantFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> NearConnection[Restaurant]:
        criteria = filter or RestaurantFilter()
        page = await booking_service.list_restaurants(
            db=info.context.db,
            near=near(criteria.near, criteria.radius_meters),
            cuisine=criteria.cuisine,
            open_at=criteria.open_at,
            party=criteria.party_size,
            day=criteria.date,
            first=first,
            after=after,
            now=clock.now(),
            content=await in_memory(info),
        )
        locale = info.context.viewer.locale
        return NearConnection.of([Restaurant.from_doc(doc, locale) for doc in page.items], page)

    @strawberry.field(description="A restaurant by id; null when there is none.")
    async def restaurant(self, info: Info, id: strawberry.ID) -> Restaurant | None:
        doc = await booking_service.get_restaurant(
            db=info.context.db, restaurant_id=str(id), content=await in_memory(info)
        )
        return Restaurant.from_doc(doc, info.context.viewer.locale) if doc else None
