"""A database from before 1 July 2025 (15 district outlines, reports, subscriptions and alerts
under district slugs) is moved to the wards and communes by `migrate`, once; and the legacy table
it uses is the maintained package's data."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from bson import ObjectId

from backend import geo
from backend.areas import migration, source
from backend.db import Database
from backend.meta import repository as meta_repository
from backend.notifications.models import MAX_AREAS_FOLLOWED
from backend.seed import CONTENT_DIR, migrate
from backend.settings import Settings
from tests.moderation.conftest import report_doc

LEGACY_FILE = CONTENT_DIR / source.LEGACY_FILE
# The ids of the 15 district outlines the app shipped until the move (content/areas/hanoi.geojson
# at fda2a09), with a point inside each.
OLD_DISTRICTS = {
    "ba-dinh": (21.0340, 105.8140),
    "hoan-kiem": (21.0287, 105.8524),
    "tay-ho": (21.0700, 105.8190),
    "long-bien": (21.0470, 105.8890),
    "cau-giay": (21.0330, 105.7900),
    "dong-da": (21.0180, 105.8290),
    "hai-ba-trung": (21.0060, 105.8570),
    "hoang-mai": (20.9750, 105.8620),
    "thanh-xuan": (20.9930, 105.8100),
    "nam-tu-liem": (21.0120, 105.7600),
    "bac-tu-liem": (21.0700, 105.7600),
    "ha-dong": (20.9714, 105.7788),
    "gia-lam": (21.0200, 105.9400),
    "dong-anh": (21.1400, 105.8480),
    "thanh-tri": (20.9400, 105.8450),
}
LAKE = (21.0287, 105.8524)  # Hoàn Kiếm lake: Phường Hoàn Kiếm since 1 July 2025
HA_DONG = (20.9714, 105.7788)  # Hà Đông's centre (Quang Trung street)
BAC_NINH = (21.1861, 106.0763)  # outside Hanoi: in no unit


def _legacy() -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(LEGACY_FILE.read_bytes())
    return document


# --- the legacy table ----------------------------------------------------------------------------


def test_the_committed_legacy_table_is_the_package_data() -> None:
    # given the installed package, when its former districts are rendered
    document = source.read_legacy_districts(
        source.installed_dataset(), source.installed_file(source.CONVERTER)
    )
    # then they are byte for byte the committed file
    assert source.render(document) == LEGACY_FILE.read_bytes(), (
        "content/areas/legacy_districts.json is stale: run `python -m backend.cli areas refresh`"
    )


def test_every_former_district_maps_to_units_and_every_unit_is_reached() -> None:
    districts = _legacy()["districts"]
    units_file = orjson.loads((CONTENT_DIR / source.UNITS_FILE).read_bytes())
    units = {unit["code"] for unit in units_file["units"]}
    table = source.legacy_units(_legacy())
    # Hanoi had 30 districts and towns (12 quận, 17 huyện, 1 thị xã); the app's 15 are among them
    assert Counter(d["type"] for d in districts) == {
        "urban_district": 12,
        "rural_district": 17,
        "town": 1,
    }
    assert set(OLD_DISTRICTS) <= set(table)
    assert table["son-tay"][0] == "09574"  # Phường Sơn Tây took most of the town
    assert table["hoan-kiem"][0] == "00070"
    # every district's units are units of the city, and every unit took over some former ward
    assert all(codes and set(codes) <= units for codes in table.values())
    assert set().union(*map(set, table.values())) == units
    assert source.district_slug("Hai Bà Trưng") == "hai-ba-trung"
    assert source.district_slug("Đống Đa") == "dong-da"


def test_remap_keeps_chosen_units_first_and_every_district_within_the_limit() -> None:
    table = source.legacy_units(_legacy())
    ids, cut = migration.remap(["hoan-kiem", "00070", "tay-ho"], table)
    assert ids[0] == "00070" and not cut
    assert ids[1:3] == [table["tay-ho"][0], table["hoan-kiem"][1]]
    assert len(ids) == len(set(ids)) == len(set(table["hoan-kiem"]) | set(table["tay-ho"]))
    everything, cut = migration.remap(list(OLD_DISTRICTS), table, limit=MAX_AREAS_FOLLOWED)
    assert cut and len(everything) == MAX_AREAS_FOLLOWED
    assert {table[slug][0] for slug in OLD_DISTRICTS} <= set(everything)
    assert migration.remap(["*"], table) == (["*"], False)


# --- the migration -------------------------------------------------------------------------------


@pytest.fixture
async def db(db_client: Any, settings: Settings) -> AsyncIterator[Database]:
    database: Database = db_client[settings.mongodb_db]
    yield database
    await db_client.drop_database(settings.mongodb_db)


def _district(slug: str, lat: float, lng: float) -> dict[str, Any]:
    """An outline as the pre-2025 loader stored it (a box around a point of the district)."""
    return {
        "_id": slug,
        "name": {"vi": slug, "en": slug},
        "kind": "district",
        "source": "Approximate outline of the pre-1 July 2025 district",
        "geometry": geo.box_polygon(
            west=lng - 0.02, south=lat - 0.02, east=lng + 0.02, north=lat + 0.02
        ),
        "seeded": True,
    }


def _at(lat: float, lng: float, area: str | None, **changes: Any) -> dict[str, Any]:
    return report_doc(location=geo.point(lat=lat, lng=lng), area=area, **changes)


async def _seed_the_old_way(db: Database) -> dict[str, ObjectId]:
    """What a deployment from before the move holds: content loaded (a version recorded), the
    15 outlines, and data filed under their slugs."""
    await db["areas"].insert_many([_district(s, *p) for s, p in OLD_DISTRICTS.items()])
    await meta_repository.set_content_version(db, version="pre-2025", at=datetime.now(UTC))
    reports = {
        "lake": _at(*LAKE, "hoan-kiem"),
        "ha_dong": _at(*HA_DONG, "ha-dong"),
        "outside": _at(*BAC_NINH, "gia-lam"),  # the old outline reached further than any unit
        "unknown": _at(*BAC_NINH, "atlantis"),
        "current": _at(*LAKE, "00070"),
    }
    await db["reports"].insert_many(list(reports.values()))
    now = datetime.now(UTC)
    await db["notification_preferences"].insert_many(
        [
            {"_id": "two", "area_alerts": True, "area_ids": ["hoan-kiem", "tay-ho"]},
            {"_id": "all", "area_alerts": True, "area_ids": list(OLD_DISTRICTS)},
            {"_id": "new", "area_alerts": True, "area_ids": ["00070"]},
        ]
    )
    alert = {
        "severity": "WARNING",
        "title": {"vi": "Ngập", "en": "Flooding"},
        "body": {"vi": "Ngập sâu", "en": "Deep water"},
        "deep_link": None,
        "expires_at": now + timedelta(hours=3),
        "created_at": now,
        "created_by": "mod-1",
    }
    await db["alerts"].insert_many(
        [
            {**alert, "_id": ObjectId(), "area_ids": ["dong-anh"]},
            {**alert, "_id": ObjectId(), "area_ids": ["*"]},
        ]
    )
    await db["outbox"].insert_one(
        {"kind": "alert.area", "recipients": {"areas": ["dong-anh"]}, "state": "pending"}
    )
    return {name: doc["_id"] for name, doc in reports.items()}


async def _snapshot(db: Database) -> dict[str, list[Any]]:
    names = ["areas", "reports", "notification_preferences", "alerts", "outbox"]
    return {name: await db[name].find({}).sort("_id", 1).to_list(None) for name in names}


async def test_migrate_moves_a_database_seeded_the_old_way_once(db: Database) -> None:
    table = source.legacy_units(_legacy())
    ids = await _seed_the_old_way(db)

    # when the release step runs
    result = await migrate(db)

    # then the outlines are gone and the 126 units are there
    moved = result.areas
    assert not result.content_loaded
    assert moved.districts_removed == 15 and moved.units_loaded == 126
    areas = await db["areas"].find({}, {"_id": 1}).to_list(None)
    assert len(areas) == 126 and not {a["_id"] for a in areas} & set(OLD_DISTRICTS)

    # and each report is filed under its unit, its former area kept
    reports = {doc["_id"]: doc for doc in await db["reports"].find({}).to_list(None)}
    lake = reports[ids["lake"]]
    assert (lake["area"], lake["legacy_area"]) == ("00070", "hoan-kiem")
    assert lake["updated_at"] > report_doc()["updated_at"]
    ha_dong = reports[ids["ha_dong"]]
    assert ha_dong["legacy_area"] == "ha-dong" and ha_dong["area"] in table["ha-dong"]
    name = await db["areas"].find_one({"_id": ha_dong["area"]}, {"name": 1})
    assert name is not None and name["name"]["vi"] == "Phường Hà Đông"
    # outside every unit: the nearest of the units that took over Gia Lâm
    outside = reports[ids["outside"]]
    assert outside["legacy_area"] == "gia-lam" and outside["area"] in table["gia-lam"]
    # no district, no unit: left as it was, marked
    unknown = reports[ids["unknown"]]
    assert (unknown["area"], unknown["legacy_area"]) == ("atlantis", "atlantis")
    assert "legacy_area" not in reports[ids["current"]]
    assert (moved.reports_located, moved.reports_nearest, moved.reports_unresolved) == (2, 1, 1)

    # and the subscriptions follow the units, within the limit
    prefs = {doc["_id"]: doc for doc in await db["notification_preferences"].find({}).to_list(None)}
    assert prefs["two"]["area_ids"] == [
        "00070", "00103", "00082", "00097", "00004", "00091", "00226", "00160", "00611",
    ]  # fmt: skip
    assert prefs["two"]["legacy_area_ids"] == ["hoan-kiem", "tay-ho"]
    assert len(prefs["all"]["area_ids"]) == MAX_AREAS_FOLLOWED
    assert prefs["new"]["area_ids"] == ["00070"] and "legacy_area_ids" not in prefs["new"]
    assert (moved.preferences, moved.preferences_truncated) == (2, 1)

    # and so do the alerts and their messages; the city-wide one is untouched
    dong_anh = ["00454", "00475", "00466", "00508", "00493", "09022"]
    alerts = sorted([doc["area_ids"] for doc in await db["alerts"].find({}).to_list(None)], key=len)
    assert alerts == [["*"], dong_anh]
    message = await db["outbox"].find_one({})
    assert message is not None and message["recipients"]["areas"] == dong_anh
    assert (moved.alerts, moved.alert_messages) == (1, 1)

    # when it runs again, then nothing changes
    before = await _snapshot(db)
    again = await migrate(db)
    assert again.areas == migration.AreasMigration() and again.areas.changed == 0
    assert await _snapshot(db) == before


async def test_migrate_on_an_empty_database_has_nothing_to_move(db: Database) -> None:
    result = await migrate(db)
    assert result.content_loaded
    assert result.areas.changed == 0
    assert len(await db["areas"].find({}, {"_id": 1}).to_list(None)) == 126
