"""Rules of air quality: ingest readings, compute VN_AQI, poll the feed, answer the API.

Ingestion is the same whatever the source (the worker's poll, `air ingest FILE`): stations are
upserted, readings stored by station and hour (repeats change nothing), the hourly VN_AQI is
recomputed from the first changed hour on (a NowCast looks 12 hours back, so a late reading
changes the hours after it), stations that stopped reporting are flagged stale, and the
automatic alerts are evaluated (backend.air.alerts).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx

from backend import metrics
from backend.air import alerts as air_alerts
from backend.air import feeds, vnaqi
from backend.air import repository as air_repository
from backend.air.models import (
    DEFAULT_STALE,
    HISTORY_HOURS,
    FeedBatch,
    FeedFormat,
    HourDoc,
    IndexDoc,
    StationDoc,
    band_with_hysteresis,
)
from backend.db import Database
from backend.meta import repository as meta_repository
from backend.settings import Settings, load_settings

log = logging.getLogger("thanglong.air")

MAX_NEAR = 10


@dataclass(frozen=True, kw_only=True)
class IngestResult:
    stations: int
    stored: int  # readings that were new or revised
    duplicates: int
    rejected: int
    alerts_sent: int


def _index_for(hour: datetime, by_hour: dict[datetime, HourDoc]) -> IndexDoc | None:
    history: dict[vnaqi.Pollutant, list[float | None]] = {}
    for pollutant in vnaqi.Pollutant:
        values = []
        for back in range(vnaqi.NOWCAST_HOURS):
            doc = by_hour.get(hour - timedelta(hours=back))
            values.append(doc.values.get(pollutant) if doc else None)
        if values[0] is not None or pollutant in (vnaqi.Pollutant.PM25, vnaqi.Pollutant.PM10):
            history[pollutant] = values
    result = vnaqi.hourly(history)
    if result is None:
        return None
    return IndexDoc(
        hour=hour,
        aqi=result.aqi,
        band=result.band,
        dominant=result.dominant,
        sub_indices=dict(result.sub_indices),
        concentrations={p: round(c, 1) for p, c in result.concentrations.items()},
    )


async def recompute(db: Database, station: StationDoc, *, since: datetime, now: datetime) -> None:
    """Recompute a station's hourly VN_AQI from `since` on; update its latest and alert band."""
    window = timedelta(hours=vnaqi.NOWCAST_HOURS - 1)
    hours = await air_repository.hours_of(db, station.id, since=since - window, until=now)
    by_hour = {doc.hour: doc for doc in hours}
    previous_hour = station.latest.hour if station.latest else None
    alert_band = station.alert_band
    latest: IndexDoc | None = None
    for doc in hours:
        if doc.hour < since:
            continue
        index = _index_for(doc.hour, by_hour)
        if index is None:
            continue
        await air_repository.set_index(db, station.id, index)
        latest = index
        # Hysteresis follows time: only hours newer than what the station already showed.
        if previous_hour is None or index.hour > previous_hour:
            alert_band = band_with_hysteresis(alert_band, index.aqi)
    if latest is not None and (previous_hour is None or latest.hour >= previous_hour):
        assert alert_band is not None
        await air_repository.set_latest(
            db, station.id, latest=latest, alert_band=alert_band, now=now
        )


async def ingest(
    db: Database, batch: FeedBatch, *, now: datetime, stale_after: timedelta = DEFAULT_STALE
) -> IngestResult:
    """Store a batch, recompute what changed, flag stale stations, send the alerts due."""
    batch = feeds.rebase_sample(batch, now=now)
    # Readings from the future (a feed's clock, or garbage) are refused like any implausible one.
    readings = [r for r in batch.readings if r.hour <= now + timedelta(minutes=10)]
    rejected = batch.rejected + len(batch.readings) - len(readings)
    await air_repository.upsert_stations(db, batch.stations, now=now)
    changed, stored = await air_repository.store_readings(db, readings, now=now)
    if changed:
        stations = {s.id: s for s in await air_repository.all_stations(db)}
        for station_id, since in changed.items():
            if station_id in stations:
                await recompute(db, stations[station_id], since=since, now=now)
    duplicates = len(readings) - stored
    stale = await air_repository.mark_stale(db, older_than=now - stale_after)
    for station_id in stale:
        log.warning("air station %s is stale: no reading for %s", station_id, stale_after)
    metrics.AIR_STATIONS_STALE.inc(len(stale))
    metrics.AIR_READINGS.labels("stored").inc(stored)
    metrics.AIR_READINGS.labels("duplicate").inc(duplicates)
    metrics.AIR_READINGS.labels("rejected").inc(rejected)
    if rejected:
        log.warning("air: %d implausible or unreadable readings refused", rejected)
    sent = await air_alerts.evaluate(db, now=now, stale_after=stale_after)
    if changed:
        # Cached public answers (airQuality, airStations) now show old values.
        await meta_repository.bump_public_version(db)
    return IngestResult(
        stations=len(batch.stations),
        stored=stored,
        duplicates=duplicates,
        rejected=rejected,
        alerts_sent=sent,
    )


# --- the worker's poll -------------------------------------------------------------------------


def adapter_from(settings: Settings) -> feeds.FeedAdapter | None:
    if not settings.air_feed:
        return None
    return feeds.adapter_for(
        feed=settings.air_feed,
        feed_format=FeedFormat(settings.air_feed_format),
        openaq_locations=settings.openaq_locations,
        openaq_api_key=settings.openaq_api_key,
    )


async def poll_feed(
    db: Database,
    adapter: feeds.FeedAdapter,
    *,
    now: datetime,
    every: timedelta,
    timeout_seconds: float,
    stale_after: timedelta = DEFAULT_STALE,
) -> IngestResult | None:
    """Poll one feed if it is due (one worker at a time); a failing feed is logged and counted.

    A feed that is down, slow or sends garbage costs one log line and one metric per poll: the
    next poll waits its turn (no hot retry), nothing is stored, and stations lapse into stale.
    """
    if not await air_repository.claim_poll(db, adapter.name, now=now, every=every):
        return None
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds, trust_env=False) as http:
            batch = await adapter.fetch(http)
    except feeds.FeedError as error:
        log.warning("air feed %s failed (%s): %s", adapter.name, error.reason, error)
        metrics.AIR_FEED_POLLS.labels(adapter.name, error.reason).inc()
        await air_repository.record_feed_outcome(db, adapter.name, now=now, error=str(error))
        # Stations still lapse into stale (and their alerts stop being extended).
        await air_repository.mark_stale(db, older_than=now - stale_after)
        return None
    metrics.AIR_FEED_POLLS.labels(adapter.name, "ok").inc()
    await air_repository.record_feed_outcome(db, adapter.name, now=now, error=None)
    result = await ingest(db, batch, now=now, stale_after=stale_after)
    log.info(
        "air feed %s: %d stored, %d duplicate, %d rejected, %d alerts",
        adapter.name, result.stored, result.duplicates, result.rejected, result.alerts_sent,
    )  # fmt: skip
    return result


_not_before: datetime | None = None


async def poll(db: Database, now: datetime) -> int:
    """Scheduled job (backend.domains.JOBS, run by the push worker): poll AIR_FEED every
    AIR_POLL_SECONDS.

    The worker calls this whenever it is idle; the settings are read at most once a minute.
    """
    global _not_before
    if _not_before is not None and now < _not_before:
        return 0
    _not_before = now + timedelta(minutes=1)
    settings = load_settings()
    adapter = adapter_from(settings)
    if adapter is None:
        return 0
    every = timedelta(seconds=settings.air_poll_seconds)
    _not_before = now + min(every, timedelta(minutes=1))
    result = await poll_feed(
        db,
        adapter,
        now=now,
        every=every,
        timeout_seconds=settings.air_feed_timeout_seconds,
        stale_after=timedelta(minutes=settings.air_stale_minutes),
    )
    return result.stored if result else 0


# --- reads -------------------------------------------------------------------------------------


async def stations(db: Database) -> list[StationDoc]:
    """Every station, in id order."""
    return await air_repository.all_stations(db)


async def station(db: Database, station_id: str) -> StationDoc | None:
    return await air_repository.get_station(db, station_id)


async def nearby(
    db: Database, *, lat: float, lng: float, first: int
) -> list[tuple[StationDoc, float]]:
    """The stations nearest a point, with their distance in metres."""
    return await air_repository.nearest_stations(
        db, lat=lat, lng=lng, limit=max(1, min(first, MAX_NEAR))
    )


async def history(db: Database, *, station_id: str, hours: int, now: datetime) -> list[HourDoc]:
    """A station's hours of the last `hours` (at most 48), oldest first."""
    hours = max(1, min(hours, HISTORY_HOURS))
    return await air_repository.hours_of(
        db, station_id, since=now - timedelta(hours=hours), until=now
    )


CSV_FIELDS: tuple[str, ...] = (
    "station_id", "station_name", "lat", "lng", "hour_utc", "vn_aqi", "band", "dominant",
    *(p.value for p in vnaqi.Pollutant),
)  # fmt: skip


async def csv_rows(
    db: Database, *, since: datetime, until: datetime, limit: int
) -> list[list[Any]]:
    """Rows of /opendata/air.csv: one per station and hour, oldest first."""
    stations = {s.id: s for s in await air_repository.all_stations(db)}
    rows: list[list[Any]] = []
    for doc in await air_repository.hours_between(db, since=since, until=until, limit=limit):
        station = stations.get(doc.station_id)
        if station is None:
            continue
        index = doc.index
        rows.append(
            [
                station.id,
                station.name.get("vi", station.id),
                station.lat,
                station.lng,
                doc.hour.isoformat().replace("+00:00", "Z"),
                index.aqi if index else "",
                vnaqi.BAND_INFO[index.band].name["en"] if index else "",
                index.dominant.value if index else "",
                *(doc.values.get(p, "") for p in vnaqi.Pollutant),
            ]
        )
    return rows


CSV_DEFAULT_RANGE = timedelta(days=7)
CSV_MAX_RANGE = timedelta(days=31)
CSV_MAX_ROWS = 100_000


def csv_range(params: Mapping[str, str], *, now: datetime) -> tuple[datetime, datetime]:
    """The [from, to) of an air.csv request: ISO 8601 (Hanoi time when no offset), at most 31 days;
    the last 7 days by default. ValueError with a message for a bad one."""

    def parse(name: str) -> datetime | None:
        value = params.get(name)
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{name} must be an ISO 8601 date or date-time") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=feeds.HANOI)

    until = parse("to") or now
    try:
        since = parse("from") or until - CSV_DEFAULT_RANGE
    except OverflowError:
        raise ValueError("to is out of range") from None
    if since >= until or until - since > CSV_MAX_RANGE:
        raise ValueError("from must be before to, at most 31 days apart")
    return since, until


async def csv_export(db: Database, *, since: datetime, until: datetime) -> str:
    """The CSV text of /opendata/air.csv."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    writer.writerows(await csv_rows(db, since=since, until=until, limit=CSV_MAX_ROWS))
    return buffer.getvalue()
