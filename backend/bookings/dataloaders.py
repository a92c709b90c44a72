"""Per-request DataLoaders of bookings: room types, departures, holds, stays, restaurant slots.

A list of hotels asks for every hotel's room types in one query; the fields that take arguments
(a tour's departures in a window, a room type's availability for a stay) are loaded by
(object, arguments) keys, so equal questions in one request are asked once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from strawberry.dataloader import DataLoader

from backend import clock
from backend.bookings import repository as booking_repository
from backend.bookings import service as booking_service
from backend.bookings.models import DepartureDoc, HoldDoc, RoomTypeDoc, TableSlotDoc
from backend.context import Context, Info
from backend.errors import DomainError
from backend.ids import parse_object_id

DepartureKey = tuple[str, datetime | None, datetime | None]  # tour, from, to
StayKey = tuple[str, date, date]  # room type, check-in, check-out
SlotsKey = tuple[str, date, int]  # restaurant, day, party size


@dataclass(frozen=True)
class BookingLoaders:
    room_types_of_hotel: DataLoader[str, list[RoomTypeDoc]]
    room_type: DataLoader[str, RoomTypeDoc | None]
    departures: DataLoader[DepartureKey, list[DepartureDoc]]
    departure: DataLoader[str, DepartureDoc | None]
    hold: DataLoader[str, HoldDoc | None]
    availability: DataLoader[StayKey, booking_service.Availability | None]
    restaurant_slots: DataLoader[SlotsKey, list[booking_service.Slot]]
    table_slot: DataLoader[str, booking_service.Slot | None]


def _for_request(context: Context) -> BookingLoaders:
    db = context.db

    async def room_types_of_hotel(hotels: Sequence[str]) -> list[list[RoomTypeDoc]]:
        grouped: dict[str, list[RoomTypeDoc]] = {hotel: [] for hotel in hotels}
        for doc in await booking_repository.room_types_of(db, hotels):
            grouped[doc.hotel].append(doc)
        return [grouped[hotel] for hotel in hotels]

    async def room_type(ids: Sequence[str]) -> list[RoomTypeDoc | None]:
        by_id = {doc.id: doc for doc in await booking_repository.get_room_types(db, ids)}
        return [by_id.get(key) for key in ids]

    async def departures(keys: Sequence[DepartureKey]) -> list[list[DepartureDoc] | DomainError]:
        found: list[list[DepartureDoc] | DomainError] = []
        for tour, start, end in keys:
            try:
                found.append(
                    await booking_service.departures(
                        db=db, tour_id=tour, start=start, end=end, now=clock.now()
                    )
                )
            except DomainError as error:  # this key's window is wrong, not the others'
                found.append(error)
        return found

    async def departure(ids: Sequence[str]) -> list[DepartureDoc | None]:
        oids = [oid for oid in map(parse_object_id, ids) if oid is not None]
        by_id = {str(doc.id): doc for doc in await booking_repository.get_departures(db, oids)}
        return [by_id.get(key) for key in ids]

    async def hold(ids: Sequence[str]) -> list[HoldDoc | None]:
        oids = [oid for oid in map(parse_object_id, ids) if oid is not None]
        by_id = {str(doc.id): doc for doc in await booking_repository.get_holds(db, oids)}
        return [by_id.get(key) for key in ids]

    async def availability(
        keys: Sequence[StayKey],
    ) -> list[booking_service.Availability | DomainError | None]:
        types = {
            doc.id: doc for doc in await booking_repository.get_room_types(db, [k[0] for k in keys])
        }
        found: list[booking_service.Availability | DomainError | None] = []
        for type_id, check_in, check_out in keys:
            if type_id not in types:
                found.append(None)
                continue
            try:
                found.append(
                    await booking_service.availability(
                        db=db,
                        room_type=types[type_id],
                        check_in=check_in,
                        check_out=check_out,
                        now=clock.now(),
                    )
                )
            except DomainError as error:
                found.append(error)
        return found

    async def restaurant_slots(
        keys: Sequence[SlotsKey],
    ) -> list[list[booking_service.Slot] | DomainError]:
        restaurants = {
            doc.id: doc
            for doc in await booking_repository.get_restaurants(db, list({k[0] for k in keys}))
        }
        found: list[list[booking_service.Slot] | DomainError] = []
        for restaurant_id, day, party in keys:
            restaurant = restaurants.get(restaurant_id)
            if restaurant is None:
                found.append([])
                continue
            try:
                found.append(
                    await booking_service.slots(
                        db=db, restaurant=restaurant, day=day, party=party, now=clock.now()
                    )
                )
            except DomainError as error:  # this key's party is wrong, not the others'
                found.append(error)
        return found

    async def table_slot(ids: Sequence[str]) -> list[booking_service.Slot | None]:
        opened = {doc.id: doc for doc in await booking_repository.get_table_slots(db, ids)}
        parsed = {item: TableSlotDoc.parse_id(item) for item in ids}
        names = list({p[0] for p in parsed.values() if p is not None})
        restaurants = {doc.id: doc for doc in await booking_repository.get_restaurants(db, names)}
        found: list[booking_service.Slot | None] = []
        for item in ids:
            doc = opened.get(item)
            slot = None
            if doc is not None:
                slot = booking_service.Slot(
                    doc.id,
                    doc.restaurant,
                    doc.starts_at,
                    doc.size,
                    doc.tables_total,
                    max(doc.tables_left, 0),
                )
            where = parsed[item]
            found.append(
                booking_service.slot_of(restaurants.get(where[0]) if where else None, item, slot)
            )
        return found

    return BookingLoaders(
        room_types_of_hotel=DataLoader(load_fn=room_types_of_hotel),
        room_type=DataLoader(load_fn=room_type),
        departures=DataLoader(load_fn=departures),  # type: ignore[arg-type]
        departure=DataLoader(load_fn=departure),
        hold=DataLoader(load_fn=hold),
        availability=DataLoader(load_fn=availability),  # type: ignore[arg-type]
        restaurant_slots=DataLoader(load_fn=restaurant_slots),  # type: ignore[arg-type]
        table_slot=DataLoader(load_fn=table_slot),
    )


def loaders(info: Info) -> BookingLoaders:
    """This request's loaders (built on first use)."""
    return info.context.loaders.get(_for_request, info.context)


def forget(info: Info) -> None:
    """Drop this request's loaders after a write (seats, rooms and holds just changed)."""
    info.context.loaders.forget(_for_request)
