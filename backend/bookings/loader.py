"""Load content/bookings/{tours,hotels}.json and content/restaurants/restaurants.json, and open
departures and room-nights for sale.

Departures are generated from each tour's weekly schedule for the next 60 days, and room-nights
eagerly for the next 120 days (15 room types x 120 nights is under 2,000 small documents, and an
eager night makes the hold a plain conditional update, with no upsert racing it). Both are upserts
with `$setOnInsert` keyed by (tour, starts_at) and (room_type, date): running the loader again,
daily or on a content reload, adds the new days and never resets seats or rooms already sold.
Changing a room type's `rooms` in content applies to new nights only; staff change existing
nights with `roomInventorySet`.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import orjson

from backend import geo
from backend.bookings import repository as booking_repository
from backend.bookings.models import (
    DEPARTURE_DAYS,
    HANOI,
    ROOM_NIGHT_DAYS,
    RoomTypeDoc,
    hanoi_date,
)
from backend.bookings.service import table_settings
from backend.db import Database
from backend.errors import BusyError
from backend.tourism.hours import InvalidHoursError, OpeningHours

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOUR_FIELDS = (
    "title",
    "description",
    "price_vnd",
    "duration_minutes",
    "languages",
    "cancellation_policy",
    "capacity",
    "journeys",
    "pois",
    "schedule",
)


class ContentError(ValueError):
    """Bookings content that cannot be served."""


def room_type_id(hotel: str, slug: str) -> str:
    return f"{hotel}:{slug}"


def departure_times(schedule: dict[str, Any], start: date, days: int) -> list[datetime]:
    """The UTC start times a weekly schedule gives for `days` days from `start` (Hanoi dates)."""
    weekdays = {WEEKDAYS.index(day) for day in schedule.get("days", [])}
    times = [time.fromisoformat(value) for value in schedule.get("times", [])]
    result: list[datetime] = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if day.weekday() in weekdays:
            result.extend(datetime.combine(day, at, tzinfo=HANOI).astimezone(UTC) for at in times)
    return result


def _tour_document(tour: dict[str, Any]) -> dict[str, Any]:
    doc = {name: tour[name] for name in TOUR_FIELDS if name in tour}
    meeting = tour["meeting_point"]
    location = meeting["location"]
    doc["meeting_point"] = {
        "name": meeting["name"],
        "location": geo.point(lat=float(location["lat"]), lng=float(location["lng"])),
    }
    doc["seeded"] = True
    for day in tour.get("schedule", {}).get("days", []):
        if day not in WEEKDAYS:
            raise ContentError(f"tour {tour['slug']}: unknown weekday {day!r}")
    return doc


async def load_tours(db: Database, items: list[dict[str, Any]], *, now: datetime) -> int:
    written = 0
    today = hanoi_date(now)
    for tour in items:
        await booking_repository.upsert_tour(db, tour["slug"], _tour_document(tour))
        starts = [
            at
            for at in departure_times(tour.get("schedule", {}), today, DEPARTURE_DAYS)
            if at > now
        ]
        opened = await booking_repository.open_departures(
            db, tour["slug"], starts, capacity=int(tour["capacity"]), now=now
        )
        written += 1 + opened
    await booking_repository.retire_tours(db, [tour["slug"] for tour in items])
    return written


async def load_hotels(db: Database, items: list[dict[str, Any]], *, now: datetime) -> int:
    written = 0
    today = hanoi_date(now)
    for hotel in items:
        location = hotel["location"]
        body = {
            "name": hotel["name"],
            "description": hotel.get("description", {}),
            "address": hotel.get("address", {}),
            "location": geo.point(lat=float(location["lat"]), lng=float(location["lng"])),
            "stars": int(hotel["stars"]),
            "cancellation_policy": hotel.get("cancellation_policy", []),
            "seeded": True,
        }
        await booking_repository.upsert_hotel(db, hotel["slug"], body)
        written += 1
        for item in hotel.get("room_types", []):
            rt_id = room_type_id(hotel["slug"], item["slug"])
            room_type = {
                "hotel": hotel["slug"],
                "name": item["name"],
                "capacity": int(item["capacity"]),
                "price_vnd": int(item["price_vnd"]),
                "weekend_price_vnd": int(item.get("weekend_price_vnd") or item["price_vnd"]),
                "rooms": int(item["rooms"]),
                "seeded": True,
            }
            await booking_repository.upsert_room_type(db, rt_id, room_type)
            model = RoomTypeDoc.from_mongo({"_id": rt_id, **room_type})
            nights = [today + timedelta(days=offset) for offset in range(ROOM_NIGHT_DAYS)]
            opened = await booking_repository.open_room_nights(
                db, rt_id, [(night, model.rooms, model.price_on(night)) for night in nights]
            )
            written += 1 + opened
    await booking_repository.retire_hotels(db, [hotel["slug"] for hotel in items])
    return written


def restaurant_document(item: dict[str, Any]) -> dict[str, Any]:
    slug = item["slug"]
    try:
        OpeningHours.parse(item.get("opening_hours"))
    except InvalidHoursError as error:
        raise ContentError(f"restaurant {slug}: {error}") from None
    tables = {str(int(size)): int(count) for size, count in (item.get("tables") or {}).items()}
    if any(int(size) < 1 or count < 0 for size, count in tables.items()):
        raise ContentError(f"restaurant {slug}: tables need sizes >= 1 and counts >= 0")
    doc: dict[str, Any] = {
        "name": item["name"],
        "description": item.get("description") or {},
        "address": item.get("address") or {},
        "district": item.get("district"),
        "cuisine": [str(tag).lower() for tag in item.get("cuisine") or []],
        "price_range_vnd": item.get("price_range_vnd"),
        "opening_hours": item.get("opening_hours"),
        "tables": tables,
        "deposit_per_person_vnd": max(0, int(item.get("deposit_per_person_vnd") or 0)),
        "sources": [
            {"url": source["url"], "title": source.get("title") or source["url"]}
            for source in item.get("sources") or []
        ],
        "photo_credits": item.get("photo_credits") or [],
        "seeded": True,
    }
    location = item.get("location")
    if location and location.get("lat") is not None and location.get("lng") is not None:
        # Without a location a restaurant is listed, never matched by `near`.
        doc["location"] = geo.point(lat=float(location["lat"]), lng=float(location["lng"]))
    return doc


async def load_restaurants(
    db: Database, items: list[dict[str, Any]], *, now: datetime | None = None
) -> int:
    """Upsert restaurants (staff overrides stay) and retire those content no longer lists.
    Tables per seating are opened lazily by the first hold; seatings already opened follow a
    change of the content's tables (never below what is held or booked)."""
    now = now or datetime.now(UTC)
    moved = 0
    for item in items:
        await booking_repository.upsert_restaurant(db, item["slug"], restaurant_document(item))
        try:
            moved += await table_settings.follow_tables(db=db, restaurant_id=item["slug"], now=now)
        except BusyError:
            # Holds kept this restaurant's seatings busy for the whole retry window: the next
            # reload moves them; the other restaurants load meanwhile.
            log.warning("restaurant %s: seatings not moved (busy); next reload", item["slug"])
    if moved:
        log.info("restaurants: %d opened seatings moved to the tables in force", moved)
    await booking_repository.retire_restaurants(db, [item["slug"] for item in items])
    return len(items)


async def load_content(db: Database, content_dir: Path, *, now: datetime | None = None) -> int:
    """Upsert tours, hotels, room types and restaurants; open departures and room-nights."""
    now = now or datetime.now(UTC)
    written = 0
    tours = content_dir / "bookings" / "tours.json"
    if tours.exists():
        written += await load_tours(db, orjson.loads(tours.read_bytes())["tours"], now=now)
    hotels = content_dir / "bookings" / "hotels.json"
    if hotels.exists():
        written += await load_hotels(db, orjson.loads(hotels.read_bytes())["hotels"], now=now)
    restaurants = content_dir / "restaurants" / "restaurants.json"
    if restaurants.exists():
        items = orjson.loads(restaurants.read_bytes())["restaurants"]
        written += await load_restaurants(db, items, now=now)
    log.info("bookings content: %d documents", written)
    return written
