"""The air quality API over HTTP: nearest stations, every station, 48 hours, air.csv, and
moderators editing and cancelling an automatic alert (audited)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from backend import audit as audit_log
from backend import outbox
from backend.air import feeds
from backend.air import service as air_service
from backend.db import Database
from backend.notifications import repository as notification_repository
from backend.settings import ROOT
from tests.notifications.test_api import gql_as

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
OPERATIONS = ROOT / "graphql" / "operations" / "air"
AIR_QUALITY = (OPERATIONS / "AirQuality.graphql").read_text(encoding="utf-8")
AIR_STATIONS = (OPERATIONS / "AirStations.graphql").read_text(encoding="utf-8")
HISTORY = (OPERATIONS / "AirStationHistory.graphql").read_text(encoding="utf-8")
AIR_ALERTS = (OPERATIONS / "AirAlerts.graphql").read_text(encoding="utf-8")
EDIT = (OPERATIONS / "AirAlertEdit.graphql").read_text(encoding="utf-8")
CANCEL = (OPERATIONS / "AirAlertCancel.graphql").read_text(encoding="utf-8")
HOAN_KIEM_LAKE = {"lat": 21.0287, "lng": 105.8524}


def export(rows: list[tuple[str, str, float, float, datetime, float]]) -> feeds.FeedBatch:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["station_id", "station_name", "lat", "lng", "time", "pm25", "no2"])
    for station, name, lat, lng, hour, pm25 in rows:
        writer.writerow([station, name, lat, lng, hour.isoformat(), pm25, 40])
    return feeds.parse_station_export(out.getvalue().encode(), hint="x.csv")


def hours_ago(n: int) -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=n)


async def given_stations(db: Database) -> None:
    # Hoàn Kiếm: hazardous for the last 3 hours; Long Biên: good, but 5 hours old (stale)
    rows = [
        ("hn-hoan-kiem", "Hoàn Kiếm", 21.0285, 105.8542, hours_ago(n), 420.0) for n in (3, 2, 1)
    ]
    rows += [("hn-long-bien", "Long Biên", 21.0475, 105.8889, hours_ago(n), 12.0) for n in (6, 5)]
    await air_service.ingest(db, export(rows), now=datetime.now(UTC))


async def test_air_quality_near_a_point_in_the_viewers_language(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database
) -> None:
    await given_stations(db)
    gql = gql_as(client, make_token)
    # when a resident by Hoàn Kiếm lake asks, in English then in Vietnamese
    en = (await gql(AIR_QUALITY, {"near": HOAN_KIEM_LAKE, "first": 5}, locale="en"))["data"]
    vi = (await gql(AIR_QUALITY, {"near": HOAN_KIEM_LAKE}, locale="vi"))["data"]
    # then the nearest station first, with its index, band, dominant pollutant and advice
    nearest, other = en["airQuality"]
    station = nearest["station"]
    assert station["id"] == "hn-hoan-kiem" and nearest["distanceMeters"] < 300
    current = station["current"]
    # NowCast of three hours of 420 is 420: 100/150 x 70 + 400 = 446.7 -> 447
    assert (current["aqi"], current["band"], current["bandName"], current["color"]) == (
        447, "HAZARDOUS", "Hazardous", "#7e0023",
    )  # fmt: skip
    assert current["dominantPollutant"] == "PM25"
    assert current["advice"].startswith("Everyone should stay indoors")
    assert current["measuredAt"].startswith(hours_ago(1).isoformat()[:13])
    assert station["stale"] is False
    assert (other["station"]["id"], other["station"]["stale"]) == ("hn-long-bien", True)
    vi_current = vi["airQuality"][0]["station"]["current"]
    assert (vi_current["bandName"], vi_current["advice"][:21]) == (
        "Nguy hại",
        "Mọi người nên ở trong",
    )
    # every station, and one station's hours (oldest first)
    stations = (await gql(AIR_STATIONS, locale="en"))["data"]["airStations"]
    assert [s["id"] for s in stations] == ["hn-hoan-kiem", "hn-long-bien"]
    history = (await gql(HISTORY, {"id": "hn-hoan-kiem", "hours": 48}))["data"]
    # the first hour has no PM NowCast yet (it needs two of the three latest hours): NO2 40 -> 20
    assert [h["aqi"] for h in history["airStationHistory"]] == [20, 447, 447]
    assert history["airStationHistory"][0]["concentrations"] == [
        {"pollutant": "PM25", "value": 420.0}, {"pollutant": "NO2", "value": 40.0},
    ]  # fmt: skip
    assert (await gql(HISTORY, {"id": "nowhere"}))["data"]["airStation"] is None


async def test_open_data_air_csv(client: httpx.AsyncClient, db: Database) -> None:
    await given_stations(db)
    response = await client.get("/opendata/air.csv")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 5
    last = [r for r in rows if r["station_id"] == "hn-hoan-kiem"][-1]
    assert (last["vn_aqi"], last["band"], last["dominant"], last["pm25"]) == (
        "447", "Hazardous", "pm25", "420.0",
    )  # fmt: skip
    bad = await client.get("/opendata/air.csv", params={"from": "2025-01-01", "to": "2025-06-01"})
    assert bad.status_code == 400


async def test_moderators_edit_and_cancel_an_automatic_alert(
    client: httpx.AsyncClient, make_token: Callable[..., str], db: Database
) -> None:
    # given Hoàn Kiếm's hazardous air raised an alert by itself
    await given_stations(db)
    gql = gql_as(client, make_token)
    listed = await gql(AIR_ALERTS, uid="mod", role="moderator", locale="en")
    [air_alert] = listed["data"]["airAlerts"]
    alert_id = air_alert["alert"]["id"]
    assert (air_alert["band"], air_alert["aqi"], air_alert["alert"]["severity"]) == (
        "HAZARDOUS", 447, "URGENT",
    )  # fmt: skip
    assert "00070" in air_alert["alert"]["areaIds"]
    # residents may not touch it
    denied = await gql(CANCEL, {"input": {"id": alert_id, "reason": "x"}}, uid="someone")
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # when a moderator rewrites it, then cancels it
    edit = await gql(
        EDIT,
        {"input": {"id": alert_id, "reason": "Thêm số điện thoại", "body": {
            "vi": "Hạn chế ra ngoài. Đường dây nóng: 1022.",
            "en": "Stay indoors. Hotline: 1022."}}},
        uid="mod", role="moderator", locale="en",
    )  # fmt: skip
    assert edit["data"]["airAlertEdit"]["errors"] == []
    assert edit["data"]["airAlertEdit"]["airAlert"]["edited"] is True
    assert (
        edit["data"]["airAlertEdit"]["airAlert"]["alert"]["body"] == "Stay indoors. Hotline: 1022."
    )
    cancel = await gql(
        CANCEL, {"input": {"id": alert_id, "reason": "Trạm đo lỗi"}}, uid="mod", role="moderator"
    )
    assert cancel["data"]["airAlertCancel"]["airAlert"]["cancelled"] is True
    # then both are audited with the moderator, the reason and the original text
    audit = await audit_log.entries(db, object_id=alert_id, before=None, limit=10)
    assert [(e.action, e.actor) for e in audit] == [
        ("alert.cancel", "mod"), ("alert.edit", "mod"), ("alert.auto_send", "system:air"),
    ]  # fmt: skip
    assert audit[1].reason == "Thêm số điện thoại"
    assert audit[1].before is not None and audit[1].before["body"]["vi"].startswith("Mọi người")
    # and the next hour, still hazardous, neither extends nor re-sends it
    rows = [("hn-hoan-kiem", "Hoàn Kiếm", 21.0285, 105.8542, hours_ago(0), 430.0)]
    result = await air_service.ingest(db, export(rows), now=datetime.now(UTC) + timedelta(hours=1))
    assert result.alerts_sent == 0
    [doc] = [d async for d in db[notification_repository.ALERTS].find({})]
    assert doc["expires_at"] <= datetime.now(UTC)
    assert await db[outbox.COLLECTION].count_documents({}) == 1
    unknown = await gql(
        CANCEL, {"input": {"id": "0" * 24, "reason": "x"}}, uid="mod", role="moderator"
    )
    assert unknown["data"]["airAlertCancel"]["errors"][0]["code"] == "NOT_FOUND"
