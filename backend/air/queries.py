"""Air quality queries: stations near a point, every station, one station's last 48 hours.

Every field here but airAlerts answers the same to every anonymous viewer in a locale, so the
response cache may hold them (ROOT_FIELDS_CACHEABLE, for backend.graphql_view); the ingest bumps
the public data version whenever a reading changes an index.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from backend import clock
from backend.air import alerts as air_alerts
from backend.air import service as air_service
from backend.air.models import DEFAULT_STALE, HISTORY_HOURS, StationDoc
from backend.air.types import AirAlert, AirHour, AirStation, AirStationNearby
from backend.auth.permissions import IsModerator
from backend.context import Info
from backend.geopoint import GeoPointInput

ROOT_FIELDS_CACHEABLE = frozenset({"airQuality", "airStations", "airStation", "airStationHistory"})


def _stale_after(info: Info) -> timedelta:
    minutes = info.context.settings.air_stale_minutes
    return timedelta(minutes=minutes) if minutes > 0 else DEFAULT_STALE


def _station(info: Info, doc: StationDoc, now: datetime) -> AirStation:
    return AirStation.from_doc(
        doc, info.context.viewer.locale, stale=doc.stale(now, _stale_after(info))
    )


@strawberry.type
class AirQueries:
    @strawberry.field(
        description="The air a resident is breathing: the stations nearest a point (at most 10, "
        "nearest first) with their latest VN_AQI, band, dominant pollutant and advice."
    )
    async def air_quality(
        self, info: Info, near: GeoPointInput, first: int = 3
    ) -> list[AirStationNearby]:
        now = clock.now()
        found = await air_service.nearby(info.context.db, lat=near.lat, lng=near.lng, first=first)
        return [
            AirStationNearby(station=_station(info, doc, now), distance_meters=round(distance, 1))
            for doc, distance in found
        ]

    @strawberry.field(description="Every air quality station, in id order.")
    async def air_stations(self, info: Info) -> list[AirStation]:
        now = clock.now()
        return [_station(info, doc, now) for doc in await air_service.stations(info.context.db)]

    @strawberry.field(description="One air quality station; null when there is none.")
    async def air_station(self, info: Info, id: strawberry.ID) -> AirStation | None:
        doc = await air_service.station(info.context.db, str(id))
        return _station(info, doc, clock.now()) if doc else None

    @strawberry.field(
        description=f"A station's hours, oldest first: the last `hours` (at most {HISTORY_HOURS})."
    )
    async def air_station_history(
        self, info: Info, id: strawberry.ID, hours: int = HISTORY_HOURS
    ) -> list[AirHour]:
        docs = await air_service.history(
            info.context.db, station_id=str(id), hours=hours, now=clock.now()
        )
        return [AirHour.from_doc(doc) for doc in docs]

    @strawberry.field(
        description="Alerts the air quality monitoring sent by itself, newest first (moderators).",
        permission_classes=[IsModerator],
    )
    async def air_alerts(self, info: Info, active: bool = True, first: int = 50) -> list[AirAlert]:
        docs = await air_alerts.automatic_alerts(
            info.context.db,
            active_at=clock.now() if active else None,
            limit=max(1, min(first, 100)),
        )
        return [AirAlert.from_mongo(doc, info.context.viewer.locale) for doc in docs]
