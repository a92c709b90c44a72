"""GraphQL inputs of the tourism domain, parsed into the service's typed criteria."""

from __future__ import annotations

import datetime as dt

import strawberry

from backend.geopoint import GeoPointInput
from backend.tourism import service as tourism_service


def parse_point(point: GeoPointInput) -> tourism_service.LatLng:
    """The service's point (it checks the range, with tourism's error codes)."""
    return tourism_service.LatLng(point.lat, point.lng)


@strawberry.input(description="A map box.")
class BBoxInput:
    west: float = strawberry.field(description="Western longitude.")
    south: float = strawberry.field(description="Southern latitude.")
    east: float = strawberry.field(description="Eastern longitude.")
    north: float = strawberry.field(description="Northern latitude.")

    def parse(self) -> tourism_service.BBox:
        return tourism_service.BBox(self.west, self.south, self.east, self.north)


@strawberry.input(description="Which places to list.")
class PoiFilter:
    near: GeoPointInput | None = strawberry.field(
        default=None, description="Nearest first from here, with `PoiEdge.distanceMeters`."
    )
    radius_meters: float | None = strawberry.field(
        default=None, description="With `near`: at most this far (up to 20000; default 20000)."
    )
    bbox: BBoxInput | None = strawberry.field(default=None, description="Only inside this box.")
    categories: list[str] | None = strawberry.field(
        default=None, description="Only these category slugs."
    )
    open_at: dt.datetime | None = strawberry.field(
        default=None,
        description="Only places open at this instant (without an offset: Hanoi time).",
    )
    search: str | None = strawberry.field(
        default=None,
        description="Words matching names or descriptions in Vietnamese (with or without "
        "diacritics) or English; each word may be a prefix.",
    )

    def parse(self) -> tourism_service.PoiCriteria:
        return tourism_service.PoiCriteria(
            near=parse_point(self.near) if self.near else None,
            radius_meters=self.radius_meters,
            bbox=self.bbox.parse() if self.bbox else None,
            categories=tuple(self.categories or ()),
            open_at=self.open_at,
            search=self.search,
        )


@strawberry.input(description="Which journeys to list.")
class JourneyFilter:
    theme: str | None = strawberry.field(default=None, description="Only this theme.")
    max_duration_minutes: int | None = strawberry.field(
        default=None, description="Only journeys taking at most this long."
    )
    near: GeoPointInput | None = strawberry.field(
        default=None,
        description="Nearest first stop first, with `JourneyEdge.distanceMeters`.",
    )

    def parse(self) -> tourism_service.JourneyCriteria:
        return tourism_service.JourneyCriteria(
            theme=self.theme,
            max_duration_minutes=self.max_duration_minutes,
            near=parse_point(self.near) if self.near else None,
        )


@strawberry.input(description="Start following a journey.")
class JourneyStartInput:
    journey_id: strawberry.ID = strawberry.field(description="The journey.")


@strawberry.input(description="Check in at a stop of a journey (within 150 m of it).")
class JourneyCheckInInput:
    journey_id: strawberry.ID = strawberry.field(description="The journey.")
    stop_id: strawberry.ID = strawberry.field(description="The stop (`JourneyStop.id`).")
    location: GeoPointInput = strawberry.field(description="Where the device is now.")


@strawberry.input(description="Review a place; a second review by the same user edits the first.")
class ReviewCreateInput:
    poi_id: strawberry.ID = strawberry.field(description="The place.")
    rating: int = strawberry.field(description="1 to 5 stars.")
    text: str = strawberry.field(default="", description="At most 2,000 characters.")


@strawberry.input(description="Hide a review (moderators).")
class ReviewHideInput:
    review_id: strawberry.ID = strawberry.field(description="The review.")
    reason: str = strawberry.field(description="Why; kept in the audit log.")
