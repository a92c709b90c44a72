"""What a normalised client cache (Apollo's InMemoryCache) shows after several tourism answers.

Each test sends documents as Apollo does (`__typename` everywhere), stores the answers in
tests.normalised_cache and reads an earlier answer back: it must be what the server sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend import geo
from backend.db import Database
from tests.normalised_cache import NormalisedCache, with_typename
from tests.tourism.conftest import HOAN_KIEM, Gql

VAN_MIEU = {"lat": 21.0282, "lng": 105.8356}
POIS_NEAR = with_typename("""
query PoisNear($near: GeoPointInput!) {
  pois(filter: {near: $near}, first: 10) {
    edges { cursor distanceMeters node { id name location { lat lng } rating { average count } } }
  }
}
""")
JOURNEYS_NEAR = with_typename("""
query JourneysNear($near: GeoPointInput!) {
  journeys(filter: {near: $near}) {
    edges { distanceMeters node { id title start { lat lng } } }
  }
}
""")
JOURNEY = with_typename("""
query Journey($id: ID!) {
  journey(id: $id) {
    id title
    stops { id position story legMeters poi { id name location { lat lng } } }
  }
}
""")
CHECK_IN = with_typename("""
mutation CheckIn($input: JourneyCheckInInput!) {
  journeyCheckIn(input: $input) {
    progress { id stopsVisited visits { stopId } }
    errors { field code }
  }
}
""")
POI_RATING = with_typename("""
query PoiRating($id: ID!) { poi(id: $id) { id name rating { average count } } }
""")
REVIEW_CREATE = with_typename("""
mutation ReviewCreate($input: ReviewCreateInput!) {
  reviewCreate(input: $input) {
    review { id rating }
    poi { id rating { average count } }
    errors { field code }
  }
}
""")
REVIEW_HIDE = with_typename("""
mutation ReviewHide($input: ReviewHideInput!) {
  reviewHide(input: $input) {
    review { id hidden }
    poi { id rating { average count } }
    errors { field code }
  }
}
""")


def data(body: dict[str, Any]) -> Any:
    assert "errors" not in body, body
    return body["data"]


def meters(a: dict[str, float], b: dict[str, float]) -> float:
    return geo.haversine_meters(lat1=a["lat"], lng1=a["lng"], lat2=b["lat"], lng2=b["lng"])


def without_typename(value: Any) -> Any:
    """What Apollo's `removeTypenameFromVariables` link does to variables."""
    if isinstance(value, dict):
        return {k: without_typename(v) for k, v in value.items() if k != "__typename"}
    if isinstance(value, list):
        return [without_typename(v) for v in value]
    return value


async def test_two_lists_near_different_points_keep_their_own_distances(
    tiny: Database, gql: Gql
) -> None:
    # given the places near the Temple of Literature, then near Hoàn Kiếm lake, in one cache
    cache = NormalisedCache()
    from_temple = data(await gql(POIS_NEAR, {"near": VAN_MIEU}))
    from_lake = data(await gql(POIS_NEAR, {"near": HOAN_KIEM}))
    cache.write("pois-near-temple", from_temple)
    cache.write("pois-near-lake", from_lake)
    # when the first list is read back from the cache, then it is what the server sent
    assert cache.read("pois-near-temple") == from_temple
    assert cache.read("pois-near-lake") == from_lake
    # and the same place has each list's own distance, on the edge, from that list's point
    for answer, point in ((from_temple, VAN_MIEU), (from_lake, HOAN_KIEM)):
        for edge in answer["pois"]["edges"]:
            expected = meters(point, edge["node"]["location"])
            assert edge["distanceMeters"] == pytest.approx(expected, abs=1.0)
    from_temple_m = {e["node"]["id"]: e["distanceMeters"] for e in from_temple["pois"]["edges"]}
    from_lake_m = {e["node"]["id"]: e["distanceMeters"] for e in from_lake["pois"]["edges"]}
    assert from_temple_m["den-ngoc-son"] > 1500 and from_lake_m["den-ngoc-son"] < 300
    # and the shared record of the place holds no distance at all
    assert not [f for f in cache.record("Poi", "den-ngoc-son") if "distance" in f.lower()]


async def test_two_journey_lists_near_different_points_keep_their_own_distances(
    tiny: Database, gql: Gql
) -> None:
    cache = NormalisedCache()
    west_lake = {"lat": 21.058, "lng": 105.819}
    from_west_lake = data(await gql(JOURNEYS_NEAR, {"near": west_lake}))
    from_temple = data(await gql(JOURNEYS_NEAR, {"near": VAN_MIEU}))
    cache.write("near-west-lake", from_west_lake)
    cache.write("near-temple", from_temple)
    assert cache.read("near-west-lake") == from_west_lake
    for answer, point in ((from_west_lake, west_lake), (from_temple, VAN_MIEU)):
        for edge in answer["journeys"]["edges"]:
            expected = meters(point, edge["node"]["start"])
            assert edge["distanceMeters"] == pytest.approx(expected, abs=1.0)
    # the Old Quarter walk starts at the temple: 0 m from it, kilometres from West Lake
    first = {e["node"]["id"]: e["distanceMeters"] for e in from_temple["journeys"]["edges"]}
    second = {e["node"]["id"]: e["distanceMeters"] for e in from_west_lake["journeys"]["edges"]}
    assert first["pho-co"] == 0 and second["pho-co"] > 3000


async def test_stops_of_two_journeys_at_one_place_stay_apart(tiny: Database, gql: Gql) -> None:
    # given two journeys that both stop at Hoàn Kiếm lake, each with its own story
    cache = NormalisedCache()
    walk = data(await gql(JOURNEY, {"id": "pho-co"}, locale="en"))
    ride = data(await gql(JOURNEY, {"id": "ho-va-den"}, locale="en"))
    cache.write("walk", walk)
    cache.write("ride", ride)
    # then every stop id is unique across journeys, and each journey reads back unchanged
    ids = [s["id"] for j in (walk, ride) for s in j["journey"]["stops"]]
    assert len(ids) == len(set(ids)) == 5
    lake_stops = [
        s for j in (walk, ride) for s in j["journey"]["stops"] if s["poi"]["id"] == "ho-hoan-kiem"
    ]
    assert [s["story"] for s in lake_stops] == ["The golden turtle", "Sword Lake"]
    assert cache.read("walk") == walk
    assert cache.read("ride") == ride


async def test_a_location_read_from_a_query_goes_back_as_an_argument(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    token = make_token(uid="visitor")
    # given the Temple of Literature's location as the app reads it (with __typename)
    journey = data(await gql(JOURNEY, {"id": "pho-co"}))["journey"]
    stop = journey["stops"][0]
    location = stop["poi"]["location"]
    assert location["__typename"] == "GeoPoint"
    # when it is sent back as is, then the input refuses the unknown __typename field
    as_read = {"journeyId": "pho-co", "stopId": stop["id"], "location": location}
    refused = await gql(CHECK_IN, {"input": as_read}, token=token)
    assert "__typename" in refused["errors"][0]["message"]
    # when sent without __typename (Apollo's removeTypenameFromVariables), then accepted
    checked = data(await gql(CHECK_IN, without_typename({"input": as_read}), token=token))
    assert checked["journeyCheckIn"]["errors"] == []
    assert checked["journeyCheckIn"]["progress"]["visits"] == [
        {"stopId": "pho-co:1", "__typename": "StopVisit"}
    ]
    # and every other argument that takes a position takes the very same shape
    point = without_typename(location)
    for field in [
        "pois(filter: {near: $p}) { edges { cursor } }",
        "journeys(filter: {near: $p}) { edges { cursor } }",
        'search(query: "ho", near: $p) { nameMatch }',
        "tours(filter: {near: $p}) { edges { cursor } }",
        "hotels(filter: {near: $p}) { edges { cursor } }",
        "alerts(near: $p) { id }",
        "areas(near: $p, first: 1) { edges { cursor } }",
        "reportsNearby(near: $p) { edges { cursor } }",
        "airQuality(near: $p) { distanceMeters }",
    ]:
        body = await gql(f"query($p: GeoPointInput!) {{ {field} }}", {"p": point})
        assert "errors" not in body, (field, body)


async def test_review_mutations_bring_the_new_rating_into_the_cache(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    alice = make_token(uid="alice")
    moderator = make_token(uid="mod", claims={"role": "moderator"})
    # given the place read into the cache before any review
    cache = NormalisedCache()
    cache.write("poi", data(await gql(POI_RATING, {"id": "van-mieu"})))
    assert cache.read("poi")["poi"]["rating"]["count"] == 0
    # when Alice reviews it, then the mutation's answer updates the cached place
    variables = {"input": {"poiId": "van-mieu", "rating": 4}}
    created = data(await gql(REVIEW_CREATE, variables, token=alice))
    cache.write("reviewCreate", created)
    assert cache.read("poi")["poi"]["rating"] == {
        "average": 4.0,
        "count": 1,
        "__typename": "Rating",
    }
    # when a moderator hides the review, then the cached place loses it from its rating
    hide = {"input": {"reviewId": created["reviewCreate"]["review"]["id"], "reason": "spam"}}
    cache.write("reviewHide", data(await gql(REVIEW_HIDE, hide, token=moderator)))
    assert cache.read("poi")["poi"]["rating"]["count"] == 0
    # and the cache agrees with a fresh read
    assert cache.read("poi") == data(await gql(POI_RATING, {"id": "van-mieu"}))
