"""Storage models of what is sold: tours, departures, hotels, room types, room nights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bson import ObjectId

from backend.bookings.models.policy import PolicyRule, parse_policy
from backend.bookings.models.statuses import Text


@dataclass(frozen=True, kw_only=True)
class TourDoc:
    id: str
    title: Text
    description: Text
    price_vnd: int
    duration_minutes: int
    meeting_point_name: Text
    lat: float
    lng: float
    languages: list[str]
    policy: list[PolicyRule]
    capacity: int
    journeys: list[str]
    pois: list[str]

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> TourDoc:
        lng, lat = doc["meeting_point"]["location"]["coordinates"]
        return cls(
            id=doc["_id"],
            title=doc["title"],
            description=doc["description"],
            price_vnd=int(doc["price_vnd"]),
            duration_minutes=int(doc["duration_minutes"]),
            meeting_point_name=doc["meeting_point"]["name"],
            lat=lat,
            lng=lng,
            languages=list(doc.get("languages", [])),
            policy=parse_policy(doc.get("cancellation_policy", [])),
            capacity=int(doc["capacity"]),
            journeys=list(doc.get("journeys", [])),
            pois=list(doc.get("pois", [])),
        )


@dataclass(frozen=True, kw_only=True)
class DepartureDoc:
    id: ObjectId
    tour: str
    starts_at: datetime
    capacity: int
    seats_left: int

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> DepartureDoc:
        return cls(
            id=doc["_id"],
            tour=doc["tour"],
            starts_at=doc["starts_at"],
            capacity=int(doc["capacity"]),
            seats_left=int(doc["seats_left"]),
        )


@dataclass(frozen=True, kw_only=True)
class HotelDoc:
    id: str
    name: Text
    description: Text
    address: Text
    lat: float
    lng: float
    stars: int
    policy: list[PolicyRule]

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> HotelDoc:
        lng, lat = doc["location"]["coordinates"]
        return cls(
            id=doc["_id"],
            name=doc["name"],
            description=doc.get("description", {}),
            address=doc.get("address", {}),
            lat=lat,
            lng=lng,
            stars=int(doc["stars"]),
            policy=parse_policy(doc.get("cancellation_policy", [])),
        )


@dataclass(frozen=True, kw_only=True)
class RoomTypeDoc:
    id: str
    hotel: str
    name: Text
    capacity: int
    price_vnd: int
    weekend_price_vnd: int
    rooms: int

    def price_on(self, night: date) -> int:
        """The price of one night: Friday and Saturday nights cost the weekend price."""
        return self.weekend_price_vnd if night.weekday() in (4, 5) else self.price_vnd

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> RoomTypeDoc:
        return cls(
            id=doc["_id"],
            hotel=doc["hotel"],
            name=doc["name"],
            capacity=int(doc["capacity"]),
            price_vnd=int(doc["price_vnd"]),
            weekend_price_vnd=int(doc.get("weekend_price_vnd") or doc["price_vnd"]),
            rooms=int(doc["rooms"]),
        )


@dataclass(frozen=True, kw_only=True)
class RoomNightDoc:
    room_type: str
    date: date
    rooms_total: int
    rooms_left: int
    price_vnd: int

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> RoomNightDoc:
        return cls(
            room_type=doc["room_type"],
            date=date.fromisoformat(doc["date"]),
            rooms_total=int(doc["rooms_total"]),
            rooms_left=int(doc["rooms_left"]),
            price_vnd=int(doc["price_vnd"]),
        )
