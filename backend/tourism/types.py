"""GraphQL output types of the tourism domain, localised to the viewer's language."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry

from backend.auth.models import Locale
from backend.context import Info
from backend.errors import UserError
from backend.geopoint import GeoPoint
from backend.pagination import Connection, page_size
from backend.tourism.dataloaders import loaders
from backend.tourism.hours import WEEKDAYS, Minutes, OpeningHours, format_clock
from backend.tourism.models import (
    JourneyDoc,
    JourneyMode,
    PoiDoc,
    ProgressDoc,
    ReviewDoc,
    TourismErrorCode,
    Visit,
    journey_stop_id,
    localise,
)

TourismErrorCodeEnum = strawberry.enum(
    TourismErrorCode,
    name="TourismErrorCode",
    description="Why a tourism mutation was refused.",
)
JourneyModeEnum = strawberry.enum(
    JourneyMode, name="JourneyMode", description="How a journey is travelled between stops."
)


@strawberry.type(description="A problem with a tourism mutation's input.")
class TourismError(UserError):
    code: TourismErrorCodeEnum = strawberry.field(  # type: ignore[valid-type]
        description="What went wrong, for the app to act on."
    )


@strawberry.enum(description="Day of the week.")
class Weekday(Enum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


@strawberry.type(description="An opening range; `closes` before `opens` runs past midnight.")
class TimeRange:
    opens: str = strawberry.field(description="Opening time, HH:MM, Hanoi time.")
    closes: str = strawberry.field(
        description="Closing time, HH:MM (24:00 is midnight); earlier than `opens` means the "
        "next day."
    )


def _ranges(ranges: tuple[Minutes, ...]) -> list[TimeRange]:
    return [TimeRange(opens=format_clock(a), closes=format_clock(b)) for a, b in ranges]


@strawberry.type(description="The ranges that start on one day of the week.")
class OpeningDay:
    day: Weekday = strawberry.field(description="The day.")
    ranges: list[TimeRange] = strawberry.field(description="Opening ranges; empty when closed.")


@strawberry.type(description="A date with its own hours (a holiday such as Tết).")
class OpeningException:
    date: dt.date = strawberry.field(description="The date, in Hanoi.")
    closed: bool = strawberry.field(description="Closed all day.")
    ranges: list[TimeRange] = strawberry.field(description="Ranges replacing the weekly ones.")
    note: str | None = strawberry.field(description="Why, in the viewer's language.")


@strawberry.type(name="OpeningHours", description="Opening hours in Asia/Ho_Chi_Minh time.")
class OpeningHoursType:
    weekly: list[OpeningDay] = strawberry.field(description="Monday to Sunday.")
    exceptions: list[OpeningException] = strawberry.field(
        description="Dates with other hours, in date order."
    )

    @classmethod
    def from_hours(cls, hours: OpeningHours, locale: Locale) -> OpeningHoursType:
        return cls(
            weekly=[
                OpeningDay(day=Weekday(day), ranges=_ranges(hours.weekly[day])) for day in WEEKDAYS
            ],
            exceptions=[
                OpeningException(
                    date=e.day,
                    closed=e.closed,
                    ranges=_ranges(e.ranges),
                    note=localise(e.note, locale) or None,
                )
                for e in sorted(hours.exceptions.values(), key=lambda e: e.day)
            ],
        )


@strawberry.type(description="A ticket price.")
class Ticket:
    label: str = strawberry.field(description="Who or what the price is for.")
    price_vnd: int = strawberry.field(description="Price in đồng; 0 for free entry.")


@strawberry.type(description="Average of the visible reviews of a place.")
class Rating:
    average: float | None = strawberry.field(description="1 to 5; null before any review.")
    count: int = strawberry.field(description="How many visible reviews.")


@strawberry.type(description="A visitor's review of a place; reviewers stay anonymous.")
class Review:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    poi_id: strawberry.ID = strawberry.field(description="The place reviewed.")
    rating: int = strawberry.field(description="1 to 5 stars.")
    text: str = strawberry.field(description="What the visitor wrote (may be empty).")
    created_at: dt.datetime = strawberry.field(description="When first written.")
    updated_at: dt.datetime = strawberry.field(description="When last edited.")
    hidden: bool = strawberry.field(description="Hidden by a moderator (only its author sees it).")
    mine: bool = strawberry.field(description="Written by the viewer.")

    @classmethod
    def from_doc(cls, doc: ReviewDoc, viewer_uid: str | None) -> Review:
        return cls(
            id=strawberry.ID(doc.id),
            poi_id=strawberry.ID(doc.poi),
            rating=doc.rating,
            text=doc.text,
            created_at=doc.created_at,
            updated_at=doc.updated_at,
            hidden=doc.hidden,
            mine=viewer_uid is not None and doc.author == viewer_uid,
        )


def _opening_hours(root: Poi) -> OpeningHoursType:
    return OpeningHoursType.from_hours(root.hours, root.locale)


def _next_opening(root: Poi) -> dt.datetime | None:
    return None if root.hours.is_empty else root.hours.next_opening(root.now)


@strawberry.type(description="A heritage site or place to visit, in the viewer's language.")
class Poi:
    id: strawberry.ID = strawberry.field(description="Opaque id (stable across content reloads).")
    category: str = strawberry.field(description="Category slug, e.g. temple, museum.")
    name: str = strawberry.field(description="Name (falls back to the other language).")
    summary: str = strawberry.field(description="One or two sentences.")
    description: str = strawberry.field(description="The full description.")
    address: str = strawberry.field(description="Street address.")
    district: str = strawberry.field(description="Hanoi district.")
    location: GeoPoint = strawberry.field(description="Where it is.")
    # Built only when a query selects them (lists of places rarely do), not for every place.
    opening_hours: OpeningHoursType = strawberry.field(
        resolver=_opening_hours, description="Weekly hours and exceptions."
    )
    open_now: bool | None = strawberry.field(
        description="Open at this moment in Hanoi; null when its hours are unknown."
    )
    next_opening: dt.datetime | None = strawberry.field(
        resolver=_next_opening, description="When it next opens, if closed now (within 30 days)."
    )
    tickets: list[Ticket] = strawberry.field(description="Ticket prices.")
    visit_minutes: int = strawberry.field(description="Typical time a visit takes.")
    accessibility: str = strawberry.field(description="Access notes (steps, wheelchairs...).")
    tags: list[str] = strawberry.field(description="Tags.")
    thumbnail_url: str | None = strawberry.field(description="A thumbnail image, if any.")
    photo_credits: list[str] = strawberry.field(description="Credits for the photos.")
    sources: list[str] = strawberry.field(description="Where the facts come from.")
    rating: Rating = strawberry.field(description="Average of the visible reviews.")
    hours: strawberry.Private[OpeningHours]
    locale: strawberry.Private[Locale]
    now: strawberry.Private[dt.datetime]

    @classmethod
    def from_doc(
        cls,
        doc: PoiDoc,
        locale: Locale,
        *,
        now: dt.datetime | None = None,
    ) -> Poi:
        now = now or dt.datetime.now(dt.UTC)
        known = not doc.hours.is_empty
        rating = doc.rating
        texts = doc.texts(locale)
        return cls(
            id=strawberry.ID(doc.id),
            category=doc.category,
            name=texts.name,
            summary=texts.summary,
            description=texts.description,
            address=texts.address,
            district=doc.district,
            location=GeoPoint(lat=doc.lat, lng=doc.lng),
            open_now=doc.hours.is_open(now) if known else None,
            tickets=[Ticket(label=label, price_vnd=price) for label, price in texts.tickets],
            visit_minutes=doc.visit_minutes,
            accessibility=texts.accessibility,
            tags=doc.tags,
            thumbnail_url=doc.thumbnail_url,
            photo_credits=doc.photo_credits,
            sources=doc.sources,
            rating=Rating(average=rating.average, count=rating.count),
            hours=doc.hours,
            locale=locale,
            now=now,
        )

    @strawberry.field(description="Visible reviews, newest first.")
    async def reviews(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Review]:
        page = await loaders(info).reviews.load((str(self.id), page_size(first), after))
        uid = info.context.viewer.uid
        return Connection[Review].from_page(
            [Review.from_doc(r, uid) for r in page.items],
            page.cursors,
            has_next_page=page.has_next_page,
        )


@strawberry.type(description="Where to download a journey for offline use.")
class OfflinePackInfo:
    url: str = strawberry.field(
        description="Path of the pack (GET; send If-None-Match with the ETag you have)."
    )
    version: str = strawberry.field(description="Content version the pack is built from.")
    size_bytes: int = strawberry.field(description="Size of the pack in bytes.")


@strawberry.type(description="A stop of a journey, in order.")
class JourneyStop:
    id: strawberry.ID = strawberry.field(
        description="`journeyId:position`, unique across journeys (one place can be a stop of "
        "several); pass to journeyCheckIn."
    )
    position: int = strawberry.field(description="1 for the first stop.")
    story: str = strawberry.field(description="What to look for and why it matters here.")
    leg_meters: float = strawberry.field(
        description="Route distance from the previous stop (straight line x 1.3), 0 at the start."
    )
    poi_id: strawberry.Private[str]

    @strawberry.field(description="The place of this stop.")
    async def poi(self, info: Info) -> Poi | None:
        doc = await loaders(info).pois.load(self.poi_id)
        return None if doc is None else Poi.from_doc(doc, info.context.viewer.locale)


@strawberry.type(description="A themed heritage journey through several places.")
class Journey:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    theme: str = strawberry.field(description="Theme slug.")
    mode: JourneyModeEnum = strawberry.field(description="Walk or ride.")  # type: ignore[valid-type]
    title: str = strawberry.field(description="Title in the viewer's language.")
    summary: str = strawberry.field(description="Summary in the viewer's language.")
    stops: list[JourneyStop] = strawberry.field(description="The stops, in order.")
    distance_meters: float = strawberry.field(
        description="Route length: great-circle distance between consecutive stops times 1.3 "
        "(a detour factor for streets), computed from the stops."
    )
    duration_minutes: int = strawberry.field(
        description="Travel time (walking 4.5 km/h, riding 20 km/h) plus each stop's visit time."
    )
    start: GeoPoint = strawberry.field(description="Where the first stop is.")

    @classmethod
    def from_doc(cls, doc: JourneyDoc, locale: Locale) -> Journey:
        return cls(
            id=strawberry.ID(doc.id),
            theme=doc.theme,
            mode=doc.mode,
            title=localise(doc.title, locale),
            summary=localise(doc.summary, locale),
            stops=[
                JourneyStop(
                    id=strawberry.ID(journey_stop_id(doc.id, position)),
                    position=position,
                    story=localise(stop.story, locale),
                    leg_meters=round(stop.leg_meters, 1),
                    poi_id=stop.poi,
                )
                for position, stop in enumerate(doc.stops, start=1)
            ],
            distance_meters=doc.distance_meters,
            duration_minutes=doc.duration_minutes,
            start=GeoPoint(lat=doc.start_lat, lng=doc.start_lng),
        )

    @strawberry.field(description="The offline pack in the viewer's language.")
    async def offline_pack(self, info: Info) -> OfflinePackInfo | None:
        pack = await loaders(info).offline_packs.load((str(self.id), info.context.viewer.locale))
        if pack is None:
            return None
        return OfflinePackInfo(url=pack.url, version=pack.version, size_bytes=pack.size_bytes)


@strawberry.type(description="A stop the viewer checked in at.")
class StopVisit:
    stop_id: strawberry.ID = strawberry.field(description="The stop (`JourneyStop.id`).")
    at: dt.datetime = strawberry.field(description="When the check-in was accepted.")


@strawberry.type(description="The viewer's progress along a journey.")
class JourneyProgress:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    started_at: dt.datetime = strawberry.field(description="When the viewer started.")
    stops_visited: int = strawberry.field(description="How many stops are checked in.")
    stop_count: int = strawberry.field(description="How many stops the journey has.")
    percent: int = strawberry.field(description="Stops visited, 0 to 100.")
    completed_at: dt.datetime | None = strawberry.field(
        description="When the last stop was checked in; null until then."
    )
    journey_id: strawberry.Private[str]
    visited: strawberry.Private[list[Visit]]

    @classmethod
    def from_doc(cls, doc: ProgressDoc) -> JourneyProgress:
        return cls(
            id=strawberry.ID(doc.id),
            started_at=doc.started_at,
            visited=doc.visits,
            stops_visited=len(doc.visits),
            stop_count=doc.stop_count,
            percent=doc.percent,
            completed_at=doc.completed_at,
            journey_id=doc.journey,
        )

    @strawberry.field(
        description="Check-ins, in the order made (a stop since removed from the journey is "
        "left out)."
    )
    async def visits(self, info: Info) -> list[StopVisit]:
        journey = await loaders(info).journeys.load(self.journey_id)
        ids = journey.stop_ids_by_poi() if journey is not None else {}
        return [
            StopVisit(stop_id=strawberry.ID(ids[visit.stop]), at=visit.at)
            for visit in self.visited
            if visit.stop in ids
        ]

    @strawberry.field(description="The journey.")
    async def journey(self, info: Info) -> Journey | None:
        doc = await loaders(info).journeys.load(self.journey_id)
        return None if doc is None else Journey.from_doc(doc, info.context.viewer.locale)


@strawberry.type(description="A search result: a place or a journey.")
class SearchHit:
    poi: Poi | None = strawberry.field(description="The place found, if a place.")
    journey: Journey | None = strawberry.field(description="The journey found, if a journey.")
    name_match: bool = strawberry.field(
        description="Every word matched the name or title (such hits rank first)."
    )
    distance_meters: float | None = strawberry.field(
        description="Distance from `near` (to a journey's first stop), when given; on the hit, "
        "not on the place or journey, which a client cache shares between lists."
    )


@strawberry.type(description="Places grouped on a map grid.")
class PoiCluster:
    center: GeoPoint = strawberry.field(description="The group's centre.")
    count: int = strawberry.field(description="How many places.")
    poi_id: strawberry.ID | None = strawberry.field(description="The place, when count is 1.")


@strawberry.type(description="The clusters of a map view.")
class PoiClusters:
    clusters: list[PoiCluster] = strawberry.field(description="Largest first.")
    truncated: bool = strawberry.field(
        description="The box held more places than one request reads; zoom in for all of them."
    )
    cell_degrees: float = strawberry.field(description="Grid cell size used, in degrees.")
