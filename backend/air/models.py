"""Storage shapes of air quality: stations, hourly readings, each unit's alert state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bson import ObjectId

from backend.air.vnaqi import Band, Pollutant, band_of

# A station whose newest hour is older than this is stale (shown greyed, sends no alerts).
DEFAULT_STALE = timedelta(hours=3)
HISTORY_HOURS = 48
# Alerts start at "xấu / bad" (151+); URGENT (through quiet hours) from "nguy hại" (301+).
ALERT_BANDS = frozenset({Band.BAD, Band.VERY_BAD, Band.HAZARDOUS})
URGENT_BAND = Band.HAZARDOUS
# A station leaves a band only once its index is this far below the band's floor, so a value
# hovering at 150/151 does not flap (entering is immediate: a rise must not wait).
HYSTERESIS = 10
# At most one alert per unit per band in this window; a band re-entered sooner re-shows the
# earlier alert without pushing it again.
REALERT_AFTER = timedelta(hours=6)
# An automatic alert stays in force this long after the last reading that kept its band; each
# poll extends it, so a station that goes silent lets its alert lapse instead of keeping it.
ALERT_HOLD = timedelta(hours=3)
SYSTEM_ACTOR = "system:air"
ORIGIN_KIND = "air"


class AuditAction(StrEnum):
    AUTO_SEND = "alert.auto_send"
    AUTO_EXPIRE = "alert.auto_expire"
    EDIT = "alert.edit"
    CANCEL = "alert.cancel"


class FeedFormat(StrEnum):
    STATIONS = "stations"  # a CSV/JSON station export (the city's kind)
    OPENAQ = "openaq"  # the OpenAQ v3 API


@dataclass(frozen=True, kw_only=True)
class StationInfo:
    """A station as a feed describes it."""

    id: str
    name: dict[str, str]
    lat: float
    lng: float
    source: str
    sample: bool = False


@dataclass(frozen=True, kw_only=True)
class Reading:
    """One pollutant's 1-hour average (µg/m³) at a station, at the hour its source labels it
    with (the end of the averaging hour for OpenAQ and the city's exports), in UTC."""

    station_id: str
    pollutant: Pollutant
    hour: datetime
    value: float


@dataclass(kw_only=True)
class FeedBatch:
    """What one fetch or one file gave: stations, readings, and how many rows were refused."""

    stations: list[StationInfo] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    rejected: int = 0
    sample: bool = False  # made-up data (make run): its times are moved to the present


@dataclass(frozen=True, kw_only=True)
class IndexDoc:
    """A station's hourly VN_AQI for one hour."""

    hour: datetime
    aqi: int
    band: Band
    dominant: Pollutant
    sub_indices: dict[Pollutant, int]
    concentrations: dict[Pollutant, float]

    def to_mongo(self) -> dict[str, Any]:
        return {
            "hour": self.hour,
            "aqi": self.aqi,
            "band": int(self.band),
            "dominant": self.dominant.value,
            "sub": {p.value: v for p, v in self.sub_indices.items()},
            "conc": {p.value: v for p, v in self.concentrations.items()},
        }

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> IndexDoc:
        return cls(
            hour=doc["hour"],
            aqi=doc["aqi"],
            band=Band(doc["band"]),
            dominant=Pollutant(doc["dominant"]),
            sub_indices={Pollutant(k): v for k, v in doc.get("sub", {}).items()},
            concentrations={Pollutant(k): v for k, v in doc.get("conc", {}).items()},
        )


@dataclass(frozen=True, kw_only=True)
class StationDoc:
    id: str
    name: dict[str, str]
    lat: float
    lng: float
    source: str
    sample: bool
    latest: IndexDoc | None
    alert_band: Band | None  # the band with hysteresis, which alerts follow

    def stale(self, now: datetime, stale_after: timedelta = DEFAULT_STALE) -> bool:
        return self.latest is None or self.latest.hour < now - stale_after

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> StationDoc:
        lng, lat = doc["location"]["coordinates"]
        latest = doc.get("latest")
        return cls(
            id=doc["_id"],
            name=doc["name"],
            lat=lat,
            lng=lng,
            source=doc.get("source", ""),
            sample=bool(doc.get("sample", False)),
            latest=IndexDoc.from_mongo(latest) if latest else None,
            alert_band=Band(doc["alert_band"]) if doc.get("alert_band") else None,
        )


@dataclass(frozen=True, kw_only=True)
class HourDoc:
    """One stored hour of a station: concentrations and, once computed, its index."""

    station_id: str
    hour: datetime
    values: dict[Pollutant, float]
    index: IndexDoc | None

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> HourDoc:
        index = doc.get("index")
        return cls(
            station_id=doc["station_id"],
            hour=doc["hour"],
            values={Pollutant(k): v for k, v in doc.get("values", {}).items()},
            index=IndexDoc.from_mongo(index) if index else None,
        )


@dataclass(frozen=True, kw_only=True)
class SentDoc:
    alert_id: ObjectId
    at: datetime


@dataclass(frozen=True, kw_only=True)
class UnitStateDoc:
    """Where a ward or commune stands: its station, the alert in force, the last per band."""

    unit: str
    station_id: str | None = None
    active_alert_id: ObjectId | None = None
    active_band: Band | None = None
    last_sent: dict[Band, SentDoc] = field(default_factory=dict)

    @classmethod
    def from_mongo(cls, doc: dict[str, Any]) -> UnitStateDoc:
        return cls(
            unit=doc["_id"],
            station_id=doc.get("station_id"),
            active_alert_id=doc.get("active_alert_id"),
            active_band=Band(doc["active_band"]) if doc.get("active_band") else None,
            last_sent={
                Band(int(band)): SentDoc(alert_id=sent["alert_id"], at=sent["at"])
                for band, sent in (doc.get("last_sent") or {}).items()
            },
        )


def band_with_hysteresis(previous: Band | None, aqi: int) -> Band:
    """The band alerts follow: up at once, down only HYSTERESIS points below the floor."""
    raw = band_of(aqi)
    if previous is None or raw >= previous:
        return raw
    return min(previous, band_of(aqi + HYSTERESIS))
