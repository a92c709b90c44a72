"""The bookings catalogue's descriptions in memory: every tour, hotel and restaurant as
`TourDoc`, `HotelDoc` and `RestaurantDoc` (titles, descriptions, meeting points, languages,
policies, stars; cuisines, opening hours, tables), in slug order.

Only descriptions the content loader writes (backend/bookings/loader.py; `seed` then moves the
content stamp) are held here. What changes between content versions stays in the database and
is read there on every request: departures and their seats left, room-night availability and
nightly prices; so do the room types, read with the rooms and prices of a stay.

The catalogue is tens of tours and hotels: a list is filtered and ranked by a full pass, cheaper
than any index at that size. The bound is the database path's own candidate bound
(`MAX_CANDIDATES` per kind): within it the database returns every tour or hotel within a radius,
as this does, so both paths give the same pages; past it the database path serves.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field

import bson

from backend import geo
from backend.bookings import repository as booking_repository
from backend.bookings.models import HotelDoc, RestaurantDoc, TourDoc
from backend.db import Database

MAX_ITEMS = booking_repository.MAX_CANDIDATES

Near = tuple[float, float, float]  # lat, lng, radius in metres, as the repository takes it


class TooManyOffersError(Exception):
    """More tours or hotels than a snapshot may hold: the database path serves."""


def _within(near: Near, lat: float, lng: float) -> bool:
    return geo.haversine_meters(lat1=near[0], lng1=near[1], lat2=lat, lng2=lng) <= near[2]


def _after(ids: tuple[str, ...], after_id: str | None) -> int:
    return 0 if after_id is None else bisect.bisect_right(ids, after_id)


@dataclass(frozen=True)
class BookingContent:
    """Every tour and hotel description of one content version, in slug order."""

    tours: tuple[TourDoc, ...]
    tour_ids: tuple[str, ...]  # the tours' slugs, for bisecting
    tour_by_id: dict[str, TourDoc]
    hotels: tuple[HotelDoc, ...]
    hotel_ids: tuple[str, ...]
    hotel_by_id: dict[str, HotelDoc]
    size_bytes: int
    # Restaurants with their staff settings (restaurantTablesSet bumps the content revision);
    # tables left per seating stay in the database.
    restaurants: tuple[RestaurantDoc, ...] = ()
    restaurant_ids: tuple[str, ...] = ()
    restaurant_by_id: dict[str, RestaurantDoc] = field(default_factory=dict)

    @property
    def entries(self) -> int:
        return len(self.tours) + len(self.hotels) + len(self.restaurants)

    def restaurant(self, restaurant_id: str) -> RestaurantDoc | None:
        return self.restaurant_by_id.get(restaurant_id)

    def find_restaurants(
        self, *, near: Near | None, cuisine: str | None, after_id: str | None
    ) -> list[RestaurantDoc]:
        """`booking_repository.find_restaurants` from memory: slug order after `after_id`, or
        every restaurant with a location within `near`."""
        start = 0 if near is not None else _after(self.restaurant_ids, after_id)
        found: list[RestaurantDoc] = []
        for restaurant in self.restaurants[start:]:
            if cuisine is not None and cuisine not in restaurant.cuisine:
                continue
            if near is not None and (
                restaurant.lat is None
                or restaurant.lng is None
                or not _within(near, restaurant.lat, restaurant.lng)
            ):
                continue
            found.append(restaurant)
        return found

    def tour(self, tour_id: str) -> TourDoc | None:
        return self.tour_by_id.get(tour_id)

    def hotel(self, hotel_id: str) -> HotelDoc | None:
        return self.hotel_by_id.get(hotel_id)

    def find_tours(
        self,
        *,
        near: Near | None,
        language: str | None,
        ids: Sequence[str] | None,
        after_id: str | None,
        limit: int,
    ) -> list[TourDoc]:
        """`booking_repository.find_tours` from memory: slug order after `after_id` (at most
        `limit`), or every tour within `near`."""
        wanted = None if ids is None else set(ids)
        start = 0 if near is not None else _after(self.tour_ids, after_id)
        found: list[TourDoc] = []
        for tour in self.tours[start:]:
            if language is not None and language not in tour.languages:
                continue
            if wanted is not None and tour.id not in wanted:
                continue
            if near is not None:
                if _within(near, tour.lat, tour.lng):
                    found.append(tour)
                continue
            found.append(tour)
            if len(found) >= limit:
                break
        return found

    def find_hotels(
        self,
        *,
        near: Near | None,
        ids: Sequence[str] | None,
        after_id: str | None,
        limit: int,
    ) -> list[HotelDoc]:
        """`booking_repository.find_hotels` from memory: slug order after `after_id` (at most
        `limit`), or every hotel within `near`."""
        wanted = None if ids is None else set(ids)
        start = 0 if near is not None else _after(self.hotel_ids, after_id)
        found: list[HotelDoc] = []
        for hotel in self.hotels[start:]:
            if wanted is not None and hotel.id not in wanted:
                continue
            if near is not None:
                if _within(near, hotel.lat, hotel.lng):
                    found.append(hotel)
                continue
            found.append(hotel)
            if len(found) >= limit:
                break
        return found


async def load(db: Database, *, max_items: int = MAX_ITEMS) -> BookingContent:
    """Read every tour and hotel description and index them."""
    tour_docs = await booking_repository.tour_documents(db, limit=max_items + 1)
    hotel_docs = await booking_repository.hotel_documents(db, limit=max_items + 1)
    restaurant_docs = await booking_repository.restaurant_documents(db, limit=max_items + 1)
    if max(len(tour_docs), len(hotel_docs), len(restaurant_docs)) > max_items:
        raise TooManyOffersError(f"more than {max_items} tours, hotels or restaurants")
    tours = tuple(TourDoc.from_mongo(doc) for doc in tour_docs)
    hotels = tuple(HotelDoc.from_mongo(doc) for doc in hotel_docs)
    restaurants = tuple(RestaurantDoc.from_mongo(doc) for doc in restaurant_docs)
    return BookingContent(
        tours=tours,
        tour_ids=tuple(tour.id for tour in tours),
        tour_by_id={tour.id: tour for tour in tours},
        hotels=hotels,
        hotel_ids=tuple(hotel.id for hotel in hotels),
        hotel_by_id={hotel.id: hotel for hotel in hotels},
        size_bytes=sum(
            len(bson.encode(doc)) for doc in (*tour_docs, *hotel_docs, *restaurant_docs)
        ),
        restaurants=restaurants,
        restaurant_ids=tuple(restaurant.id for restaurant in restaurants),
        restaurant_by_id={restaurant.id: restaurant for restaurant in restaurants},
    )
