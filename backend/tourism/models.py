"""Storage models of the tourism domain, read from and written to MongoDB documents."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from backend.auth.models import Locale
from backend.tourism.hours import OpeningHours

Text = dict[str, str]  # {"vi": ..., "en": ...}

# A check-in counts within this distance of the stop's site.
CHECK_IN_RADIUS_METERS = 150.0
# Walking routes are longer than the straight line between stops: a detour factor, not a router.
DETOUR_FACTOR = 1.3
WALK_KMH = 4.5
RIDE_KMH = 20.0
MAX_RADIUS_METERS = 20_000
MAX_REVIEW_LENGTH = 2_000


class TourismErrorCode(StrEnum):
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    TOO_FAR = "too_far"
    REVIEW_HIDDEN = "review_hidden"
    BANNED = "banned"


class JourneyMode(StrEnum):
    WALK = "walk"
    RIDE = "ride"


def localise(text: Text | None, locale: Locale) -> str:
    """The text in `locale`, else in the other language, else ""."""
    if not text:
        return ""
    preferred = text.get(locale.value)
    if preferred:
        return preferred
    return next((value for value in text.values() if value), "")


@dataclass(frozen=True)
class Ticket:
    label: Text
    price_vnd: int


@dataclass(frozen=True)
class RatingSummary:
    average: float | None
    count: int = field(default=0)


@dataclass(frozen=True, kw_only=True, slots=True)
class PoiTexts:
    """A place's texts in one language."""

    name: str
    summary: str
    description: str
    address: str
    accessibility: str
    tickets: tuple[tuple[str, int], ...]  # label, price in đồng


@dataclass(frozen=True, kw_only=True)
class PoiDoc:
    id: str
    category: str
    name: Text
    summary: Text
    description: Text
    address: Text
    district: str
    lat: float
    lng: float
    hours: OpeningHours
    tickets: list[Ticket]
    visit_minutes: int
    accessibility: Text
    tags: list[str]
    photo_credits: list[str]
    sources: list[str]
    thumbnail_url: str | None
    rating_sum: int
    rating_count: int

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> PoiDoc:
        lng, lat = doc["location"]["coordinates"]
        return cls(
            id=doc["_id"],
            category=doc.get("category", ""),
            name=doc.get("name") or {},
            summary=doc.get("summary") or {},
            description=doc.get("description") or {},
            address=doc.get("address") or {},
            district=doc.get("district", ""),
            lat=lat,
            lng=lng,
            hours=OpeningHours.parse(doc.get("opening_hours")),
            tickets=[
                Ticket(label=t.get("label") or {}, price_vnd=int(t.get("price_vnd", 0)))
                for t in doc.get("tickets") or []
            ],
            visit_minutes=int(doc.get("visit_minutes", 0)),
            accessibility=doc.get("accessibility") or {},
            tags=list(doc.get("tags") or []),
            photo_credits=[str(c) for c in doc.get("photo_credits") or []],
            sources=[str(s) for s in doc.get("sources") or []],
            thumbnail_url=doc.get("thumbnail_url"),
            rating_sum=int(doc.get("rating_sum", 0)),
            rating_count=int(doc.get("rating_count", 0)),
        )

    def texts(self, locale: Locale) -> PoiTexts:
        """The place's texts in `locale`, built once per place and language (a PoiDoc never
        changes; the snapshot's are shared by every request of a content version)."""
        memo: dict[Locale, PoiTexts] = self.__dict__.setdefault("_texts", {})
        texts = memo.get(locale)
        if texts is None:
            # A memo on a frozen instance, written as functools.cached_property writes its own.
            texts = memo[locale] = PoiTexts(
                name=localise(self.name, locale),
                summary=localise(self.summary, locale),
                description=localise(self.description, locale),
                address=localise(self.address, locale),
                accessibility=localise(self.accessibility, locale),
                tickets=tuple((localise(t.label, locale), t.price_vnd) for t in self.tickets),
            )
        return texts

    @property
    def rating(self) -> RatingSummary:
        """The average of visible reviews, from the running sum and count kept on the POI."""
        if self.rating_count <= 0:
            return RatingSummary(None, 0)
        return RatingSummary(round(self.rating_sum / self.rating_count, 2), self.rating_count)


@dataclass(frozen=True)
class StopDoc:
    poi: str
    story: Text
    # Route distance from the previous stop (0 for the first), detour factor included.
    leg_meters: float


@dataclass(frozen=True, kw_only=True)
class JourneyDoc:
    id: str
    theme: str
    mode: JourneyMode
    title: Text
    summary: Text
    stops: list[StopDoc]
    distance_meters: float
    duration_minutes: int
    start_lat: float
    start_lng: float

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> JourneyDoc:
        lng, lat = doc["start_location"]["coordinates"]
        return cls(
            id=doc["_id"],
            theme=doc.get("theme", ""),
            mode=JourneyMode(doc.get("mode", "walk")),
            title=doc.get("title") or {},
            summary=doc.get("summary") or {},
            stops=[
                StopDoc(poi=s["poi"], story=s.get("story") or {}, leg_meters=s.get("leg_meters", 0))
                for s in doc.get("stops") or []
            ],
            distance_meters=float(doc.get("distance_meters", 0)),
            duration_minutes=int(doc.get("duration_minutes", 0)),
            start_lat=lat,
            start_lng=lng,
        )

    def stop(self, stop_id: str) -> StopDoc | None:
        """The stop with this id (`journey_stop_id`), None when it names no stop of this journey."""
        journey, _, position = stop_id.rpartition(":")
        digits = position.isascii() and position.isdigit() and len(position) <= 4
        if journey != self.id or not digits:
            return None
        index = int(position) - 1
        return self.stops[index] if 0 <= index < len(self.stops) else None

    def stop_ids_by_poi(self) -> dict[str, str]:
        """The id of the stop at each place (a visit records the place)."""
        ids: dict[str, str] = {}
        for position, stop in enumerate(self.stops, start=1):
            ids.setdefault(stop.poi, journey_stop_id(self.id, position))
        return ids


def journey_stop_id(journey_id: str, position: int) -> str:
    """A stop's id: unique per (journey, position), as one place can be a stop of several."""
    return f"{journey_id}:{position}"


@dataclass(frozen=True, kw_only=True)
class ReviewDoc:
    id: str
    poi: str
    author: str
    rating: int
    text: str
    hidden: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ReviewDoc:
        return cls(
            id=str(doc["_id"]),
            poi=doc["poi"],
            author=doc["author"],
            rating=int(doc["rating"]),
            text=doc.get("text", ""),
            hidden=bool(doc.get("hidden")),
            created_at=doc["created_at"],
            updated_at=doc["updated_at"],
        )


@dataclass(frozen=True)
class Visit:
    stop: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ProgressDoc:
    id: str
    uid: str
    journey: str
    stop_count: int
    started_at: datetime
    visits: list[Visit] = field(default_factory=list)
    completed_at: datetime | None = None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> ProgressDoc:
        return cls(
            id=str(doc["_id"]),
            uid=doc["uid"],
            journey=doc["journey"],
            stop_count=int(doc.get("stop_count", 0)),
            started_at=doc["started_at"],
            visits=[Visit(stop=v["stop"], at=v["at"]) for v in doc.get("visits") or []],
            completed_at=doc.get("completed_at"),
        )

    @property
    def percent(self) -> int:
        if not self.stop_count:
            return 0
        return round(100 * len(self.visits) / self.stop_count)
