"""Load content/tourism/{pois,journeys}.json: search terms, and journey distance and duration.

Distances and durations are computed here from the stops, never typed into content: a walking
route is the great-circle distance between consecutive stops times a detour factor of 1.3 (streets
are not straight lines; no street router is involved), at 4.5 km/h walking or 20 km/h riding,
plus each stop's `visit_minutes`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from backend import geo
from backend.db import Database
from backend.text import terms
from backend.tourism import repository as tourism_repository
from backend.tourism.hours import OpeningHours
from backend.tourism.models import DETOUR_FACTOR, RIDE_KMH, WALK_KMH, JourneyMode

log = logging.getLogger(__name__)

# Content fields copied as they are; the loader adds location, terms and computed fields.
POI_FIELDS = (
    "category",
    "name",
    "summary",
    "description",
    "address",
    "district",
    "opening_hours",
    "tickets",
    "visit_minutes",
    "accessibility",
    "tags",
    "photo_credits",
    "sources",
)


class ContentError(ValueError):
    """Tourism content that cannot be served (a missing stop, a bad time...)."""


def _both(text: dict[str, str] | None) -> list[str]:
    text = text or {}
    return [text.get("vi", ""), text.get("en", "")]


def poi_document(poi: dict[str, Any]) -> dict[str, Any]:
    """The stored fields of a POI from its content entry (without rating fields)."""
    slug = poi["slug"]
    try:
        OpeningHours.parse(poi.get("opening_hours"))
    except ValueError as error:
        raise ContentError(f"poi {slug}: {error}") from None
    location = poi["location"]
    doc = {name: poi.get(name) for name in POI_FIELDS}
    name_terms = terms(*_both(poi.get("name")))
    doc.update(
        location=geo.point(lat=float(location["lat"]), lng=float(location["lng"])),
        categories=[poi["category"]],
        thumbnail_url=poi.get("thumbnail_url") or poi.get("thumbnail"),
        name_terms=name_terms,
        # A superset of the name terms: one indexed array answers "name or description".
        search_terms=terms(
            *_both(poi.get("name")),
            *_both(poi.get("summary")),
            *_both(poi.get("description")),
            *_both(poi.get("address")),
            poi.get("district"),
            " ".join(poi.get("tags") or []),
        ),
    )
    return doc


def journey_document(journey: dict[str, Any], pois: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The stored journey with each leg's distance, the total distance and the duration."""
    slug = journey["slug"]
    mode = JourneyMode(journey.get("mode", "walk"))
    stops: list[dict[str, Any]] = []
    total = 0.0
    visit_minutes = 0
    previous: dict[str, Any] | None = None
    for stop in journey.get("stops") or []:
        poi = pois.get(stop["poi"])
        if poi is None:
            raise ContentError(f"journey {slug}: stop {stop['poi']!r} is not a POI")
        if any(s["poi"] == stop["poi"] for s in stops):
            raise ContentError(f"journey {slug}: stop {stop['poi']!r} appears twice")
        leg = 0.0
        if previous is not None:
            here, there = previous["location"], poi["location"]
            straight = geo.haversine_meters(
                lat1=here["lat"], lng1=here["lng"], lat2=there["lat"], lng2=there["lng"]
            )
            leg = straight * DETOUR_FACTOR
        total += leg
        visit_minutes += int(poi.get("visit_minutes") or 0)
        stops.append({"poi": stop["poi"], "story": stop.get("story") or {}, "leg_meters": leg})
        previous = poi
    if not stops:
        raise ContentError(f"journey {slug} has no stops")
    speed_kmh = WALK_KMH if mode is JourneyMode.WALK else RIDE_KMH
    moving_minutes = total / 1000 / speed_kmh * 60
    first = pois[stops[0]["poi"]]["location"]
    return {
        "theme": journey.get("theme", ""),
        "mode": mode.value,
        "title": journey.get("title") or {},
        "summary": journey.get("summary") or {},
        "stops": stops,
        "distance_meters": round(total, 1),
        "duration_minutes": round(moving_minutes + visit_minutes),
        "start_location": geo.point(lat=float(first["lat"]), lng=float(first["lng"])),
        "name_terms": terms(*_both(journey.get("title"))),
        "search_terms": terms(
            *_both(journey.get("title")), *_both(journey.get("summary")), journey.get("theme")
        ),
    }


def read_content(content_dir: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
    """The POI and journey entries, or None when the content has no tourism files."""
    folder = content_dir / "tourism"
    pois_path, journeys_path = folder / "pois.json", folder / "journeys.json"
    if not pois_path.exists():
        return None
    pois = json.loads(pois_path.read_text(encoding="utf-8"))["pois"]
    journeys = []
    if journeys_path.exists():
        journeys = json.loads(journeys_path.read_text(encoding="utf-8"))["journeys"]
    return pois, journeys


async def load_content(db: Database, content_dir: Path) -> int:
    """Upsert every POI and journey (ratings kept), and delete the ones content no longer has."""
    content = read_content(content_dir)
    if content is None:
        log.warning("no tourism content in %s", content_dir)
        return 0
    pois, journeys = content
    by_slug = {poi["slug"]: poi for poi in pois}
    if len(by_slug) != len(pois):
        raise ContentError("two POIs share a slug")
    # Everything is validated before the first write, so bad content changes nothing.
    poi_docs = {slug: poi_document(poi) for slug, poi in by_slug.items()}
    journey_docs = {j["slug"]: journey_document(j, by_slug) for j in journeys}
    await tourism_repository.replace_content(db, poi_docs, journey_docs)
    return len(poi_docs) + len(journey_docs)
