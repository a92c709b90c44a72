"""The `areas` and `area` queries: list, search without accents, nearest first, one by id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.areas import repository as area_repository
from backend.areas import service as area_service
from backend.settings import Settings
from backend.text import best_word, prefix_range, query_terms
from tests.conftest import with_settings

AREAS = """
query Areas($search: String, $near: GeoPointInput, $first: Int, $after: String) {
  areas(search: $search, near: $near, first: $first, after: $after) {
    edges { cursor distanceMeters node { id code name nameVi nameEn type areaKm2 approximate
                                         centroid { lat lng } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
AREA = "query Area($id: ID!) { area(id: $id) { id code name type centroid { lat lng } } }"
LAKE = {"lat": 21.0287, "lng": 105.8524}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_settings(settings, seed_on_start=True)


async def _gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], locale: str = "vi"
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Accept-Language": locale},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _names(body: dict[str, Any]) -> list[str]:
    return [edge["node"]["nameVi"] for edge in body["data"]["areas"]["edges"]]


async def test_search_ignores_accents_and_case(client: httpx.AsyncClient) -> None:
    # when a resident types "hoan kiem" without accents
    body = await _gql(client, AREAS, {"search": "hoan kiem"})
    # then Phường Hoàn Kiếm is found, with its code, type and approximate flag
    assert _names(body) == ["Phường Hoàn Kiếm"]
    node = body["data"]["areas"]["edges"][0]["node"]
    assert node["code"] == node["id"] == "00070"
    assert node["type"] == "WARD" and node["approximate"] is True
    assert node["nameEn"] == "Hoàn Kiếm Ward" and node["areaKm2"] == 1.91
    # and prefixes, accents and the unit type all work as a search
    assert _names(await _gql(client, AREAS, {"search": "Xã Hương"})) == ["Xã Hương Sơn"]
    assert "Phường Sơn Tây" in _names(await _gql(client, AREAS, {"search": "SON TAY"}))
    assert _names(await _gql(client, AREAS, {"search": "kiếm ward"})) == ["Phường Hoàn Kiếm"]
    assert _names(await _gql(client, AREAS, {"search": "atlantis"})) == []


async def test_names_follow_the_viewers_language(client: httpx.AsyncClient) -> None:
    body = await _gql(client, AREA, {"id": "10441"}, locale="en")
    assert body["data"]["area"] == {
        "id": "10441",
        "code": "10441",
        "name": "Mỹ Đức Commune",
        "type": "COMMUNE",
        "centroid": {"lat": 20.646, "lng": 105.692},
    }
    vi = await _gql(client, AREA, {"id": "10441"})
    assert vi["data"]["area"]["name"] == "Xã Mỹ Đức"


async def test_an_unknown_area_is_null(client: httpx.AsyncClient) -> None:
    for unknown in ("hoan-kiem", "99999", ""):
        assert (await _gql(client, AREA, {"id": unknown}))["data"]["area"] is None


async def test_all_126_units_page_in_code_order(client: httpx.AsyncClient) -> None:
    # when every page of the list is read
    codes: list[str] = []
    after = None
    while True:
        body = await _gql(client, AREAS, {"first": 50, "after": after})
        page = body["data"]["areas"]
        codes += [edge["node"]["code"] for edge in page["edges"]]
        assert all(edge["distanceMeters"] is None for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    # then there are the 126 units, each once, in code order
    assert len(codes) == 126 and codes == sorted(set(codes))


async def test_near_lists_the_nearest_centres_first(client: httpx.AsyncClient) -> None:
    # when the areas near Hoàn Kiếm lake are listed two at a time
    first = (await _gql(client, AREAS, {"near": LAKE, "first": 2}))["data"]["areas"]
    after = first["pageInfo"]["endCursor"]
    second = (await _gql(client, AREAS, {"near": LAKE, "first": 2, "after": after}))["data"]
    edges = first["edges"] + second["areas"]["edges"]
    # then Hoàn Kiếm comes first, then Cửa Nam, and distances only grow
    names = [edge["node"]["nameVi"] for edge in edges]
    assert names[:2] == ["Phường Hoàn Kiếm", "Phường Cửa Nam"]
    distances = [edge["distanceMeters"] for edge in edges]
    assert distances == sorted(distances) and 300 < distances[0] < 500
    assert len(set(names)) == 4
    # and a search near a point is ordered by distance too
    body = await _gql(client, AREAS, {"near": LAKE, "search": "xa son"})
    found = _names(body)
    assert found[0] == "Xã Sơn Đồng" and {"Xã Sóc Sơn", "Xã Hương Sơn"} <= set(found)
    near_distances = [edge["distanceMeters"] for edge in body["data"]["areas"]["edges"]]
    assert near_distances == sorted(near_distances)


async def test_bad_arguments_are_errors(client: httpx.AsyncClient) -> None:
    bad_near = await _gql(client, AREAS, {"near": {"lat": 91.0, "lng": 0.0}})
    assert bad_near["errors"][0]["extensions"]["code"] == "INVALID_LOCATION"
    plain = (await _gql(client, AREAS, {"first": 1}))["data"]["areas"]["pageInfo"]["endCursor"]
    # a cursor of the code-ordered list does not page the nearest-first one
    wrong = await _gql(client, AREAS, {"near": LAKE, "after": plain})
    assert wrong["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"
    too_many = await _gql(client, AREAS, {"first": 101})
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_list_and_search_read_through_indexes(
    client: httpx.AsyncClient, settings: Settings, db_client: Any
) -> None:
    areas = db_client[settings.mongodb_db][area_repository.COLLECTION]
    search = {"search_terms": prefix_range(best_word(query_terms("hoan kiem")))}
    listing = area_repository.code_order(db_client[settings.mongodb_db], after="00070")
    for cursor in (areas.find(search), listing):
        # when the server explains the query, then an index scan serves it
        plan = str((await cursor.explain())["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "COLLSCAN" not in plan, plan
    # and the service's search finds the ward through that range
    page = await area_service.list_areas(
        db=db_client[settings.mongodb_db],
        search="hoan kiem",
        lat=None,
        lng=None,
        first=5,
        after=None,
    )
    assert [area.id for area in page.items] == ["00070"]
