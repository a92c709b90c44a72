"""Feed adapters on recorded responses served from loopback, and a poll that survives bad feeds."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from backend import outbox
from backend.air import cli as air_cli
from backend.air import feeds
from backend.air import repository as air_repository
from backend.air import service as air_service
from backend.air.vnaqi import Pollutant
from backend.db import Database
from backend.notifications import repository as notification_repository
from backend.settings import ROOT, Settings
from tests.air.conftest import FIXTURES, FeedServer

NOW = datetime(2025, 12, 3, 3, 10, tzinfo=UTC)  # 10:10 in Hanoi


def polls(outcome: str, feed: str = "stations") -> float:
    value = REGISTRY.get_sample_value(
        "thanglong_air_feed_polls_total", {"feed": feed, "outcome": outcome}
    )
    return value or 0.0


def csv_rows(*rows: str) -> bytes:
    header = "station_id,station_name,lat,lng,time,pm25,pm10,o3,no2,so2,co\n"
    return (header + "".join(row + "\n" for row in rows)).encode()


async def test_openaq_location_and_latest_become_readings_in_micrograms(
    feed_server: FeedServer,
) -> None:
    # given OpenAQ v3 responses for one location, recorded, served from loopback
    feed_server.serve(
        "/v3/locations/2161292", (FIXTURES / "openaq-location-2161292.json").read_bytes()
    )
    feed_server.serve(
        "/v3/locations/2161292/latest", (FIXTURES / "openaq-latest-2161292.json").read_bytes()
    )
    adapter = feeds.OpenAqFeed(
        base_url=feed_server.url, location_ids=("2161292",), api_key="test-key"
    )
    # when fetched
    async with httpx.AsyncClient(timeout=5, trust_env=False) as http:
        batch = await adapter.fetch(http)
    # then one station, readings by sensor parameter, ppm converted at 25 °C
    [station] = batch.stations
    assert (station.id, station.name["vi"], station.source) == (
        "openaq-2161292", "Nguyễn Văn Cừ", "openaq",
    )  # fmt: skip
    assert (station.lat, station.lng) == (21.04975, 105.8827)
    values = {reading.pollutant: reading.value for reading in batch.readings}
    assert values[Pollutant.PM25] == 91.3
    assert values[Pollutant.PM10] == 120.0
    # NO2 0.0532 ppm x 46.01 g/mol x 1000 / 24.45 L/mol = 100.11 µg/m³; CO 1.2 ppm = 1374.7 µg/m³
    assert values[Pollutant.NO2] == pytest.approx(100.11, abs=0.01)
    assert values[Pollutant.CO] == pytest.approx(1374.7, abs=0.1)
    assert {reading.hour for reading in batch.readings} == {datetime(2025, 12, 3, 3, tzinfo=UTC)}
    # temperature is not a VN_AQI pollutant (skipped); a -999 PM10 is refused
    assert len(batch.readings) == 4
    assert batch.rejected == 1
    assert all(headers.get("X-API-Key") == "test-key" for _, headers in feed_server.requests)


def test_station_csv_refuses_garbage_rows_and_keeps_good_ones() -> None:
    data = csv_rows(
        "hn-a,Trạm A,21.03,105.85,2025-12-03T10:00:00+07:00,80.5,100,,40,15,1200",
        "hn-a,Trạm A,21.03,105.85,not-a-time,80,100,60,40,15,1200",
        "hn-b,Trạm B,north,105.85,2025-12-03T10:00:00+07:00,80,100,60,40,15,1200",
        "hn-a,Trạm A,21.03,105.85,2025-12-03 11:00,n/a,99999,60,40,15,1200",
    )
    batch = feeds.parse_station_export(data, hint="export.csv")
    assert [s.id for s in batch.stations] == ["hn-a"]
    # 10:00 +07:00 is 03:00 UTC; a naive time is Hanoi time (11:00 -> 04:00 UTC)
    by_hour: dict[datetime, dict[Pollutant, float]] = {}
    for reading in batch.readings:
        by_hour.setdefault(reading.hour, {})[reading.pollutant] = reading.value
    assert by_hour[datetime(2025, 12, 3, 3, tzinfo=UTC)][Pollutant.PM25] == 80.5
    assert Pollutant.O3 not in by_hour[datetime(2025, 12, 3, 3, tzinfo=UTC)]  # empty: no reading
    assert set(by_hour[datetime(2025, 12, 3, 4, tzinfo=UTC)]) == {
        Pollutant.O3, Pollutant.NO2, Pollutant.SO2, Pollutant.CO,
    }  # fmt: skip
    # two rows without a time or a place, "n/a" PM2.5 and an impossible PM10
    assert batch.rejected == 4


def test_station_json_export_and_its_sample_label() -> None:
    batch = feeds.parse_station_export((ROOT / "content" / "air" / "sample-feed.json").read_bytes())
    assert batch.sample is True
    assert all(
        station.sample and station.name["vi"].startswith("[Mẫu]") for station in batch.stations
    )
    moved = feeds.rebase_sample(batch, now=NOW)
    assert max(reading.hour for reading in moved.readings) == datetime(2025, 12, 3, 2, tzinfo=UTC)


def test_a_feed_that_is_not_an_export_is_a_parse_error() -> None:
    with pytest.raises(feeds.FeedError) as caught:
        feeds.parse_station_export(b'{"results": []}')
    assert caught.value.reason == "parse"


async def test_repeated_readings_are_stored_once(db: Database, feed_server: FeedServer) -> None:
    # given a feed that repeats its last hours in every answer
    feed_server.serve(
        "/export.csv",
        csv_rows(
            "hn-a,Trạm A,21.03,105.85,2025-12-03T09:00:00+07:00,40,50,60,40,15,1200",
            "hn-a,Trạm A,21.03,105.85,2025-12-03T10:00:00+07:00,42,50,60,40,15,1200",
        ),
        "text/csv",
    )
    adapter = feeds.StationExportFeed(location=f"{feed_server.url}/export.csv")
    every = timedelta(minutes=15)
    # when polled twice, the poll's period apart
    first = await air_service.poll_feed(db, adapter, now=NOW, every=every, timeout_seconds=5)
    early = await air_service.poll_feed(
        db, adapter, now=NOW + timedelta(minutes=5), every=every, timeout_seconds=5
    )
    second = await air_service.poll_feed(
        db, adapter, now=NOW + every, every=every, timeout_seconds=5
    )
    # then the first stores 12 readings, a poll before its time does nothing, the repeat stores 0
    assert first is not None and (first.stored, first.duplicates) == (12, 0)
    assert early is None
    assert second is not None and (second.stored, second.duplicates) == (0, 12)
    assert await db[air_repository.READINGS].count_documents({}) == 2
    station = await air_repository.get_station(db, "hn-a")
    assert station is not None and station.latest is not None
    assert station.latest.hour == datetime(2025, 12, 3, 3, tzinfo=UTC)
    # NowCast of 42, 40 (w = 40/42): 41.02 µg/m³ -> 50/25 x 16.02 + 50 = 82
    assert (station.latest.aqi, station.latest.dominant) == (82, Pollutant.PM25)


@pytest.mark.parametrize("failure", ["http", "timeout", "parse", "unavailable"])
async def test_a_failing_feed_logs_counts_and_waits_its_turn(
    db: Database, feed_server: FeedServer, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    # given a feed that is down (500), too slow, sends garbage, or is not there at all
    path = "/export.csv"
    if failure == "http":
        feed_server.routes[path] = lambda: (500, "text/plain", b"oops")
    elif failure == "timeout":
        feed_server.hang.add(path)
        feed_server.serve(path, csv_rows())
    elif failure == "parse":
        feed_server.serve(path, b"\x00\xff<html>maintenance</html>", "text/csv")
    url = f"{feed_server.url}{path}" if failure != "unavailable" else "http://127.0.0.1:9/x.csv"
    adapter = feeds.StationExportFeed(location=url)
    before = polls(failure)
    # when polled
    with caplog.at_level(logging.WARNING, logger="thanglong.air"):
        result = await air_service.poll_feed(
            db, adapter, now=NOW, every=timedelta(minutes=15), timeout_seconds=0.3
        )
    # then nothing is stored, one clear log line and one metric, and no retry before its time
    assert result is None
    assert polls(failure) == before + 1
    [line] = [r.getMessage() for r in caplog.records if r.name == "thanglong.air"]
    assert line.startswith(f"air feed stations failed ({failure})")
    assert await db[air_repository.READINGS].count_documents({}) == 0
    again = await air_service.poll_feed(
        db,
        adapter,
        now=NOW + timedelta(minutes=1),
        every=timedelta(minutes=15),
        timeout_seconds=0.3,
    )
    assert again is None and polls(failure) == before + 1
    feed_state = await db[air_repository.FEEDS].find_one({"_id": "stations"})
    assert feed_state is not None and feed_state["failures"] == 1


async def test_garbage_values_raise_no_alert(db: Database, feed_server: FeedServer) -> None:
    # given a feed whose instrument reports absurd values for Hoàn Kiếm
    feed_server.serve(
        "/export.csv",
        csv_rows(
            *(
                f"hn-a,Trạm A,21.0285,105.8542,2025-12-03T{h:02d}:00:00+07:00,5000,99999,,,,"
                for h in (8, 9, 10)
            )
        ),
        "text/csv",
    )
    adapter = feeds.StationExportFeed(location=f"{feed_server.url}/export.csv")
    # when polled
    result = await air_service.poll_feed(
        db, adapter, now=NOW, every=timedelta(minutes=15), timeout_seconds=5
    )
    # then every value is refused: no index, no alert, no push queued
    assert result is not None and (result.stored, result.rejected, result.alerts_sent) == (0, 6, 0)
    station = await air_repository.get_station(db, "hn-a")
    assert station is not None and station.latest is None
    assert await db[notification_repository.ALERTS].count_documents({}) == 0
    assert await db[outbox.COLLECTION].count_documents({}) == 0


async def test_operators_ingest_a_file(
    db: Database, fcm_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given the recorded day as a file, and an OpenAQ location/latest pair
    pair = tmp_path / "openaq.json"
    pair.write_bytes(
        b'{"location": %s, "latest": %s}'
        % (
            (FIXTURES / "openaq-location-2161292.json").read_bytes(),
            (FIXTURES / "openaq-latest-2161292.json").read_bytes(),
        )
    )
    # when an operator ingests them (`python -m backend.cli air ingest FILE`)
    day = await air_cli.ingest_file(db, FIXTURES / "hanoi-2025-12-03.csv", settings=fcm_settings)
    openaq = await air_cli.ingest_file(db, pair, settings=fcm_settings)
    broken = await air_cli.ingest_file(db, tmp_path / "missing.csv", settings=fcm_settings)
    # then both load, and a missing file is an error
    assert (day, openaq, broken) == (0, 0, 1)
    out = capsys.readouterr()
    assert "hanoi-2025-12-03.csv: 4 stations, 575 readings stored, 0 already known, 1 rejected" in (
        out.out
    )
    assert "openaq.json: 1 stations, 4 readings stored" in out.out
    assert "cannot ingest" in out.err
    assert {s.id for s in await air_repository.all_stations(db)} == {
        "hn-hoan-kiem", "hn-tay-mo", "hn-minh-khai", "hn-long-bien", "openaq-2161292",
    }  # fmt: skip
