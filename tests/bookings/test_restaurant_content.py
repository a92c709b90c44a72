"""The restaurant content keeps its promise: every point, price and opening-hours value tied to a
page its record lists, points in Hanoi, prices as integers in VND, hours the app can read, and a
record the loader accepts (content/restaurants)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest

from backend.bookings import loader as booking_loader
from backend.tourism.hours import OpeningHours

ROOT = Path(__file__).resolve().parents[2]
RESTAURANTS = orjson.loads((ROOT / "content" / "restaurants" / "restaurants.json").read_bytes())[
    "restaurants"
]
PRICED_PER = {"person", "sandwich", "dish", "plate", "serving", "bowl"}
# Hanoi since 2008 (Ba Vì to Sóc Sơn, Mỹ Đức to Gia Lâm), with a margin.
LAT, LNG = (20.5, 21.45), (105.25, 106.05)


def complete(item: dict[str, Any]) -> bool:
    return bool(item.get("location") and item.get("opening_hours") and item.get("price_range_vnd"))


@pytest.mark.parametrize("item", RESTAURANTS, ids=[item["slug"] for item in RESTAURANTS])
def test_points_prices_and_hours_cite_a_page_the_record_lists(item: dict[str, Any]) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item["slug"])
    for field in ("name", "description", "address"):
        assert item[field]["vi"].strip() and item[field]["en"].strip(), field
    assert item["cuisine"] and item["tables"]
    assert all(int(size) >= 1 and count >= 0 for size, count in item["tables"].items())
    urls = {source["url"] for source in item["sources"]}
    assert all(source["facts"] and source["retrieved"] for source in item["sources"])
    if item.get("location"):
        assert item["location_precision"] == "source"
        assert item["location_source"] in urls
        assert LAT[0] < item["location"]["lat"] < LAT[1]
        assert LNG[0] < item["location"]["lng"] < LNG[1]
    if price := item.get("price_range_vnd"):
        assert price["source"] in urls and price["per"] in PRICED_PER and price["as_of"]
        assert isinstance(price["min"], int) and price["min"] > 0
        top = price["max"]
        assert top is None or (isinstance(top, int) and top >= price["min"])
    if item.get("opening_hours"):
        assert item["opening_hours_source"] in urls
        assert not OpeningHours.parse(item["opening_hours"]).is_empty
    # and the loader takes it as it is (it raises ContentError on what it cannot read)
    assert booking_loader.restaurant_document(item)["tables"]


def test_slugs_are_unique_and_the_list_keeps_its_complete_records() -> None:
    slugs = [item["slug"] for item in RESTAURANTS]
    assert len(slugs) == len(set(slugs))
    # A point, hours and a price: what a tourist needs to find a table, and what `near`,
    # `openAt` and the price filter read. SOURCES.md lists them.
    assert sum(complete(item) for item in RESTAURANTS) >= 20
