"""GraphQL output types of air quality."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from backend.air.models import HourDoc, IndexDoc, StationDoc
from backend.air.vnaqi import BAND_INFO, Band, Pollutant
from backend.auth.models import Locale
from backend.errors import UserError
from backend.geopoint import GeoPoint
from backend.notifications.models import AlertDoc
from backend.notifications.types import Alert

BandEnum = strawberry.enum(
    Band,
    name="AirQualityBand",
    description="A VN_AQI band (Decision 1459/QĐ-TCMT): GOOD 0-50, MODERATE 51-100, POOR "
    "101-150, BAD 151-200, VERY_BAD 201-300, HAZARDOUS 301+.",
)
PollutantEnum = strawberry.enum(
    Pollutant,
    name="AirPollutant",
    description="A pollutant VN_AQI uses: PM25, PM10, O3, NO2, SO2, CO.",
)


@strawberry.enum(description="Why an air quality mutation did not happen.")
class AirErrorCode(Enum):
    INVALID_INPUT = "invalid_input"
    NOT_FOUND = "not_found"
    CHANGED = "changed"
    FORBIDDEN = "forbidden"


@strawberry.type(description="A problem with an air quality mutation.")
class AirError(UserError):
    code: AirErrorCode = strawberry.field(description="What went wrong.")


@strawberry.type(description="One pollutant's part of an index.")
class AirPollutantIndex:
    pollutant: PollutantEnum = strawberry.field(description="The pollutant.")  # type: ignore[valid-type]
    concentration: float = strawberry.field(
        description="The concentration the sub-index is computed from, in µg/m³ (NowCast for "
        "PM2.5 and PM10, the 1-hour value for gases)."
    )
    sub_index: int = strawberry.field(description="Its VN_AQI sub-index.")


@strawberry.type(description="An hourly VN_AQI with its band, colour and advice.")
class AirIndex:
    aqi: int = strawberry.field(description="VN_AQI (0-500): the largest sub-index.")
    band: BandEnum = strawberry.field(description="The band of the index.")  # type: ignore[valid-type]
    band_name: str = strawberry.field(
        description="The band's name in the viewer's language (Tốt, Trung bình, Kém, Xấu, Rất "
        "xấu, Nguy hại / Good ... Hazardous)."
    )
    color: str = strawberry.field(description="The band's colour, #rrggbb (e.g. #00e400).")
    dominant_pollutant: PollutantEnum = strawberry.field(  # type: ignore[valid-type]
        description="The pollutant that gives the index."
    )
    advice: str = strawberry.field(description="Health advice for everyone, viewer's language.")
    advice_sensitive: str = strawberry.field(
        description="Advice for children, the elderly and people with heart or lung disease."
    )
    measured_at: datetime = strawberry.field(description="The hour the index is for.")
    pollutants: list[AirPollutantIndex] = strawberry.field(
        description="Each pollutant's sub-index, worst first."
    )

    @classmethod
    def from_doc(cls, doc: IndexDoc, locale: Locale) -> AirIndex:
        info = BAND_INFO[doc.band]
        return cls(
            aqi=doc.aqi,
            band=doc.band,
            band_name=info.name[locale.value],
            color=info.color,
            dominant_pollutant=doc.dominant,
            advice=info.advice[locale.value],
            advice_sensitive=info.advice_sensitive[locale.value],
            measured_at=doc.hour,
            pollutants=[
                AirPollutantIndex(
                    pollutant=pollutant,
                    concentration=doc.concentrations.get(pollutant, 0.0),
                    sub_index=value,
                )
                for pollutant, value in sorted(doc.sub_indices.items(), key=lambda kv: -kv[1])
            ],
        )


@strawberry.type(description="An air quality monitoring station.")
class AirStation:
    id: strawberry.ID = strawberry.field(description="Opaque id.")
    name: str = strawberry.field(description="Name in the viewer's language.")
    location: GeoPoint = strawberry.field(description="Where it measures.")
    source: str = strawberry.field(
        description="Where its readings come from: `city` (the city's station export), "
        "`openaq` or `sample` (made-up data for development, never real air)."
    )
    sample: bool = strawberry.field(description="True for made-up sample data (`make run`).")
    current: AirIndex | None = strawberry.field(
        description="Its newest hourly VN_AQI; null before its first reading."
    )
    stale: bool = strawberry.field(
        description="True when its newest reading is older than a few hours: show it greyed."
    )

    @classmethod
    def from_doc(cls, doc: StationDoc, locale: Locale, *, stale: bool) -> AirStation:
        return cls(
            id=strawberry.ID(doc.id),
            name=doc.name.get(locale.value) or doc.name["vi"],
            location=GeoPoint(lat=doc.lat, lng=doc.lng),
            source=doc.source,
            sample=doc.sample,
            current=AirIndex.from_doc(doc.latest, locale) if doc.latest else None,
            stale=stale,
        )


@strawberry.type(description="A station near a point.")
class AirStationNearby:
    station: AirStation = strawberry.field(description="The station.")
    distance_meters: float = strawberry.field(description="From the point to the station.")


@strawberry.type(description="A pollutant's 1-hour concentration.")
class AirConcentration:
    pollutant: PollutantEnum = strawberry.field(description="The pollutant.")  # type: ignore[valid-type]
    value: float = strawberry.field(description="µg/m³ (CO too).")


@strawberry.type(description="One hour of a station.")
class AirHour:
    hour: datetime = strawberry.field(description="The hour the readings are for.")
    aqi: int | None = strawberry.field(description="Hourly VN_AQI; null without enough data.")
    band: BandEnum | None = strawberry.field(description="Its band.")  # type: ignore[valid-type]
    color: str | None = strawberry.field(description="The band's colour, #rrggbb.")
    dominant_pollutant: PollutantEnum | None = strawberry.field(  # type: ignore[valid-type]
        description="The pollutant that gives the index."
    )
    concentrations: list[AirConcentration] = strawberry.field(
        description="The 1-hour concentrations measured."
    )

    @classmethod
    def from_doc(cls, doc: HourDoc) -> AirHour:
        index = doc.index
        return cls(
            hour=doc.hour,
            aqi=index.aqi if index else None,
            band=index.band if index else None,
            color=BAND_INFO[index.band].color if index else None,
            dominant_pollutant=index.dominant if index else None,
            concentrations=[
                AirConcentration(pollutant=p, value=doc.values[p])
                for p in Pollutant
                if p in doc.values
            ],
        )


@strawberry.type(description="An alert the air quality monitoring sent by itself.")
class AirAlert:
    alert: Alert = strawberry.field(description="The alert as residents see it.")
    station_id: strawberry.ID = strawberry.field(description="The station that raised it.")
    band: BandEnum = strawberry.field(description="The band it announces.")  # type: ignore[valid-type]
    aqi: int = strawberry.field(description="The VN_AQI that raised it.")
    cancelled: bool = strawberry.field(description="True once a moderator cancelled it.")
    edited: bool = strawberry.field(description="True once a moderator edited it.")

    @classmethod
    def from_mongo(cls, doc: dict[str, Any], locale: Locale) -> AirAlert:
        origin = doc["origin"]
        return cls(
            alert=Alert.from_doc(AlertDoc.from_doc(doc), locale),
            station_id=strawberry.ID(origin["station_id"]),
            band=Band(origin["band"]),
            aqi=origin["aqi"],
            cancelled="cancelled_at" in doc,
            edited="edited_at" in doc,
        )
