"""GraphQL types of restaurants: the restaurant, its tables and hours, and a seating's tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from backend.auth.models import Locale
from backend.bookings import service as booking_service
from backend.bookings.dataloaders import loaders
from backend.bookings.models import RestaurantDoc, Text
from backend.context import Info
from backend.geopoint import GeoPoint
from backend.tourism.hours import WEEKDAYS


@strawberry.type(description="Tables of one seating for one table size.")
class RestaurantSlot:
    id: strawberry.ID = strawberry.field(
        description="Opaque id of (restaurant, seating, table size): holds and bookings of a "
        "table name it too, so a cache updates its count after a hold or a cancellation."
    )
    restaurant_id: strawberry.ID = strawberry.field(description="The restaurant.")
    starts_at: datetime = strawberry.field(description="When the seating starts (UTC).")
    table_size: int = strawberry.field(description="Guests a table of this size seats.")
    tables_total: int = strawberry.field(description="Tables of this size for this seating.")
    tables_left: int = strawberry.field(description="Tables of this size not held or booked.")

    @classmethod
    def from_slot(cls, slot: booking_service.Slot) -> RestaurantSlot:
        return cls(
            id=strawberry.ID(slot.id),
            restaurant_id=strawberry.ID(slot.restaurant),
            starts_at=slot.starts_at,
            table_size=slot.table_size,
            tables_total=slot.tables_total,
            tables_left=max(slot.tables_left, 0),
        )


async def table_slot(info: Info, item: str | None) -> RestaurantSlot | None:
    """The slot a table hold or booking took (None for other kinds)."""
    if item is None:
        return None
    slot = await loaders(info).table_slot.load(item)
    return RestaurantSlot.from_slot(slot) if slot else None


@strawberry.type(description="How many tables of one size a restaurant has per seating.")
class RestaurantTables:
    party_size: int = strawberry.field(description="Guests a table seats.")
    count: int = strawberry.field(description="Tables of this size.")


@strawberry.type(description="A weekly opening range, Hanoi time (closes may be after midnight).")
class RestaurantOpeningRange:
    day: str = strawberry.field(description="mon, tue, wed, thu, fri, sat or sun.")
    opens: str = strawberry.field(description="HH:MM.")
    closes: str = strawberry.field(description="HH:MM (24:00: midnight).")


@strawberry.type(description="What a meal costs, as reported by the source.")
class RestaurantPriceRange:
    min_vnd: int | None = strawberry.field(description="Lowest price, VND.")
    max_vnd: int | None = strawberry.field(description="Highest price, VND.")
    per: str | None = strawberry.field(description="Per person, bowl, dish...")


@strawberry.type(description="Where a fact about a restaurant comes from.")
class RestaurantSource:
    url: str = strawberry.field(description="The page read.")
    title: str = strawberry.field(description="Its title.")


@strawberry.type(description="Who took a photo and under which licence.")
class RestaurantPhotoCredit:
    author: str | None = strawberry.field(description="Photographer.")
    license: str | None = strawberry.field(description="Licence.")
    url: str | None = strawberry.field(description="Where the photo is published.")


def text(value: Text, locale: Locale) -> str:
    """`value` in the viewer's language, else in the other one (as backend.bookings.types)."""
    return value.get(locale.value) or next((v for v in value.values() if v), "")


def _hours(raw: dict[str, Any] | None) -> list[RestaurantOpeningRange]:
    weekly = (raw or {}).get("weekly") or {}
    return [
        RestaurantOpeningRange(day=day, opens=str(pair[0]), closes=str(pair[1]))
        for day in WEEKDAYS
        for pair in weekly.get(day) or []
    ]


@strawberry.type(description="A restaurant in Hanoi where a table can be reserved.")
class Restaurant:
    id: strawberry.ID = strawberry.field(description="Stable slug, e.g. `cha-ca-la-vong`.")
    name: str = strawberry.field(description="Name in the viewer's language.")
    description: str = strawberry.field(description="Description in the viewer's language.")
    address: str = strawberry.field(description="Street address in the viewer's language.")
    location: GeoPoint | None = strawberry.field(
        description="Where it is; null when unknown (never matched by `near` then)."
    )
    cuisine: list[str] = strawberry.field(description="Cuisine tags, e.g. `pho`, `bun-cha`.")
    price_range: RestaurantPriceRange | None = strawberry.field(description="Reported prices.")
    opening_hours: list[RestaurantOpeningRange] = strawberry.field(
        description="Weekly ranges; empty when unknown (no seatings until staff set hours)."
    )
    tables: list[RestaurantTables] = strawberry.field(description="Tables per seating, by size.")
    deposit_per_person: int = strawberry.field(
        description="Deposit per guest in VND, paid through VNPay when holding; 0: none."
    )
    sources: list[RestaurantSource] = strawberry.field(description="Where the facts come from.")
    photo_credits: list[RestaurantPhotoCredit] = strawberry.field(description="Photo credits.")

    @strawberry.field(
        description="The free seatings of a day (Hanoi) for a party, each with the tables left "
        "of the size it takes; TOO_MANY_GUESTS for a party larger than the largest table."
    )
    async def slots(self, info: Info, date: date, party_size: int) -> list[RestaurantSlot]:
        found = await loaders(info).restaurant_slots.load((str(self.id), date, party_size))
        return [RestaurantSlot.from_slot(slot) for slot in found]

    @classmethod
    def from_doc(cls, doc: RestaurantDoc, locale: Locale) -> Restaurant:
        located = doc.lat is not None and doc.lng is not None
        priced = doc.price_min_vnd is not None or doc.price_max_vnd is not None
        return cls(
            id=strawberry.ID(doc.id),
            name=text(doc.name, locale),
            description=text(doc.description, locale),
            address=text(doc.address, locale),
            location=GeoPoint(lat=doc.lat, lng=doc.lng) if located else None,  # type: ignore[arg-type]
            cuisine=doc.cuisine,
            price_range=(
                RestaurantPriceRange(
                    min_vnd=doc.price_min_vnd, max_vnd=doc.price_max_vnd, per=doc.price_per
                )
                if priced
                else None
            ),
            opening_hours=_hours(doc.hours_raw),
            tables=[
                RestaurantTables(party_size=size, count=count)
                for size, count in sorted(doc.tables.items())
            ],
            deposit_per_person=doc.deposit_per_person_vnd,
            sources=[
                RestaurantSource(url=s.get("url", ""), title=s.get("title", ""))
                for s in doc.sources
            ],
            photo_credits=[
                RestaurantPhotoCredit(
                    author=c.get("author"), license=c.get("license"), url=c.get("url")
                )
                for c in doc.photo_credits
                if isinstance(c, dict)
            ],
        )
