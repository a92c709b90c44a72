"""Places: geo ordering and radius, boxes, categories, search, opening hours, locales, clusters."""

from __future__ import annotations

from typing import Any

import pytest

from backend.db import Database
from backend.tourism import service as tourism_service
from backend.tourism.service import LatLng, PoiCriteria
from backend.tourism.service import clusters as cluster_service
from tests.tourism.conftest import HOAN_KIEM, Gql

POIS = """
query Pois($filter: PoiFilter, $first: Int, $after: String) {
  pois(filter: $filter, first: $first, after: $after) {
    edges { cursor distanceMeters node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
POI = """
query Poi($id: ID!) {
  poi(id: $id) {
    id name summary description category
    location { lat lng }
    openNow nextOpening
    openingHours { weekly { day ranges { opens closes } } exceptions { date closed note } }
    tickets { label priceVnd }
    rating { average count }
  }
}
"""
CLUSTERS = """
query Clusters($bbox: BBoxInput!, $zoom: Int!) {
  poiClusters(bbox: $bbox, zoom: $zoom) { truncated clusters { center { lat lng } count poiId } }
}
"""
OLD_QUARTER = {"west": 105.83, "south": 21.02, "east": 105.86, "north": 21.04}


def ids(body: dict[str, Any]) -> list[str]:
    assert "errors" not in body, body
    return [edge["node"]["id"] for edge in body["data"]["pois"]["edges"]]


async def test_near_lists_nearest_first_within_the_radius(tiny: Database, gql: Gql) -> None:
    # given places around Hoàn Kiếm lake, when listed near it within 1 km
    body = await gql(POIS, {"filter": {"near": HOAN_KIEM, "radiusMeters": 1000}})
    # then nearest first, each with its distance, and nothing beyond 1 km
    assert ids(body) == ["ho-hoan-kiem", "den-ngoc-son", "cho-dem"]
    distances = [e["distanceMeters"] for e in body["data"]["pois"]["edges"]]
    assert distances == sorted(distances)
    assert distances[0] == 0 and 200 < distances[1] < 230 and distances[2] < 1000
    # and a 300 m radius keeps only the lake and the temple on it
    near = await gql(POIS, {"filter": {"near": HOAN_KIEM, "radiusMeters": 300}})
    assert ids(near) == ["ho-hoan-kiem", "den-ngoc-son"]


async def test_near_pages_follow_on_without_gaps(tiny: Database, gql: Gql) -> None:
    # given every place near the lake, when read two at a time
    everything = ids(await gql(POIS, {"filter": {"near": HOAN_KIEM}, "first": 100}))
    seen: list[str] = []
    after = None
    while True:
        body = await gql(POIS, {"filter": {"near": HOAN_KIEM}, "first": 2, "after": after})
        seen += ids(body)
        info = body["data"]["pois"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    # then the pages together are the whole list, in the same order
    assert seen == everything
    assert len(everything) == 6


async def test_radius_is_bounded(tiny: Database, gql: Gql) -> None:
    body = await gql(POIS, {"filter": {"near": HOAN_KIEM, "radiusMeters": 20001}})
    assert body["errors"][0]["extensions"]["code"] == "INVALID"


async def test_bbox_and_categories(tiny: Database, gql: Gql) -> None:
    # given a box over the Old Quarter, then West Lake (outside) is not listed
    inside = ids(await gql(POIS, {"filter": {"bbox": OLD_QUARTER}}))
    assert sorted(inside) == ["cho-dem", "den-ngoc-son", "ho-hoan-kiem", "lang-bac", "van-mieu"]
    # and categories narrow it further
    temples = ids(await gql(POIS, {"filter": {"bbox": OLD_QUARTER, "categories": ["temple"]}}))
    assert temples == ["den-ngoc-son", "van-mieu"]


@pytest.mark.parametrize(
    "words", ["van mieu", "Văn Miếu", "VĂN MIẾU", "temple of literature", "quoc tu"]
)
async def test_search_ignores_diacritics_and_reads_both_languages(
    tiny: Database, gql: Gql, words: str
) -> None:
    assert ids(await gql(POIS, {"filter": {"search": words}})) == ["van-mieu"]


async def test_search_matches_word_prefixes_in_names_and_descriptions(
    tiny: Database, gql: Gql
) -> None:
    # "hoan" prefixes Hoàn Kiếm: the lake by name, Ngọc Sơn temple by its description
    assert ids(await gql(POIS, {"filter": {"search": "hoan"}})) == ["den-ngoc-son", "ho-hoan-kiem"]
    # with near, nearest first
    near = await gql(POIS, {"filter": {"search": "hoan kie", "near": HOAN_KIEM}})
    assert ids(near) == ["ho-hoan-kiem", "den-ngoc-son"]
    assert ids(await gql(POIS, {"filter": {"search": "hoanx"}})) == []


async def test_open_at_filters_across_midnight_and_on_tet(tiny: Database, gql: Gql) -> None:
    # Saturday 2026-11-28 01:00 in Hanoi: only the lake and Friday night's market are open
    late = await gql(POIS, {"filter": {"openAt": "2026-11-28T01:00:00+07:00"}})
    assert ids(late) == ["cho-dem", "ho-hoan-kiem"]
    # Saturday 10:00 is a normal day for the Temple of Literature...
    saturday = {"openAt": "2027-01-30T10:00:00+07:00"}
    assert "van-mieu" in ids(await gql(POIS, {"filter": saturday}))
    # and paging over a filtered scan neither skips nor repeats
    first = await gql(POIS, {"filter": saturday, "first": 2})
    info = first["data"]["pois"]["pageInfo"]
    rest = await gql(POIS, {"filter": saturday, "after": info["endCursor"]})
    assert info["hasNextPage"] is True
    assert ids(first) + ids(rest) == ids(await gql(POIS, {"filter": saturday}))
    # ...but on the first day of Tết 2027 it is closed
    tet = await gql(POIS, {"filter": {"openAt": "2027-02-06T10:00:00+07:00"}})
    assert "van-mieu" not in ids(tet)
    assert "den-ngoc-son" in ids(tet)


async def test_poi_is_localised_with_fallback(tiny: Database, gql: Gql) -> None:
    # given an English viewer, then English text
    english = (await gql(POI, {"id": "van-mieu"}, locale="en"))["data"]["poi"]
    assert english["name"] == "Temple of Literature"
    assert english["tickets"] == [{"label": "Adult", "priceVnd": 30000}]
    assert english["openingHours"]["exceptions"] == [
        {"date": "2027-02-06", "closed": True, "note": "Closed for Tết"}
    ]
    # given a Vietnamese viewer, then Vietnamese text
    vietnamese = (await gql(POI, {"id": "van-mieu"}, locale="vi"))["data"]["poi"]
    assert vietnamese["name"] == "Văn Miếu - Quốc Tử Giám"
    # and a text missing in Vietnamese falls back to English
    mausoleum = (await gql(POI, {"id": "lang-bac"}, locale="vi"))["data"]["poi"]
    assert mausoleum["summary"] == "Where Ho Chi Minh lies in state"
    # an always-open place is open now, with no next opening
    lake = (await gql(POI, {"id": "ho-hoan-kiem"}))["data"]["poi"]
    assert lake["openNow"] is True and lake["nextOpening"] is None
    assert lake["rating"] == {"average": None, "count": 0}


async def test_unknown_poi_is_null(tiny: Database, gql: Gql) -> None:
    assert (await gql(POI, {"id": "nowhere"})) == {"data": {"poi": None}}
    bad_cursor = await gql(POIS, {"after": "not-a-cursor"})
    assert bad_cursor["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


def _stages(plan: dict[str, Any]) -> list[str]:
    stages = [plan.get("stage", "")]
    if "inputStage" in plan:
        stages += _stages(plan["inputStage"])
    for child in plan.get("inputStages", []):
        stages += _stages(child)
    return stages


async def _winning_stages(db: Database, collection: str, query: dict[str, Any]) -> list[str]:
    explained = await db.command(
        "explain", {"find": collection, "filter": query}, verbosity="queryPlanner"
    )
    return _stages(explained["queryPlanner"]["winningPlan"])


async def test_near_and_search_queries_are_served_by_indexes(tiny: Database) -> None:
    # given the queries the service sends for a near filter and a search filter
    near, _ = tourism_service.poi_scan(
        PoiCriteria(near=LatLng(**HOAN_KIEM), radius_meters=1000, categories=["temple"])
    )
    search, _ = tourism_service.poi_scan(PoiCriteria(search="Văn Miếu"))
    # when explained, then the search is an index scan and no collection scan
    stages = await _winning_stages(tiny, search.collection, search.mongo_filter())
    assert "IXSCAN" in stages and "COLLSCAN" not in stages, stages
    # and the near query is a $geoNear on the location, which MongoDB serves only from a
    # 2dsphere index on it (SecantusDB explains its $geoNear as a scan: the index is checked)
    stage = near.near_pipeline(min_meters=0.0, limit=10)[0]["$geoNear"]
    assert stage["key"] == "location" and stage["query"] == near.mongo_filter()
    indexes = await tiny[near.collection].index_information()
    assert any(info["key"][0] == ("location", "2dsphere") for info in indexes.values())


async def test_clusters_group_places_and_are_bounded(
    tiny: Database, gql: Gql, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a city-wide view, then the Old Quarter's places share one cluster
    wide = (await gql(CLUSTERS, {"bbox": OLD_QUARTER, "zoom": 10}))["data"]["poiClusters"]
    assert sum(c["count"] for c in wide["clusters"]) == 5
    assert len(wide["clusters"]) < 5 and wide["truncated"] is False
    # given a street-level view, then single places carry their id
    close = (await gql(CLUSTERS, {"bbox": OLD_QUARTER, "zoom": 18}))["data"]["poiClusters"]
    assert {c["poiId"] for c in close["clusters"]} >= {"van-mieu", "ho-hoan-kiem"}
    lake = next(c for c in close["clusters"] if c["poiId"] == "ho-hoan-kiem")
    assert lake["center"] == pytest.approx(HOAN_KIEM)
    # given a read limit of 3, then only 3 places are read and the result says so
    monkeypatch.setattr(cluster_service, "MAX_CLUSTER_POINTS", 3)
    bounded = (await gql(CLUSTERS, {"bbox": OLD_QUARTER, "zoom": 18}))["data"]["poiClusters"]
    assert sum(c["count"] for c in bounded["clusters"]) == 3
    assert bounded["truncated"] is True
