"""Automatic air quality alerts for Hanoi's wards and communes.

Each unit is served by the station nearest its centroid. When that station's band (with
hysteresis, models.band_with_hysteresis) enters "xấu / bad" (151+), "rất xấu / very bad" (201+)
or "nguy hại / hazardous" (301+), the unit gets an alert: one alert, and one push to the
followers of its units, per station and band. Rules:

- at most one alert per unit per band in REALERT_AFTER (6 h): a band re-entered sooner shows the
  earlier alert again without pushing it again;
- URGENT from 301 (delivered through quiet hours), with the schools' advice of document
  5095/SGDĐT-CTTTHSSV; WARNING below;
- pushes go out when the air gets worse; a unit whose air improves into a lower alert band
  gets that band's alert in the app without a push (residents were told of the worse air);
- an alert ends when its band falls (or is replaced by another band's), and lapses ALERT_HOLD
  after the last fresh reading, so a silent station does not keep one in force;
- a stale station changes nothing; an alert a moderator cancelled is not extended nor re-sent
  until the band changes.

Every alert sent and ended is audited (actor "system:air"), in the transaction that does it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bson import ObjectId
from pymongo.asynchronous.client_session import AsyncClientSession

from backend import audit, geo, metrics
from backend.air import repository as air_repository
from backend.air.models import (
    ALERT_BANDS,
    ALERT_HOLD,
    ORIGIN_KIND,
    REALERT_AFTER,
    SYSTEM_ACTOR,
    URGENT_BAND,
    AuditAction,
    SentDoc,
    StationDoc,
    UnitStateDoc,
)
from backend.air.vnaqi import BAND_INFO, SCHOOL_ADVICE, Band
from backend.areas import repository as area_repository
from backend.areas.models import AreaDoc
from backend.audit import AuditEntryDoc
from backend.db import Database, run_transaction
from backend.notifications import repository as notification_repository
from backend.notifications import service as notification_service
from backend.notifications.models import AlertDoc, Severity

log = logging.getLogger("thanglong.air")

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_UNITS = 500


def serving_station(area: AreaDoc, stations: list[StationDoc]) -> StationDoc | None:
    """The station nearest the unit's centroid (ties by station id)."""
    return min(
        stations,
        key=lambda s: (
            geo.haversine_meters(lat1=area.lat, lng1=area.lng, lat2=s.lat, lng2=s.lng),
            s.id,
        ),
        default=None,
    )


def alert_texts(station: StationDoc, band: Band) -> tuple[dict[str, str], dict[str, str]]:
    """Title and body of an automatic alert, in Vietnamese and English."""
    info = BAND_INFO[band]
    assert station.latest is not None
    aqi = station.latest.aqi
    at = station.latest.hour.astimezone(HANOI).strftime("%H:%M %d/%m")
    name_vi, name_en = station.name["vi"], station.name.get("en", station.name["vi"])
    title = {
        "vi": f"Không khí {info.name['vi'].lower()}: VN_AQI {aqi} tại trạm {name_vi}",
        "en": f"{info.name['en']} air: VN_AQI {aqi} at {name_en} station",
    }
    body = {
        locale: " ".join(
            [
                info.advice[locale],
                ("Nhóm nhạy cảm: " if locale == "vi" else "Sensitive groups: ")
                + info.advice_sensitive[locale],
                SCHOOL_ADVICE[band][locale],
                (
                    f"Cảnh báo tự động theo số liệu quan trắc lúc {at}."
                    if locale == "vi"
                    else f"Automatic alert from the reading of {at} (Hanoi time)."
                ),
            ]
        )
        for locale in ("vi", "en")
    }
    return {k: v[:120] for k, v in title.items()}, body


def _audit(
    *, action: AuditAction, alert_id: ObjectId, after: dict[str, object] | None, now: datetime
) -> AuditEntryDoc:
    return AuditEntryDoc(
        id=ObjectId(),
        actor=SYSTEM_ACTOR,
        action=action.value,
        object_type="alert",
        object_id=str(alert_id),
        reason=None,
        before=None,
        after=after,
        at=now,
    )


async def _send(
    db: Database,
    *,
    station: StationDoc,
    band: Band,
    states: list[UnitStateDoc],
    push: bool,
    now: datetime,
) -> AlertDoc:
    title, body = alert_texts(station, band)
    units = sorted(state.unit for state in states)
    assert station.latest is not None
    origin = {
        "kind": ORIGIN_KIND,
        "station_id": station.id,
        "band": int(band),
        "aqi": station.latest.aqi,
        "measured_at": station.latest.hour,
    }

    async def record(session: AsyncClientSession, alert: AlertDoc) -> None:
        entry = _audit(
            action=AuditAction.AUTO_SEND,
            alert_id=alert.id,
            after={"units": units, "station_id": station.id, "band": BAND_INFO[band].name["en"],
                   "aqi": station.latest.aqi if station.latest else None, "pushed": push},
            now=now,
        )  # fmt: skip
        await audit.record(db, entry, session=session)
        updated = [
            replace(
                state,
                active_alert_id=alert.id,
                active_band=band,
                last_sent={**state.last_sent, band: SentDoc(alert_id=alert.id, at=now)},
            )
            for state in states
        ]
        await air_repository.save_unit_states(db, updated, session=session)

    alert = await notification_service.send_automatic_alert(
        db,
        area_ids=units,
        severity=Severity.URGENT if band >= URGENT_BAND else Severity.WARNING,
        title=title,
        body=body,
        deep_link=f"thanglong://air/stations/{station.id}",
        expires_at=now + ALERT_HOLD,
        origin=origin,
        actor=SYSTEM_ACTOR,
        now=now,
        push=push,
        also=record,
    )
    if push:
        metrics.AIR_ALERTS.labels(BAND_INFO[band].name["en"]).inc()
    log.info(
        "air alert %s: %s at station %s (VN_AQI %d) for %d units%s",
        alert.id, BAND_INFO[band].name["en"], station.id, station.latest.aqi, len(units),
        "" if push else " (improving: shown, not pushed)",
    )  # fmt: skip
    return alert


async def _expire(db: Database, alert_ids: set[ObjectId], now: datetime) -> None:
    for alert_id in sorted(alert_ids):

        async def work(session: AsyncClientSession, alert_id: ObjectId = alert_id) -> None:
            ended = await notification_repository.expire_alerts(
                db, [alert_id], at=now, session=session
            )
            if ended:
                entry = _audit(
                    action=AuditAction.AUTO_EXPIRE, alert_id=alert_id, after=None, now=now
                )
                await audit.record(db, entry, session=session)

        await run_transaction(db, work)


async def evaluate(db: Database, *, now: datetime, stale_after: timedelta) -> int:
    """Send, extend, re-show and end automatic alerts for every unit; returns alerts pushed."""
    # Sample stations (make run's made-up feed) never alert: fake data must not reach residents.
    stations = [s for s in await air_repository.all_stations(db) if not s.sample]
    if not stations:
        return 0
    units = await area_repository.page_after(db, after=None, limit=MAX_UNITS)
    states = await air_repository.unit_states(db)
    referenced = {s.active_alert_id for s in states.values() if s.active_alert_id} | {
        sent.alert_id for s in states.values() for sent in s.last_sent.values()
    }
    cancelled = await notification_repository.cancelled_among(db, sorted(referenced))
    to_extend: set[ObjectId] = set()
    to_expire: set[ObjectId] = set()
    # (station, band, pushed) -> the units that get a new alert
    to_send: defaultdict[tuple[str, Band, bool], list[UnitStateDoc]] = defaultdict(list)
    changed: list[UnitStateDoc] = []
    by_id = {station.id: station for station in stations}
    for area in units:
        station = serving_station(area, stations)
        if station is None or station.stale(now, stale_after) or station.alert_band is None:
            continue  # no fresh reading: nothing changes, in-force alerts lapse by themselves
        state = states.get(area.id) or UnitStateDoc(unit=area.id)
        if state.station_id != station.id:
            state = replace(state, station_id=station.id)
            changed.append(state)
        level = station.alert_band if station.alert_band in ALERT_BANDS else None
        if state.active_band == level:
            if state.active_alert_id and state.active_alert_id not in cancelled:
                to_extend.add(state.active_alert_id)
            continue
        if state.active_alert_id:
            to_expire.add(state.active_alert_id)
        worse = level is not None and (state.active_band is None or level > state.active_band)
        state = replace(state, active_alert_id=None, active_band=level)
        if level is not None:
            last = state.last_sent.get(level)
            if last is not None and last.at > now - REALERT_AFTER:
                # Shown again (unless a moderator cancelled it), not pushed again.
                state = replace(state, active_alert_id=last.alert_id)
                if last.alert_id not in cancelled:
                    to_extend.add(last.alert_id)
            else:
                to_send[(station.id, level, worse)].append(state)
                continue  # saved with the alert, in its transaction
        changed.append(state)
    to_expire -= to_extend
    await _expire(db, to_expire, now)
    await notification_repository.extend_alerts(db, sorted(to_extend), until=now + ALERT_HOLD)
    # A unit saved twice (station changed, then sent) keeps the last write: the send's.
    await air_repository.save_unit_states(db, changed)
    for (station_id, band, push), group in sorted(to_send.items()):
        await _send(db, station=by_id[station_id], band=band, states=group, push=push, now=now)
    return sum(1 for (_, _, push) in to_send if push)


async def automatic_alerts(
    db: Database, *, active_at: datetime | None, limit: int
) -> list[dict[str, Any]]:
    """Automatic air quality alerts, newest first (only those in force at `active_at`)."""
    return await notification_repository.origin_alerts(
        db, kind=ORIGIN_KIND, active_at=active_at, limit=limit
    )
