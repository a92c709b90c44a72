"""A recorded day replayed hour by hour through the worker: exactly which alerts reach whom.

The fixture (fixtures/hanoi-2025-12-03.csv, hand-made) has four stations: Hoàn Kiếm spikes over
301 at night, Tây Mỗ in the evening, Minh Khai hovers around 150/151 all day (with a dip), Long
Biên stays moderate (and sends one -999). The feed, served from loopback, shows its last three
hours at each poll (so most rows arrive three times), as a city export does.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from backend import audit as audit_log
from backend import outbox
from backend.air import repository as air_repository
from backend.air import service as air_service
from backend.db import Database
from backend.notifications import repository as notification_repository
from backend.notifications.models import Platform, PreferencesDoc, QuietHours
from tests.air.conftest import FIXTURES, FeedServer
from tests.notifications.conftest import Clock, FcmControl

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
DAY = FIXTURES / "hanoi-2025-12-03.csv"
HOAN_KIEM, CUA_NAM, BO_DE = "00070", "00082", "00118"  # served by Hoàn Kiếm, Hoàn Kiếm, Long Biên
TAY_MO, TAY_TUU = "00634", "00613"  # served by Tây Mỗ, Minh Khai


def token(name: str) -> str:
    return f"fid-air-{name}-0123456789"


async def given_follower(
    db: Database,
    uid: str,
    locale: str,
    areas: list[str],
    *,
    quiet: QuietHours | None = None,
    alerts: bool = True,
) -> None:
    now = datetime(2025, 12, 2, tzinfo=UTC)
    await notification_repository.upsert_device(
        db, token=token(uid), uid=uid, platform=Platform.ANDROID, locale=locale,
        app_version="1.0", now=now,
    )  # fmt: skip
    await notification_repository.save_preferences(
        db,
        PreferencesDoc(uid=uid, area_ids=tuple(areas), quiet_hours=quiet, area_alerts=alerts),
        now=now,
    )


def feed_window(rows: list[dict[str, str]], clock: Clock) -> bytes:
    """The export as the city would serve it now: the last three complete hours."""
    latest = clock.now.astimezone(HANOI).replace(minute=0, second=0, microsecond=0)
    shown = [
        row
        for row in rows
        if latest - timedelta(hours=2) <= datetime.fromisoformat(row["time"]) <= latest
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(shown)
    return out.getvalue().encode()


def pushes(fcm: FcmControl, uid: str) -> list[tuple[str, str, str]]:
    """(title, android priority, alert id) of each push the device received, in order."""
    return [
        (
            m["message"]["notification"]["title"],
            m["message"]["android"]["priority"],
            m["message"]["data"]["alertId"],  # camelCase push keys (issue 19)
        )
        for m in fcm.messages(token(uid))
    ]


async def test_a_recorded_day_sends_exactly_these_alerts(
    db: Database,
    fcm: FcmControl,
    clock: Clock,
    make_worker: Any,
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given residents following wards served by each station
    await given_follower(
        db, "lan", "vi", [HOAN_KIEM], quiet=QuietHours(start=time(22, 0), end=time(6, 30))
    )
    await given_follower(db, "kim", "vi", [HOAN_KIEM, CUA_NAM])  # two units, one station
    await given_follower(db, "nam", "en", [HOAN_KIEM], alerts=False)
    await given_follower(db, "tom", "en", [TAY_MO])
    await given_follower(db, "mai", "vi", [TAY_TUU])
    await given_follower(db, "hung", "en", [BO_DE])
    # and the worker polling the city's export every hour
    rows = list(csv.DictReader(io.StringIO(DAY.read_text(encoding="utf-8"))))
    feed_server.routes["/export.csv"] = lambda: (200, "text/csv", feed_window(rows, clock))
    monkeypatch.setenv("AIR_FEED", f"{feed_server.url}/export.csv")
    monkeypatch.setenv("AIR_POLL_SECONDS", "3600")
    monkeypatch.setattr(air_service, "_not_before", None)
    worker = make_worker()
    delivered_at: dict[str, list[str]] = {}
    # when the day is replayed: a poll at ten past each hour from 02:10 to 23:10 Hanoi time
    for hour in range(2, 24):
        clock.now = datetime(2025, 12, 3, hour, 10, tzinfo=HANOI).astimezone(UTC)
        done = await worker.run_housekeeping()
        assert "air.poll" in done
        await worker.run_once()
        for uid in ("lan", "kim", "tom", "mai"):
            count = len(fcm.messages(token(uid)))
            delivered_at.setdefault(uid, [])
            while len(delivered_at[uid]) < count:
                delivered_at[uid].append(f"{hour:02d}:10")

    # then Hoàn Kiếm's residents were told when the air got very bad (04:00, VN_AQI 208) and
    # hazardous (05:00, 341), not when it improved through very bad and bad
    very_bad_vi = "Không khí rất xấu: VN_AQI 208 tại trạm Hoàn Kiếm"
    hazardous_vi = "Không khí nguy hại: VN_AQI 341 tại trạm Hoàn Kiếm"
    kim = pushes(fcm, "kim")
    assert [(title, priority) for title, priority, _ in kim] == [
        (very_bad_vi, "normal"), (hazardous_vi, "high"),
    ]  # fmt: skip
    assert delivered_at["kim"] == ["04:10", "05:10"]
    # lan sleeps until 06:30: the hazardous alert is URGENT and wakes her; very bad waits
    lan = pushes(fcm, "lan")
    assert [title for title, _, _ in lan] == [hazardous_vi, very_bad_vi]
    assert delivered_at["lan"] == ["05:10", "07:10"]
    # Tây Mỗ's spike reaches its English-speaking follower (18:00 VN_AQI 273, 19:00 386)
    assert [(title, priority) for title, priority, _ in pushes(fcm, "tom")] == [
        ("Very bad air: VN_AQI 273 at Tây Mỗ station", "normal"),
        ("Hazardous air: VN_AQI 386 at Tây Mỗ station", "high"),
    ]
    assert delivered_at["tom"] == ["18:10", "19:10"]
    # Minh Khai hovered at 150/151 all day and dipped to 138 at 08:00: one alert, at 05:00
    assert [title for title, _, _ in pushes(fcm, "mai")] == [
        "Không khí xấu: VN_AQI 152 tại trạm Minh Khai"
    ]
    assert delivered_at["mai"] == ["05:10"]
    # nobody else: switched off, or served by Long Biên (moderate all day)
    assert fcm.messages(token("nam")) == []
    assert fcm.messages(token("hung")) == []

    # and the alerts themselves: each went to the units its station serves
    alerts = {
        str(doc["_id"]): doc
        async for doc in db[notification_repository.ALERTS].find({"origin.kind": "air"})
    }
    hazardous = alerts[kim[1][2]]
    assert hazardous["severity"] == "urgent"
    assert {HOAN_KIEM, CUA_NAM} <= set(hazardous["area_ids"])
    assert BO_DE not in hazardous["area_ids"] and TAY_MO not in hazardous["area_ids"]
    assert "5095/SGDĐT-CTTTHSSV" in hazardous["body"]["vi"]
    assert "suspending classes" in hazardous["body"]["en"]
    # improving air got alerts in the app, not pushes: Hoàn Kiếm "bad" at 11:00, Tây Mỗ at 23:00
    silent = [doc for doc in alerts.values() if doc["_id"] not in await pushed_alert_ids(db)]
    assert sorted((d["origin"]["station_id"], d["origin"]["band"]) for d in silent) == [
        ("hn-hoan-kiem", 4), ("hn-tay-mo", 4),
    ]  # fmt: skip
    # the flapping station's alert was shown again after its dip, never sent twice
    minh_khai = [d for d in alerts.values() if d["origin"]["station_id"] == "hn-minh-khai"]
    assert len(minh_khai) == 1
    assert minh_khai[0]["expires_at"] > clock.now  # still in force at 23:10 (VN_AQI 149)
    # Hoàn Kiếm's alerts all ended once its air fell to "poor" (13:00)
    ended_by = datetime(2025, 12, 3, 13, 10, tzinfo=HANOI)
    assert all(
        d["expires_at"] <= ended_by for d in alerts.values()
        if d["origin"]["station_id"] == "hn-hoan-kiem"
    )  # fmt: skip
    # and everything is in the audit log: 7 alerts recorded, 3 ended by falling bands
    audit = [doc async for doc in db[audit_log.COLLECTION].find({"actor": "system:air"})]
    assert sum(1 for a in audit if a["action"] == "alert.auto_send") == len(alerts) == 7
    ended = [a for a in audit if a["action"] == "alert.auto_expire"]
    assert len(ended) >= 3
    # the -999 was refused; the repeated rows were not stored again
    assert await db[air_repository.READINGS].count_documents({}) == 4 * 24


async def pushed_alert_ids(db: Database) -> set[Any]:
    from bson import ObjectId

    return {
        ObjectId(doc["data"]["alert_id"])
        async for doc in db[outbox.COLLECTION].find({"kind": "alert.area"})
    }
