"""Journey progress: starting a journey, checking in at its stops within 150 m, my journeys."""

from __future__ import annotations

from datetime import datetime

from backend import geo
from backend.db import Database
from backend.errors import DomainError
from backend.pagination import Page, encode_cursor
from backend.tourism import repository as tourism_repository
from backend.tourism.models import CHECK_IN_RADIUS_METERS, ProgressDoc, TourismErrorCode
from backend.tourism.service import LatLng, decode_after, get_journey, get_poi, not_found


async def start_journey(*, db: Database, uid: str, journey_id: str, now: datetime) -> ProgressDoc:
    """Start (or return) the viewer's progress on a journey."""
    journey = await get_journey(db=db, journey_id=journey_id)
    if journey is None:
        raise not_found(en="journey", vi="hành trình này", field="journeyId")
    doc = await tourism_repository.start_progress(
        db, uid=uid, journey_id=journey.id, stop_count=len(journey.stops), now=now
    )
    return ProgressDoc.from_mongo(doc)


async def check_in(
    *, db: Database, uid: str, journey_id: str, stop_id: str, location: LatLng, now: datetime
) -> ProgressDoc:
    """Record a visit to a stop when the viewer is within 150 m of it (idempotent per stop)."""
    location.check("location")
    journey = await get_journey(db=db, journey_id=journey_id)
    if journey is None:
        raise not_found(en="journey", vi="hành trình này", field="journeyId")
    stop = journey.stop(stop_id)
    if stop is None:
        raise not_found(
            en="stop on this journey", vi="điểm dừng này trên hành trình", field="stopId"
        )
    poi = await get_poi(db=db, poi_id=stop.poi)
    if poi is None:
        raise not_found(
            en="stop on this journey", vi="điểm dừng này trên hành trình", field="stopId"
        )
    distance = geo.haversine_meters(
        lat1=location.lat, lng1=location.lng, lat2=poi.lat, lng2=poi.lng
    )
    if distance > CHECK_IN_RADIUS_METERS:
        raise DomainError(
            TourismErrorCode.TOO_FAR,
            en=f"You are {distance:.0f} m from this stop; check in within "
            f"{CHECK_IN_RADIUS_METERS:.0f} m",
            vi=f"Bạn đang cách điểm dừng này {distance:.0f} m; hãy check-in trong phạm vi "
            f"{CHECK_IN_RADIUS_METERS:.0f} m",
            field="location",
        )
    started = await tourism_repository.start_progress(
        db, uid=uid, journey_id=journey.id, stop_count=len(journey.stops), now=now
    )
    doc = await tourism_repository.add_visit(
        db, uid=uid, journey_id=journey.id, stop=stop.poi, at=now
    )
    if doc is None:  # already visited: nothing changes
        doc = await tourism_repository.get_progress(db, uid=uid, journey_id=journey.id) or started
    visited = {visit["stop"] for visit in doc.get("visits") or []}
    if doc.get("completed_at") is None and all(s.poi in visited for s in journey.stops):
        completed = await tourism_repository.complete_progress(db, doc["_id"], at=now)
        doc = completed or doc
    return ProgressDoc.from_mongo(doc)


async def my_journeys(
    *, db: Database, uid: str, first: int, after: str | None
) -> Page[ProgressDoc]:
    """The viewer's journeys, most recently started first."""
    before = decode_after(after, near=False)
    docs = await tourism_repository.list_progress(
        db, uid=uid, before_id=str(before[0]) if before else None, limit=first + 1
    )
    items = [ProgressDoc.from_mongo(doc) for doc in docs[:first]]
    cursors = [encode_cursor([item.id]) for item in items]
    return Page(items, cursors, has_next_page=len(docs) > first)
