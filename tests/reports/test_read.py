"""Report queries: categories, privacy of a report, myReports and reportsNearby paging, indexes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.reports import repository as report_repository
from tests.reports.conftest import LAKE, Gql

REPORT = """
query Report($id: ID!) {
  report(id: $id) {
    id location { lat lng } locationIsApproximate address
    reporter { id } viewerIsReporter
  }
}
"""
CATEGORIES = "query { reportCategories { id name department acknowledgeHours private } }"
MY_REPORTS = """
query MyReports($first: Int, $after: String) {
  myReports(first: $first, after: $after) {
    edges { node { id } cursor } pageInfo { hasNextPage endCursor }
  }
}
"""
NEARBY = """
query Nearby($near: GeoPointInput!, $radius: Float!, $first: Int, $after: String) {
  reportsNearby(near: $near, radiusMeters: $radius, first: $first, after: $after) {
    edges { node { id } distanceMeters } pageInfo { hasNextPage endCursor }
  }
}
"""
PRIVATE_SPOT = {"lat": 21.02871234, "lng": 105.85241234}


async def test_categories_are_localised(gql: Gql) -> None:
    english = (await gql(CATEGORIES, locale="en"))["data"]["reportCategories"]
    pothole = next(c for c in english if c["id"] == "pothole")
    assert pothole == {
        "id": "pothole",
        "name": "Pothole",
        "department": "so-xay-dung",
        "acknowledgeHours": 8,
        "private": False,
    }


async def test_private_category_hides_place_and_reporter_from_other_residents(
    create_report: Callable[..., Any], gql: Gql
) -> None:
    # given an anonymous noise report (a private category) at an exact spot
    created = await create_report(
        uid="reporter", categoryId="noise", location=PRIVATE_SPOT, anonymous=True
    )
    report_id = created["report"]["id"]
    # when another resident looks at it
    seen = (await gql(REPORT, {"id": report_id}, uid="neighbour"))["data"]["report"]
    # then the place is rounded, the address and the reporter hidden
    assert seen["location"] == {"lat": 21.029, "lng": 105.852}
    assert seen["locationIsApproximate"] is True
    assert seen["address"] is None
    assert seen["reporter"] is None
    # and a signed-out viewer sees the same
    assert (await gql(REPORT, {"id": report_id}))["data"]["report"]["reporter"] is None
    # while the reporter and those who handle it see everything (a moderator here; the staff
    # of its unit, and not of another: tests/moderation/test_console_fields.py)
    for uid, role in (("reporter", None), ("officer", "moderator")):
        full = (await gql(REPORT, {"id": report_id}, uid=uid, role=role))["data"]["report"]
        assert full["location"] == PRIVATE_SPOT
        assert full["address"] is not None
        assert full["reporter"] == {"id": "reporter"}


async def test_public_report_shows_place_but_not_reporter(
    create_report: Callable[..., Any], gql: Gql
) -> None:
    created = await create_report(uid="reporter", location=PRIVATE_SPOT)
    seen = (await gql(REPORT, {"id": created["report"]["id"]}, uid="x"))["data"]["report"]
    assert seen["location"] == PRIVATE_SPOT
    assert seen["reporter"] is None
    assert seen["viewerIsReporter"] is False


async def test_unknown_or_malformed_report_id_is_null(gql: Gql) -> None:
    for report_id in ("0" * 24, "nope", '{"$ne": null}'):
        assert (await gql(REPORT, {"id": report_id}))["data"]["report"] is None


async def test_my_reports_pages_newest_first(create_report: Callable[..., Any], gql: Gql) -> None:
    # given three reports of mine and one of someone else
    ids = [(await create_report(uid="me"))["report"]["id"] for _ in range(3)]
    await create_report(uid="other")
    # when read two at a time
    first = (await gql(MY_REPORTS, {"first": 2}, uid="me"))["data"]["myReports"]
    after = first["pageInfo"]["endCursor"]
    second = (await gql(MY_REPORTS, {"first": 2, "after": after}, uid="me"))["data"]["myReports"]
    # then they come newest first, each once
    got = [e["node"]["id"] for e in first["edges"] + second["edges"]]
    assert got == ids[::-1]
    assert first["pageInfo"]["hasNextPage"] is True
    assert second["pageInfo"]["hasNextPage"] is False
    # and a tampered cursor is an error
    bad = await gql(MY_REPORTS, {"after": "garbage"}, uid="me")
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


async def all_nearby(gql: Gql, *, radius: float, first: int) -> tuple[list[str], list[float]]:
    """Every page of reportsNearby around the lake: the ids and distances, in order."""
    seen: list[str] = []
    distances: list[float] = []
    after = None
    while True:
        variables = {"near": LAKE, "radius": radius, "first": first, "after": after}
        page = (await gql(NEARBY, variables))["data"]["reportsNearby"]
        seen += [e["node"]["id"] for e in page["edges"]]
        distances += [e["distanceMeters"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen, distances
        after = page["pageInfo"]["endCursor"]


async def test_nearby_pages_by_distance_with_ties(
    create_report: Callable[..., Any], gql: Gql
) -> None:
    # given three reports at one spot and two farther away
    spot = {"lat": LAKE["lat"] + 0.001, "lng": LAKE["lng"]}
    same = [(await create_report(uid=f"u{i}", location=spot))["report"]["id"] for i in range(3)]
    far = {"lat": LAKE["lat"] + 0.003, "lng": LAKE["lng"]}
    farther = [(await create_report(uid=f"v{i}", location=far))["report"]["id"] for i in range(2)]
    await create_report(uid="w", location={"lat": LAKE["lat"] + 0.05, "lng": LAKE["lng"]})
    # when paged two at a time within 1 km
    seen, distances = await all_nearby(gql, radius=1000.0, first=2)
    # then every report within the radius comes once, nearest first
    assert sorted(seen[:3]) == sorted(same)
    assert sorted(seen[3:]) == sorted(farther)
    assert distances == sorted(distances)
    assert 100 < distances[0] < 120


async def test_nearby_pages_at_every_page_size_without_loss(
    create_report: Callable[..., Any], gql: Gql
) -> None:
    # given reports at distances from 10 m to 1.9 km, some a fraction of a metre apart
    edges = [10.0, 49.8, 50.2, 120.0, 199.8, 200.3, 640.0, 799.7, 800.4, 1900.0]
    metres_per_degree = 111_319.49  # of latitude, on MongoDB's sphere (radius 6,378.1 km)
    ids = []
    for i, metres in enumerate(edges):
        spot = {"lat": LAKE["lat"] + metres / metres_per_degree, "lng": LAKE["lng"]}
        ids.append((await create_report(uid=f"ring{i}", location=spot))["report"]["id"])
    for first in (1, 3, 4):
        # when paged `first` at a time within 2 km
        seen, distances = await all_nearby(gql, radius=2000.0, first=first)
        # then each comes once, nearest first
        assert seen == ids, first
        # (locations are stored to 5 decimals: up to 0.56 m away from where they were put)
        assert all(abs(d - m) < 1.2 for d, m in zip(distances, edges, strict=True)), distances


async def test_nearby_radius_is_bounded(gql: Gql) -> None:
    body = await gql(NEARBY, {"near": LAKE, "radius": 5001.0})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_RADIUS"


async def test_nearby_and_my_reports_queries_use_indexes(
    create_report: Callable[..., Any], settings: Any, db_client: Any
) -> None:
    # given some reports
    await create_report(uid="me")
    reports = db_client[settings.mongodb_db][report_repository.REPORTS]
    # when nearby asks for reports: `$geoNear` on the location key comes first, and MongoDB
    # serves it only from a 2dsphere index on that key (it refuses the stage without one;
    # SecantusDB explains its $geoNear as a scan, so the index itself is checked here)
    nearby = report_repository.nearby_pipeline(
        lng=LAKE["lng"],
        lat=LAKE["lat"],
        radius_m=500,
        min_distance_m=10,
        query=report_repository.nearby_filter(category="pothole"),
    )
    assert nearby[0]["$geoNear"]["key"] == "location"
    indexes = await reports.index_information()
    assert any(info["key"][0] == ("location", "2dsphere") for info in indexes.values())
    # when the server explains myReports, then an index scan serves it
    mine = report_repository.my_reports_filter("me", None)
    cursor = reports.find(mine).sort(report_repository.MY_REPORTS_SORT).limit(21)
    plan = str((await cursor.explain())["queryPlanner"]["winningPlan"])
    assert "IXSCAN" in plan
    assert "COLLSCAN" not in plan
