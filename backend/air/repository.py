"""Collections of air quality: stations, their hourly readings, each unit's alert state, feeds.

air_readings holds one document per station and hour (`_id` "station|2025-12-03T03:00Z"), so a
reading seen again in the next poll (feeds repeat their last hours) updates nothing: that is the
de-duplication. Each hour carries its concentrations and, once computed, its VN_AQI.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, GEOSPHERE, IndexModel, ReturnDocument, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import DuplicateKeyError

from backend import geo
from backend.air.models import (
    HourDoc,
    IndexDoc,
    Reading,
    SentDoc,
    StationDoc,
    StationInfo,
    UnitStateDoc,
)
from backend.air.vnaqi import Band
from backend.db import Database

STATIONS = "air_stations"
READINGS = "air_readings"
UNIT_STATES = "air_unit_states"
FEEDS = "air_feeds"
LOCATION_INDEX = "location_2dsphere"

INDEXES: Mapping[str, Sequence[IndexModel]] = {
    STATIONS: [IndexModel([("location", GEOSPHERE)], name=LOCATION_INDEX)],
    READINGS: [
        # A station's hours, newest first (history, NowCast windows).
        IndexModel([("station_id", ASCENDING), ("hour", DESCENDING)], name="station_hour"),
        # The open data export: every station's hours in a time range.
        IndexModel([("hour", ASCENDING), ("station_id", ASCENDING)], name="hour_station"),
    ],
    UNIT_STATES: [IndexModel([("active_alert_id", ASCENDING)], name="active_alert")],
    FEEDS: [],  # _id lookups only
}


def _reading_id(station_id: str, hour: datetime) -> str:
    return f"{station_id}|{hour:%Y-%m-%dT%H:%MZ}"


# --- stations ----------------------------------------------------------------------------------


async def upsert_stations(db: Database, stations: Sequence[StationInfo], *, now: datetime) -> None:
    """Record the stations a feed describes (names and places may change)."""
    if not stations:
        return
    await db[STATIONS].bulk_write(
        [
            UpdateOne(
                {"_id": station.id},
                {
                    "$set": {
                        "name": station.name,
                        "location": geo.point(lat=station.lat, lng=station.lng),
                        "source": station.source,
                        "sample": station.sample,
                        "seen_at": now,
                    }
                },
                upsert=True,
            )
            for station in stations
        ],
        ordered=False,
    )


async def all_stations(db: Database, limit: int = 500) -> list[StationDoc]:
    """Every station in id order (a city has tens)."""
    docs = await db[STATIONS].find({}).sort("_id", ASCENDING).limit(limit).to_list(None)
    return [StationDoc.from_mongo(doc) for doc in docs]


async def get_station(db: Database, station_id: str) -> StationDoc | None:
    doc = await db[STATIONS].find_one({"_id": station_id})
    return StationDoc.from_mongo(doc) if doc else None


async def nearest_stations(
    db: Database, *, lat: float, lng: float, limit: int
) -> list[tuple[StationDoc, float]]:
    """Stations nearest a point with their distance in metres."""
    cursor = await db[STATIONS].aggregate(
        [
            geo.geo_near(lat=lat, lng=lng, key="location"),
            {"$sort": {geo.DISTANCE_FIELD: ASCENDING, "_id": ASCENDING}},
            {"$limit": limit},
        ]
    )
    return [(StationDoc.from_mongo(doc), float(doc[geo.DISTANCE_FIELD])) async for doc in cursor]


async def set_latest(
    db: Database, station_id: str, *, latest: IndexDoc, alert_band: Band, now: datetime
) -> None:
    """A station's newest hourly index and the band its alerts follow."""
    await db[STATIONS].update_one(
        {"_id": station_id},
        {
            "$set": {
                "latest": latest.to_mongo(),
                "latest_hour": latest.hour,
                "alert_band": int(alert_band),
                "stale": False,
                "updated_at": now,
            }
        },
    )


async def mark_stale(db: Database, *, older_than: datetime) -> list[str]:
    """Flag stations whose newest hour is older than `older_than`; returns the newly flagged."""
    query = {"stale": {"$ne": True}, "latest_hour": {"$lt": older_than}}
    ids = [doc["_id"] async for doc in db[STATIONS].find(query, {"_id": 1})]
    if ids:
        await db[STATIONS].update_many({"_id": {"$in": ids}}, {"$set": {"stale": True}})
    return ids


# --- readings ----------------------------------------------------------------------------------


async def store_readings(
    db: Database, readings: Sequence[Reading], *, now: datetime
) -> tuple[dict[str, datetime], int]:
    """Store readings by station and hour; returns, per station, the earliest hour that changed
    (new or revised values), and how many readings changed something. A reading seen before
    changes nothing."""
    by_hour: dict[str, dict[str, Any]] = {}
    for reading in readings:
        key = _reading_id(reading.station_id, reading.hour)
        entry = by_hour.setdefault(
            key, {"station_id": reading.station_id, "hour": reading.hour, "values": {}}
        )
        entry["values"][reading.pollutant.value] = reading.value
    changed: dict[str, datetime] = {}
    stored = 0
    for key, entry in by_hour.items():
        values: dict[str, float] = entry["values"]
        # Only values that differ: a repeated reading matches nothing and writes nothing.
        revised = await db[READINGS].update_one(
            {"_id": key, "$or": [{f"values.{name}": {"$ne": v}} for name, v in values.items()]},
            {
                "$set": {**{f"values.{name}": v for name, v in values.items()}, "updated_at": now},
                "$unset": {"index": ""},
            },
        )
        if not revised.modified_count:
            inserted = await db[READINGS].update_one(
                {"_id": key},
                {
                    "$setOnInsert": {
                        "station_id": entry["station_id"],
                        "hour": entry["hour"],
                        "values": values,
                        "updated_at": now,
                    }
                },
                upsert=True,
            )
            if inserted.upserted_id is None:
                continue
        station, hour = entry["station_id"], entry["hour"]
        changed[station] = min(hour, changed.get(station, hour))
        stored += len(values)
    return changed, stored


async def hours_of(
    db: Database, station_id: str, *, since: datetime, until: datetime
) -> list[HourDoc]:
    """A station's stored hours in [since, until], oldest first."""
    cursor = (
        db[READINGS]
        .find({"station_id": station_id, "hour": {"$gte": since, "$lte": until}})
        .sort("hour", DESCENDING)
    )
    docs = await cursor.to_list(None)
    return [HourDoc.from_mongo(doc) for doc in reversed(docs)]


async def set_index(db: Database, station_id: str, index: IndexDoc) -> None:
    await db[READINGS].update_one(
        {"_id": _reading_id(station_id, index.hour)}, {"$set": {"index": index.to_mongo()}}
    )


async def hours_between(
    db: Database, *, since: datetime, until: datetime, limit: int
) -> list[HourDoc]:
    """Every station's hours in [since, until), by hour then station (the open data export)."""
    cursor = (
        db[READINGS]
        .find({"hour": {"$gte": since, "$lt": until}})
        .sort([("hour", ASCENDING), ("station_id", ASCENDING)])
        .limit(limit)
    )
    return [HourDoc.from_mongo(doc) async for doc in cursor]


# --- feeds -------------------------------------------------------------------------------------


async def claim_poll(db: Database, feed: str, *, now: datetime, every: timedelta) -> bool:
    """Take this feed's next poll (one worker among several); False when it is not due."""
    try:
        doc = await db[FEEDS].find_one_and_update(
            {"_id": feed, "$or": [{"next_poll_at": {"$lte": now}}, {"next_poll_at": None}]},
            {"$set": {"next_poll_at": now + every, "polled_at": now}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        return False  # not due: the upsert tried to insert the existing feed's document
    return doc is not None


async def record_feed_outcome(db: Database, feed: str, *, now: datetime, error: str | None) -> None:
    """Remember when the feed last worked, or why it did not."""
    update: dict[str, Any] = (
        {"$set": {"last_error": error, "failed_at": now}, "$inc": {"failures": 1}}
        if error
        else {"$set": {"ok_at": now, "last_error": None, "failures": 0}}
    )
    await db[FEEDS].update_one({"_id": feed}, update, upsert=True)


# --- unit alert states -------------------------------------------------------------------------


async def unit_states(db: Database) -> dict[str, UnitStateDoc]:
    return {doc["_id"]: UnitStateDoc.from_mongo(doc) async for doc in db[UNIT_STATES].find({})}


def _state_fields(state: UnitStateDoc) -> dict[str, Any]:
    return {
        "station_id": state.station_id,
        "active_alert_id": state.active_alert_id,
        "active_band": int(state.active_band) if state.active_band else None,
        "last_sent": {
            str(int(band)): {"alert_id": sent.alert_id, "at": sent.at}
            for band, sent in state.last_sent.items()
        },
    }


async def save_unit_states(
    db: Database,
    states: Sequence[UnitStateDoc],
    *,
    session: AsyncClientSession | None = None,
) -> None:
    if not states:
        return
    await db[UNIT_STATES].bulk_write(
        [
            UpdateOne({"_id": state.unit}, {"$set": _state_fields(state)}, upsert=True)
            for state in states
        ],
        ordered=False,
        session=session,
    )


async def units_of_alert(db: Database, alert_id: ObjectId) -> list[str]:
    return [doc["_id"] async for doc in db[UNIT_STATES].find({"active_alert_id": alert_id})]


def sent(alert_id: ObjectId, at: datetime) -> SentDoc:
    return SentDoc(alert_id=alert_id, at=at)
