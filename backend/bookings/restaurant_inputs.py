"""GraphQL inputs of restaurants: the list's filter, no-shows and staff table settings."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from backend.geopoint import GeoPointInput


@strawberry.input(description="Which restaurants to list.")
class RestaurantFilter:
    near: GeoPointInput | None = strawberry.field(
        default=None,
        description="Nearest first, within `radiusMeters`, with `RestaurantEdge.distanceMeters` "
        "(restaurants without a known location are left out).",
    )
    radius_meters: float = strawberry.field(
        default=20_000.0, description="With `near`: at most this far (up to 50,000)."
    )
    cuisine: str | None = strawberry.field(
        default=None, description="Only restaurants with this cuisine tag, e.g. `pho`."
    )
    open_at: datetime | None = strawberry.field(
        default=None, description="Only restaurants open at this instant (with a time zone)."
    )
    party_size: int | None = strawberry.field(
        default=None, description="Only restaurants with a table that seats this many."
    )
    date: date | None = strawberry.field(
        default=None,
        description="Only restaurants with a free seating on this day (Hanoi time) for "
        "`partySize` (default 1).",
    )


@strawberry.input(description="Mark that a table booking's guests did not come.")
class BookingNoShowInput:
    booking_id: strawberry.ID = strawberry.field(description="The table booking.")


@strawberry.input(description="Tables of one size per seating.")
class RestaurantTablesInput:
    party_size: int = strawberry.field(description="Guests a table seats (1-50).")
    count: int = strawberry.field(description="Tables of this size (0-500).")


@strawberry.input(description="A weekly opening range, Hanoi time.")
class RestaurantOpeningRangeInput:
    day: str = strawberry.field(description="mon, tue, wed, thu, fri, sat or sun.")
    opens: str = strawberry.field(description="HH:MM.")
    closes: str = strawberry.field(description="HH:MM; after midnight when earlier than opens.")


@strawberry.input(description="A restaurant's tables, hours and deposit (tourism staff).")
class RestaurantTablesSetInput:
    restaurant_id: strawberry.ID = strawberry.field(description="The restaurant.")
    tables: list[RestaurantTablesInput] = strawberry.field(
        description="Every table size with its count (sizes left out have none); never fewer "
        "than are held or booked for a future seating."
    )
    opening_hours: list[RestaurantOpeningRangeInput] | None = strawberry.field(
        default=None, description="The weekly hours, replacing the old ones; null: unchanged."
    )
    deposit_per_person_vnd: int | None = strawberry.field(
        default=None, description="Deposit per guest in VND (0: none); null: unchanged."
    )
