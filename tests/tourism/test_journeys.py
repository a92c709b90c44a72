"""Journeys: computed distance and duration, filters, check-ins within 150 m, progress."""

from __future__ import annotations

from collections.abc import Callable

from backend import geo
from backend.db import Database
from tests.tourism.conftest import HOAN_KIEM, Gql

JOURNEY = """
query Journey($id: ID!) {
  journey(id: $id) {
    id title mode distanceMeters durationMinutes
    stops { id position story legMeters poi { id name location { lat lng } } }
  }
}
"""
JOURNEYS = """
query Journeys($filter: JourneyFilter) {
  journeys(filter: $filter) { edges { distanceMeters node { id } } }
}
"""
START = """
mutation Start($input: JourneyStartInput!) {
  journeyStart(input: $input) {
    progress { stopsVisited stopCount percent completedAt journey { id } }
    errors { field message code }
  }
}
"""
CHECK_IN = """
mutation CheckIn($input: JourneyCheckInInput!) {
  journeyCheckIn(input: $input) {
    progress { stopsVisited stopCount percent completedAt visits { stopId at } }
    errors { field message code }
  }
}
"""
MY_JOURNEYS = """
query MyJourneys {
  myJourneys { edges { node { percent stopsVisited completedAt journey { id title } } } }
}
"""
VAN_MIEU = (21.0282, 105.8356)
NGOC_SON = (21.0307, 105.8524)


async def test_journey_distance_and_duration_are_computed_from_stops(
    tiny: Database, gql: Gql
) -> None:
    # given the Old Quarter walk (Văn Miếu -> Hoàn Kiếm -> Ngọc Sơn, 30 minutes at each)
    journey = (await gql(JOURNEY, {"id": "pho-co"}, locale="en"))["data"]["journey"]
    # then the stops are in order, and distance is the straight lines times 1.3
    assert [s["poi"]["id"] for s in journey["stops"]] == [
        "van-mieu",
        "ho-hoan-kiem",
        "den-ngoc-son",
    ]
    assert [s["id"] for s in journey["stops"]] == ["pho-co:1", "pho-co:2", "pho-co:3"]
    assert [s["position"] for s in journey["stops"]] == [1, 2, 3]
    assert journey["stops"][1]["story"] == "The golden turtle"
    assert journey["stops"][0]["poi"]["name"] == "Temple of Literature"
    legs = [
        geo.haversine_meters(
            lat1=VAN_MIEU[0], lng1=VAN_MIEU[1], lat2=HOAN_KIEM["lat"], lng2=HOAN_KIEM["lng"]
        ),
        geo.haversine_meters(
            lat1=HOAN_KIEM["lat"], lng1=HOAN_KIEM["lng"], lat2=NGOC_SON[0], lng2=NGOC_SON[1]
        ),
    ]
    expected = sum(legs) * 1.3
    assert abs(journey["distanceMeters"] - expected) < 1
    # and the duration is walking at 4.5 km/h plus three 30-minute visits
    assert journey["durationMinutes"] == round(expected / 1000 / 4.5 * 60 + 90)
    assert journey["stops"][0]["legMeters"] == 0


async def test_journeys_filter_by_theme_duration_and_distance(tiny: Database, gql: Gql) -> None:
    async def listed(filter_: dict) -> list[str]:
        body = await gql(JOURNEYS, {"filter": filter_})
        return [e["node"]["id"] for e in body["data"]["journeys"]["edges"]]

    assert await listed({"theme": "history"}) == ["pho-co"]
    assert await listed({"maxDurationMinutes": 10}) == []
    assert await listed({"maxDurationMinutes": 600}) == ["ho-va-den", "pho-co"]
    # near West Lake, the ride starting there comes first
    assert await listed({"near": {"lat": 21.058, "lng": 105.819}}) == ["ho-va-den", "pho-co"]
    assert (await gql(JOURNEY, {"id": "nope"})) == {"data": {"journey": None}}


async def test_check_in_within_150_m_only(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    token = make_token(uid="alice")
    # given a visitor 151 m from the Temple of Literature, then the check-in is refused
    lat, lng = geo.offset(lat=VAN_MIEU[0], lng=VAN_MIEU[1], north_m=151)
    far = {"journeyId": "pho-co", "stopId": "pho-co:1", "location": {"lat": lat, "lng": lng}}
    refused = (await gql(CHECK_IN, {"input": far}, token=token))["data"]["journeyCheckIn"]
    assert refused["progress"] is None
    assert refused["errors"][0]["code"] == "TOO_FAR"
    assert refused["errors"][0]["field"] == "location"
    # given 149 m, then accepted
    lat, lng = geo.offset(lat=VAN_MIEU[0], lng=VAN_MIEU[1], north_m=149)
    near = {**far, "location": {"lat": lat, "lng": lng}}
    accepted = (await gql(CHECK_IN, {"input": near}, token=token))["data"]["journeyCheckIn"]
    assert accepted["errors"] == []
    assert accepted["progress"]["stopsVisited"] == 1
    assert accepted["progress"]["percent"] == 33
    # when repeated, then nothing changes (same visit time, no second visit)
    again = (await gql(CHECK_IN, {"input": near}, token=token))["data"]["journeyCheckIn"]
    assert again["errors"] == []
    assert again["progress"]["visits"] == accepted["progress"]["visits"]
    assert [v["stopId"] for v in again["progress"]["visits"]] == ["pho-co:1"]


async def test_progress_completes_after_every_stop(
    tiny: Database, gql: Gql, make_token: Callable[..., str]
) -> None:
    token = make_token(uid="bob")
    started = (await gql(START, {"input": {"journeyId": "pho-co"}}, token=token))["data"]
    assert started["journeyStart"]["progress"]["stopCount"] == 3
    stops = {
        "pho-co:1": VAN_MIEU,
        "pho-co:2": tuple(HOAN_KIEM.values()),
        "pho-co:3": NGOC_SON,
    }
    result = None
    for stop, (lat, lng) in stops.items():
        variables = {
            "input": {"journeyId": "pho-co", "stopId": stop, "location": {"lat": lat, "lng": lng}}
        }
        result = (await gql(CHECK_IN, variables, token=token))["data"]["journeyCheckIn"]
        assert result["errors"] == []
    assert result is not None
    assert result["progress"]["percent"] == 100
    assert result["progress"]["completedAt"] is not None
    mine = (await gql(MY_JOURNEYS, token=token, locale="en"))["data"]["myJourneys"]["edges"]
    assert [e["node"]["journey"]["title"] for e in mine] == ["Old Quarter walk"]
    assert mine[0]["node"]["completedAt"] == result["progress"]["completedAt"]
    # another user sees only their own journeys
    other = await gql(MY_JOURNEYS, token=make_token(uid="carol"))
    assert other["data"]["myJourneys"]["edges"] == []


async def test_check_in_errors(tiny: Database, gql: Gql, make_token: Callable[..., str]) -> None:
    token = make_token(uid="dave")
    here = {"lat": VAN_MIEU[0], "lng": VAN_MIEU[1]}
    unknown_stop = {"journeyId": "pho-co", "stopId": "pho-co:4", "location": here}
    body = (await gql(CHECK_IN, {"input": unknown_stop}, token=token))["data"]["journeyCheckIn"]
    assert [(e["code"], e["field"]) for e in body["errors"]] == [("NOT_FOUND", "stopId")]
    # a place's id, or another journey's stop, names no stop of this journey
    for stop_id in ["van-mieu", "ho-va-den:1", "pho-co:", "pho-co:x", "pho-co:0"]:
        wrong = {**unknown_stop, "stopId": stop_id}
        body = (await gql(CHECK_IN, {"input": wrong}, token=token))["data"]["journeyCheckIn"]
        assert [(e["code"], e["field"]) for e in body["errors"]] == [("NOT_FOUND", "stopId")]
    unknown_journey = {"journeyId": "nope", "stopId": "nope:1", "location": here}
    body = (await gql(CHECK_IN, {"input": unknown_journey}, token=token))["data"]
    assert body["journeyCheckIn"]["errors"][0]["code"] == "NOT_FOUND"
    # anonymous visitors cannot check in
    anonymous = await gql(CHECK_IN, {"input": {**unknown_stop, "stopId": "pho-co:1"}})
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
