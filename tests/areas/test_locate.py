"""Which ward or commune a point is in: every place in the city is accepted, the neighbours not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backend import geo
from backend.areas import repository as area_repository
from backend.settings import Settings
from tests.conftest import with_settings
from tests.reports.conftest import report_input

REPORT_CREATE = """
mutation ReportCreate($input: ReportCreateInput!) {
  reportCreate(input: $input) {
    report { id area { id code name type approximate } }
    errors { field code }
  }
}
"""

# Places residents report from, with the unit each belongs to since 1 July 2025.
PLACES = [
    ("Old Quarter, Hàng Đào", 21.0345, 105.8510, "Phường Hoàn Kiếm"),
    ("Hoàn Kiếm lake", 21.0287, 105.8524, "Phường Hoàn Kiếm"),
    ("Sơn Tây citadel", 21.1394, 105.5054, "Phường Sơn Tây"),
    ("Ba Vì mountain", 21.0597, 105.3629, "Xã Ba Vì"),
    ("Sóc Sơn town", 21.2580, 105.8490, "Xã Sóc Sơn"),
    ("Nội Bài airport", 21.2212, 105.8072, "Xã Nội Bài"),
    ("Hồng Vân", 20.8800, 105.8950, "Xã Hồng Vân"),
    ("Mê Linh", 21.1578, 105.7311, "Xã Mê Linh"),
    ("Hương pagoda (Mỹ Đức)", 20.6183, 105.7469, "Xã Hương Sơn"),
    ("Phú Xuyên town", 20.7390, 105.9090, "Xã Phú Xuyên"),
]
# City centres of the neighbouring provinces.
OUTSIDE = [
    ("Bắc Ninh", 21.1861, 106.0763),
    ("Hưng Yên", 20.6464, 106.0511),
    ("Hòa Bình", 20.8171, 105.3376),
]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Load content/ (categories, areas) into the test's database at startup."""
    return with_settings(settings, seed_on_start=True)


async def _create(client: httpx.AsyncClient, token: str, lat: float, lng: float) -> Any:
    response = await client.post(
        "/graphql",
        json={
            "query": REPORT_CREATE,
            "variables": {"input": report_input(location={"lat": lat, "lng": lng})},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]["reportCreate"]


async def test_every_place_in_the_city_is_accepted_with_its_unit(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    for place, lat, lng, unit in PLACES:
        # given a resident at a place in Hanoi, when they report a problem there
        token = make_token(uid=f"resident-{lat}", claims={"role": "staff"})
        payload = await _create(client, token, lat, lng)
        # then the report is filed in the unit, marked approximate (no boundary imported yet)
        assert payload["errors"] == [], (place, payload)
        area = payload["report"]["area"]
        assert area["name"] == unit, place
        assert area["approximate"] is True
        assert area["id"] == area["code"]


async def test_the_neighbouring_cities_are_outside(
    client: httpx.AsyncClient, make_token: Callable[..., str]
) -> None:
    for place, lat, lng in OUTSIDE:
        # when a report is made from a neighbouring province's city
        payload = await _create(client, make_token(uid="resident-1"), lat, lng)
        # then it is refused as outside the city
        assert payload["report"] is None, place
        assert payload["errors"] == [{"field": "location", "code": "OUTSIDE_CITY"}], place


async def test_an_imported_boundary_decides_over_centroids(
    client: httpx.AsyncClient, settings: Settings, db_client: Any
) -> None:
    db = db_client[settings.mongodb_db]
    # given Phường Cửa Nam's boundary imported as a box that takes in the whole of Hoàn Kiếm lake
    box = [[105.845, 21.020], [105.860, 21.020], [105.860, 21.035], [105.845, 21.035]]
    polygon = {"type": "Polygon", "coordinates": [[*box, box[0]]]}
    assert await area_repository.set_polygon(db, "00082", polygon)
    # then the lake's north shore, nearer Phường Hoàn Kiếm's centre, is in Cửa Nam, exactly
    lake = await area_repository.locate(db, lat=21.0300, lng=105.8524)
    assert lake is not None and lake.name["vi"] == "Phường Cửa Nam"
    assert lake.approximate is False
    # and a point just outside the box, nearest Cửa Nam's centre, goes to an approximate unit
    south = await area_repository.locate(db, lat=21.0195, lng=105.8510)
    assert south is not None and south.id != "00082" and south.approximate is True


async def test_locating_reads_through_the_indexes(
    client: httpx.AsyncClient, settings: Settings, db_client: Any
) -> None:
    db = db_client[settings.mongodb_db]
    areas = db[area_repository.COLLECTION]
    indexes = {index["name"]: index["key"] async for index in await areas.list_indexes()}
    # given the centroid index, the nearest-centroid search is a $geoNear on it with a bound:
    # MongoDB runs $geoNear only through a 2dsphere index, and SecantusDB rides the index for a
    # leading bounded $geoNear (its explain does not describe aggregations, so the plan is
    # checked here by its shape)
    assert indexes[area_repository.CENTROID_INDEX] == {"centroid": "2dsphere"}
    stage = area_repository.locate_by_centroid_pipeline(lat=21.0287, lng=105.8524)[0]
    assert stage["$geoNear"]["key"] == "centroid"
    assert stage["$geoNear"]["maxDistance"] == area_repository.MAX_REACH_M
    # when the polygon lookup is explained, then an index scan serves it
    point = geo.point(lat=21.0287, lng=105.8524)
    explained = await areas.find({"geometry": {"$geoIntersects": {"$geometry": point}}}).explain()
    plan = str(explained["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in plan and "COLLSCAN" not in plan
