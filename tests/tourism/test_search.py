"""One search box for places and journeys: name matches first, then nearest."""

from __future__ import annotations

from backend.db import Database
from tests.tourism.conftest import HOAN_KIEM, Gql

SEARCH = """
query Search($query: String!, $near: GeoPointInput, $first: Int) {
  search(query: $query, near: $near, first: $first) {
    nameMatch distanceMeters
    poi { id name }
    journey { id title }
  }
}
"""


def found(body: dict) -> list[str]:
    assert "errors" not in body, body
    return [(hit["poi"] or hit["journey"])["id"] for hit in body["data"]["search"]]


async def test_name_matches_rank_before_description_matches(tiny: Database, gql: Gql) -> None:
    # "hoan kiem" is the lake's name, and only in the temple's and the ride's descriptions
    hits = (await gql(SEARCH, {"query": "hoan kiem"}))["data"]["search"]
    assert hits[0]["poi"]["id"] == "ho-hoan-kiem" and hits[0]["nameMatch"] is True
    assert {h["poi"]["id"] for h in hits[1:] if h["poi"]} == {"den-ngoc-son"}
    assert all(h["nameMatch"] is False for h in hits[1:])


async def test_journeys_are_found_too_and_near_orders_name_matches(
    tiny: Database, gql: Gql
) -> None:
    # "ho" prefixes many names: with near, nearer name matches come first
    body = await gql(SEARCH, {"query": "ho", "near": HOAN_KIEM})
    hits = body["data"]["search"]
    names = [h for h in hits if h["nameMatch"]]
    assert [h["distanceMeters"] for h in names] == sorted(h["distanceMeters"] for h in names)
    assert names[0]["poi"]["id"] == "ho-hoan-kiem"
    assert "ho-va-den" in found(body)
    # English words find journeys by title
    assert found(await gql(SEARCH, {"query": "old quarter walk"})) == ["pho-co"]
    assert found(await gql(SEARCH, {"query": "   "})) == []
    assert len(found(await gql(SEARCH, {"query": "ho", "first": 2}))) == 2
