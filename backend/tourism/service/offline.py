"""Offline packs: everything the app needs to follow a journey without a network, in one file.

The body is deterministic (sorted keys) so its sha256 is a strong ETag; it carries the content
version, so reloaded content gives a new pack version and a new ETag. Ratings are left out: they
change with every review and would invalidate every downloaded pack.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from backend.auth.models import Locale
from backend.db import Database
from backend.meta import repository as meta_repository
from backend.tourism import repository as tourism_repository
from backend.tourism.hours import WEEKDAYS, OpeningHours, format_clock
from backend.tourism.models import JourneyDoc, PoiDoc, journey_stop_id, localise

PACK_FORMAT = 1


@dataclass(frozen=True)
class OfflinePack:
    journey_id: str
    body: bytes
    etag: str
    version: str
    locale: Locale

    @property
    def size_bytes(self) -> int:
        return len(self.body)

    @property
    def url(self) -> str:
        return pack_url(self.journey_id, self.locale)


def pack_url(journey_id: str, locale: Locale) -> str:
    return f"/offline/journeys/{journey_id}.json?locale={locale.value}"


def _hours(hours: OpeningHours, locale: Locale) -> dict[str, Any]:
    return {
        "timezone": "Asia/Ho_Chi_Minh",
        "weekly": {
            day: [[format_clock(a), format_clock(b)] for a, b in hours.weekly[day]]
            for day in WEEKDAYS
        },
        "exceptions": [
            {
                "date": exception.day.isoformat(),
                "closed": exception.closed,
                "hours": [[format_clock(a), format_clock(b)] for a, b in exception.ranges],
                "note": localise(exception.note, locale),
            }
            for exception in sorted(hours.exceptions.values(), key=lambda e: e.day)
        ],
    }


def _poi(poi: PoiDoc, locale: Locale) -> dict[str, Any]:
    return {
        "id": poi.id,
        "category": poi.category,
        "name": localise(poi.name, locale),
        "summary": localise(poi.summary, locale),
        "description": localise(poi.description, locale),
        "address": localise(poi.address, locale),
        "district": poi.district,
        "location": {"lat": poi.lat, "lng": poi.lng},
        "opening_hours": _hours(poi.hours, locale),
        "tickets": [
            {"label": localise(t.label, locale), "price_vnd": t.price_vnd} for t in poi.tickets
        ],
        "visit_minutes": poi.visit_minutes,
        "accessibility": localise(poi.accessibility, locale),
        "tags": poi.tags,
        "thumbnail_url": poi.thumbnail_url,
        "photo_credits": poi.photo_credits,
        "sources": poi.sources,
    }


async def build_pack(*, db: Database, journey_id: str, locale: Locale) -> OfflinePack | None:
    """The offline pack of a journey in one language, or None for an unknown journey."""
    packs = await build_packs(db=db, journey_ids=[journey_id], locale=locale)
    return packs.get(journey_id)


async def build_packs(
    *, db: Database, journey_ids: Sequence[str], locale: Locale
) -> dict[str, OfflinePack]:
    """The offline packs of journeys in one language, by id (unknown journeys are left out).

    Three reads whatever the number of journeys: the journeys, all their stops' POIs, the content
    version (a list of journeys asking for its packs stays at one round trip per kind).
    """
    ids = list(dict.fromkeys(journey_ids))
    journey_docs = await tourism_repository.get_journeys(db, ids)
    if not journey_docs:
        return {}
    journeys = [JourneyDoc.from_mongo(journey_docs[i]) for i in ids if i in journey_docs]
    stops = list(dict.fromkeys(stop.poi for journey in journeys for stop in journey.stops))
    poi_docs = await tourism_repository.get_pois(db, stops)
    pois = {slug: PoiDoc.from_mongo(doc) for slug, doc in poi_docs.items()}
    meta = await meta_repository.get_content_version(db)
    version = str(meta["version"]) if meta else "unversioned"
    return {journey.id: _pack(journey, pois, version, locale) for journey in journeys}


def _pack(
    journey: JourneyDoc, pois: Mapping[str, PoiDoc], version: str, locale: Locale
) -> OfflinePack:
    body = {
        "format": PACK_FORMAT,
        "content_version": version,
        "locale": locale.value,
        "journey": {
            "id": journey.id,
            "theme": journey.theme,
            "mode": journey.mode.value,
            "title": localise(journey.title, locale),
            "summary": localise(journey.summary, locale),
            "distance_meters": journey.distance_meters,
            "duration_minutes": journey.duration_minutes,
            "stops": [
                {
                    "id": journey_stop_id(journey.id, position),
                    "position": position,
                    "poi": stop.poi,
                    "story": localise(stop.story, locale),
                    "leg_meters": round(stop.leg_meters, 1),
                }
                for position, stop in enumerate(journey.stops, start=1)
            ],
        },
        "pois": [_poi(pois[stop.poi], locale) for stop in journey.stops if stop.poi in pois],
    }
    raw = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    etag = '"' + hashlib.sha256(raw).hexdigest() + '"'
    return OfflinePack(journey_id=journey.id, body=raw, etag=etag, version=version, locale=locale)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: weak comparison against any listed tag, or "*"."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False
