"""The shipped tourism content: valid, complete enough, and searchable once loaded."""

from __future__ import annotations

import json

from backend.db import Database
from backend.seed import CONTENT_DIR, migrate
from backend.tourism.hours import OpeningHours
from backend.tourism.loader import journey_document, poi_document
from tests.tourism.conftest import Gql

POIS = CONTENT_DIR / "tourism" / "pois.json"
JOURNEYS = CONTENT_DIR / "tourism" / "journeys.json"
SEARCH = "query Search($q: String!) { search(query: $q, first: 3) { poi { id } } }"


def test_content_is_valid_and_large_enough() -> None:
    pois = json.loads(POIS.read_text(encoding="utf-8"))["pois"]
    journeys = json.loads(JOURNEYS.read_text(encoding="utf-8"))["journeys"]
    assert len(pois) >= 40
    assert len(journeys) >= 6
    slugs = {poi["slug"] for poi in pois}
    assert len(slugs) == len(pois), "POI slugs are unique"
    for poi in pois:
        OpeningHours.parse(poi["opening_hours"])
        poi_document(poi)
        assert poi["name"].get("vi") and poi["name"].get("en"), poi["slug"]
    by_slug = {poi["slug"]: poi for poi in pois}
    for journey in journeys:
        assert journey["mode"] in {"walk", "ride"}
        for stop in journey["stops"]:
            assert stop["poi"] in slugs, (journey["slug"], stop["poi"])
        assert journey_document(journey, by_slug)["distance_meters"] > 0


async def test_shipped_content_loads_and_is_searchable(db: Database, gql: Gql) -> None:
    result = await migrate(db)
    assert result.content_loaded and result.documents > 0
    for query in ("van mieu", "Văn Miếu", "temple of literature"):
        body = await gql(SEARCH, {"q": query})
        assert body["data"]["search"][0]["poi"]["id"] == "van-mieu-quoc-tu-giam", query
    body = await gql(SEARCH, {"q": "hoan"})
    assert body["data"]["search"][0]["poi"]["id"] == "ho-hoan-kiem"
