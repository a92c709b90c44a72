"""Feed adapters: the OpenAQ v3 API and the CSV/JSON station exports the city publishes.

An adapter turns what a source returns into a `FeedBatch` (stations, 1-hour readings in µg/m³,
and a count of refused rows). Parsing is separate from fetching, so `air ingest FILE`, the
worker's poll and the tests on recorded responses share the same code. A row that is not a
number, is negative or is beyond what any instrument reports is refused, never stored: a feed
that returns garbage must not raise an alert.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx
import orjson

from backend.air.models import FeedBatch, FeedFormat, Reading, StationInfo
from backend.air.vnaqi import Pollutant

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Beyond these (µg/m³) a value is an instrument or feed fault, not air (Hanoi's worst hours
# reach a few hundred µg/m³ of PM2.5).
PLAUSIBLE_MAX: Mapping[Pollutant, float] = {
    Pollutant.PM25: 1_000,
    Pollutant.PM10: 2_000,
    Pollutant.O3: 2_000,
    Pollutant.NO2: 5_000,
    Pollutant.SO2: 5_000,
    Pollutant.CO: 200_000,
}
# Molar masses (g/mol) to convert ppm/ppb at 25 °C and 1 atm (molar volume 24.45 L).
MOLAR_MASS: Mapping[Pollutant, float] = {
    Pollutant.O3: 48.00,
    Pollutant.NO2: 46.01,
    Pollutant.SO2: 64.07,
    Pollutant.CO: 28.01,
}
MOLAR_VOLUME = 24.45
MAX_FEED_BYTES = 5_000_000


class FeedError(Exception):
    """The feed could not be read or understood; `reason` labels the metric."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def hour_of(moment: datetime) -> datetime:
    """The UTC hour a timestamp falls in (naive timestamps are Hanoi time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=HANOI)
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _parse_time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError("time is not a string")
    return hour_of(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))


def plausible(pollutant: Pollutant, value: Any) -> float | None:
    """The value as a float when it is a believable concentration, else None."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or number < 0 or number > PLAUSIBLE_MAX[pollutant]:
        return None
    return number


def to_micrograms(pollutant: Pollutant, value: float, unit: str) -> float | None:
    """µg/m³ from µg/m³, mg/m³, ppm or ppb (gases only); None for an unknown unit."""
    unit = unit.strip().lower().replace("μ", "µ").replace("ug", "µg")
    if unit in ("µg/m³", "µg/m3"):
        return value
    if unit in ("mg/m³", "mg/m3"):
        return value * 1000
    if pollutant in MOLAR_MASS and unit in ("ppm", "ppb"):
        ppm = value if unit == "ppm" else value / 1000
        return ppm * MOLAR_MASS[pollutant] * 1000 / MOLAR_VOLUME
    return None


# --- the city's station export (CSV or JSON) ---------------------------------------------------

CSV_COLUMNS = ("station_id", "station_name", "lat", "lng", "time")


def _station(
    raw_id: Any, name: Any, lat: Any, lng: Any, *, source: str, sample: bool
) -> StationInfo:
    station_id = str(raw_id).strip()
    if not station_id or len(station_id) > 64:
        raise ValueError("bad station id")
    latitude, longitude = float(lat), float(lng)
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError("bad coordinates")
    if isinstance(name, Mapping):
        names = {k: str(v) for k, v in name.items() if k in ("vi", "en") and v}
    else:
        names = {"vi": str(name or station_id)}
    names.setdefault("vi", names.get("en") or station_id)
    names.setdefault("en", names["vi"])
    return StationInfo(
        id=station_id, name=names, lat=latitude, lng=longitude, source=source, sample=sample
    )


def _readings(station_id: str, hour: datetime, row: Mapping[str, Any]) -> tuple[list[Reading], int]:
    readings, rejected = [], 0
    for pollutant in Pollutant:
        raw = row.get(pollutant.value)
        if raw is None or raw == "":
            continue
        value = plausible(pollutant, raw)
        if value is None:
            rejected += 1
            continue
        readings.append(Reading(station_id=station_id, pollutant=pollutant, hour=hour, value=value))
    return readings, rejected


def parse_station_csv(data: bytes, *, source: str = "city") -> FeedBatch:
    """A CSV export: station_id, station_name, lat, lng, time, then pm25, pm10, o3, no2, so2, co."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FeedError("parse", "the CSV is not UTF-8") from error
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or not set(CSV_COLUMNS) <= set(reader.fieldnames):
        raise FeedError("parse", f"the CSV needs the columns {', '.join(CSV_COLUMNS)}")
    batch = FeedBatch()
    seen: dict[str, StationInfo] = {}
    for row in reader:
        try:
            station = _station(
                row["station_id"], row["station_name"], row["lat"], row["lng"],
                source=source, sample=False,
            )  # fmt: skip
            hour = _parse_time(row["time"])
        except (TypeError, ValueError):
            batch.rejected += 1
            continue
        seen.setdefault(station.id, station)
        readings, rejected = _readings(station.id, hour, row)
        batch.readings.extend(readings)
        batch.rejected += rejected
    batch.stations = list(seen.values())
    return batch


def parse_station_json(data: bytes, *, source: str = "city") -> FeedBatch:
    """A JSON export: {"stations": [{"id", "name", "lat", "lng", "readings": [{"time", ...}]}]}.

    A document with `"sample": true` marks its stations as sample data (`make run`).
    """
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        raise FeedError("parse", "the export is not JSON") from error
    if not isinstance(document, dict) or not isinstance(document.get("stations"), list):
        raise FeedError("parse", 'the export has no "stations" list')
    sample = document.get("sample") is True
    batch = FeedBatch(sample=sample)
    for item in document["stations"]:
        try:
            station = _station(
                item["id"], item.get("name"), item["lat"], item["lng"],
                source="sample" if sample else source, sample=sample,
            )  # fmt: skip
        except (KeyError, TypeError, ValueError):
            batch.rejected += 1
            continue
        batch.stations.append(station)
        for row in item.get("readings") or []:
            try:
                hour = _parse_time(row["time"])
            except (KeyError, TypeError, ValueError):
                batch.rejected += 1
                continue
            readings, rejected = _readings(station.id, hour, row)
            batch.readings.extend(readings)
            batch.rejected += rejected
    return batch


def parse_station_export(data: bytes, *, hint: str = "", source: str = "city") -> FeedBatch:
    """CSV or JSON, by the hint (a file name or content type), else by the first character."""
    hint = hint.lower()
    if "csv" in hint:
        return parse_station_csv(data, source=source)
    if "json" in hint or data.lstrip()[:1] in (b"{", b"["):
        return parse_station_json(data, source=source)
    return parse_station_csv(data, source=source)


# --- OpenAQ v3 ---------------------------------------------------------------------------------


def openaq_station_id(location_id: int | str) -> str:
    return f"openaq-{location_id}"


def parse_openaq(location: Mapping[str, Any], latest: Mapping[str, Any]) -> FeedBatch:
    """`GET /v3/locations/{id}` and `GET /v3/locations/{id}/latest` into a batch.

    `latest` names sensors only (`sensorsId`); the location's `sensors` give each one's
    parameter and unit. Parameters VN_AQI does not use (pm1, temperature...) are skipped.
    """
    try:
        (place,) = location["results"]
        station = _station(
            openaq_station_id(place["id"]),
            place.get("name"),
            place["coordinates"]["latitude"],
            place["coordinates"]["longitude"],
            source="openaq",
            sample=False,
        )
        sensors = {
            sensor["id"]: (sensor["parameter"]["name"], sensor["parameter"]["units"])
            for sensor in place.get("sensors") or []
        }
        results = latest["results"]
        if not isinstance(results, list):
            raise TypeError("results is not a list")
    except (KeyError, TypeError, ValueError) as error:
        raise FeedError("parse", f"not an OpenAQ v3 location/latest response: {error}") from None
    batch = FeedBatch(stations=[station])
    for result in results:
        try:
            name, unit = sensors[result["sensorsId"]]
        except (KeyError, TypeError):
            batch.rejected += 1
            continue
        if name not in Pollutant.__members__.values():
            continue
        pollutant = Pollutant(name)
        try:
            hour = _parse_time(result["datetime"]["utc"])
            raw = float(result["value"])
            converted = to_micrograms(pollutant, raw, str(unit))
        except (KeyError, TypeError, ValueError):
            batch.rejected += 1
            continue
        value = plausible(pollutant, converted)
        if value is None:
            batch.rejected += 1
            continue
        batch.readings.append(
            Reading(station_id=station.id, pollutant=pollutant, hour=hour, value=value)
        )
    return batch


def rebase_sample(batch: FeedBatch, *, now: datetime) -> FeedBatch:
    """Sample data moved in time so its newest hour is the last complete one before `now`."""
    if not batch.sample or not batch.readings:
        return batch
    newest = max(reading.hour for reading in batch.readings)
    shift = hour_of(now) - timedelta(hours=1) - newest
    return FeedBatch(
        stations=batch.stations,
        readings=[replace(r, hour=r.hour + shift) for r in batch.readings],
        rejected=batch.rejected,
        sample=True,
    )


def merge(batches: Iterable[FeedBatch]) -> FeedBatch:
    merged = FeedBatch()
    for batch in batches:
        merged.stations.extend(batch.stations)
        merged.readings.extend(batch.readings)
        merged.rejected += batch.rejected
    return merged


# --- fetching ----------------------------------------------------------------------------------


class FeedAdapter(Protocol):
    """A source of readings; `fetch` raises FeedError when the source is down or unreadable."""

    @property
    def name(self) -> str:
        """Names the feed in logs, metrics and its poll schedule."""
        ...

    async def fetch(self, http: httpx.AsyncClient) -> FeedBatch: ...


async def _get(http: httpx.AsyncClient, url: str, headers: Mapping[str, str]) -> httpx.Response:
    try:
        response = await http.get(url, headers=dict(headers))
    except httpx.TimeoutException as error:
        raise FeedError("timeout", f"{url} did not answer in time") from error
    except httpx.HTTPError as error:
        raise FeedError("unavailable", f"{url}: {type(error).__name__}") from error
    if response.status_code != 200:
        raise FeedError("http", f"{url} answered HTTP {response.status_code}")
    if len(response.content) > MAX_FEED_BYTES:
        raise FeedError("parse", f"{url} sent more than {MAX_FEED_BYTES} bytes")
    return response


@dataclass(frozen=True)
class StationExportFeed:
    """A station export at a URL (http, https) or a path on disk."""

    location: str
    name: str = "stations"

    async def fetch(self, http: httpx.AsyncClient) -> FeedBatch:
        if self.location.startswith(("http://", "https://")):
            response = await _get(http, self.location, {})
            hint = f"{self.location} {response.headers.get('content-type', '')}"
            return parse_station_export(response.content, hint=hint)
        path = Path(self.location.removeprefix("file://"))
        try:
            # A small local file (make run's sample): reading it inline is cheaper than a thread.
            data = path.read_bytes()  # noqa: ASYNC240
        except OSError as error:
            raise FeedError("unavailable", f"cannot read {path}: {error.strerror}") from error
        return parse_station_export(data, hint=path.name)


@dataclass(frozen=True)
class OpenAqFeed:
    """OpenAQ v3: one location and one latest request per configured location id."""

    base_url: str
    location_ids: tuple[str, ...]
    api_key: str | None = None
    name: str = "openaq"

    async def fetch(self, http: httpx.AsyncClient) -> FeedBatch:
        headers = {"X-API-Key": self.api_key} if self.api_key else {}
        base = self.base_url.rstrip("/")
        batches = []
        for location_id in self.location_ids:
            location = await _get(http, f"{base}/v3/locations/{location_id}", headers)
            latest = await _get(http, f"{base}/v3/locations/{location_id}/latest", headers)
            try:
                batches.append(
                    parse_openaq(orjson.loads(location.content), orjson.loads(latest.content))
                )
            except orjson.JSONDecodeError as error:
                raise FeedError("parse", f"OpenAQ location {location_id}: not JSON") from error
        return merge(batches)


def adapter_for(
    *,
    feed: str,
    feed_format: FeedFormat,
    openaq_locations: tuple[str, ...] = (),
    openaq_api_key: str | None = None,
) -> FeedAdapter:
    """The adapter the settings describe."""
    if feed_format is FeedFormat.OPENAQ:
        return OpenAqFeed(base_url=feed, location_ids=openaq_locations, api_key=openaq_api_key)
    return StationExportFeed(location=feed)
