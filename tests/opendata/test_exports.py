"""Open data: anonymised report exports, heritage sites, the datasets page, HTTP caching."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx

from backend.reports import repository as report_repository
from backend.reports.repository import ExportQuery
from tests.opendata.conftest import report_doc

# Wards since 1 July 2025 (official codes): Phường Hoàn Kiếm, Phường Ba Đình.
HOAN_KIEM, BA_DINH = "00070", "00004"
PRIVATE_TEXT = ("Ổ gà lớn", "0912345678", "resident-uid-1", "Đinh Tiên Hoàng", "description")


async def given_reports(db: Any) -> dict[str, dict[str, Any]]:
    now = datetime.now(UTC)
    docs = {
        "pothole": report_doc(area=HOAN_KIEM, created_at=now - timedelta(days=3)),
        "noise": report_doc(
            category="noise",
            department="cong-an",
            status="RESOLVED",
            resolved_at=now - timedelta(days=1),
            area=BA_DINH,
            created_at=now - timedelta(days=2),
        ),
        "hidden": report_doc(hidden=True, created_at=now - timedelta(days=1)),
        "old": report_doc(created_at=now - timedelta(days=400)),
    }
    await db.reports.insert_many(list(docs.values()))
    return docs


async def test_geojson_export_is_anonymous_and_coarse_for_private_categories(
    client: httpx.AsyncClient, db: Any
) -> None:
    # given a public and a private report, a hidden one and one older than a year
    docs = await given_reports(db)
    # when the GeoJSON export is downloaded
    response = await client.get("/opendata/reports.geojson")
    # then it is a cacheable FeatureCollection of the visible reports of the last year
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["last-modified"].endswith("GMT")
    body = response.json()
    assert body["metadata"]["license"] == "CC BY 4.0"
    features = {f["id"]: f for f in body["features"]}
    assert list(features) == [str(docs["pothole"]["_id"]), str(docs["noise"]["_id"])]
    pothole, noise = features.values()
    assert pothole["geometry"]["coordinates"] == [105.85241, 21.02873]
    assert pothole["properties"]["location_approximate"] is False
    assert noise["geometry"] == {"type": "Point", "coordinates": [105.852, 21.029]}
    assert noise["properties"]["location_approximate"] is True
    assert noise["properties"]["status_group"] == "closed"
    assert (pothole["properties"]["area"], pothole["properties"]["area_name"]) == (
        HOAN_KIEM,
        "Phường Hoàn Kiếm",
    )
    assert noise["properties"]["area_name_en"] == "Ba Đình Ward"
    assert noise["properties"]["resolved_at"].endswith("+07:00")
    assert set(noise["properties"]) == {
        "id",
        "category",
        "status",
        "status_group",
        "area",
        "area_name",
        "area_name_en",
        "created_at",
        "updated_at",
        "resolved_at",
        "location_approximate",
    }
    # and no free text or identity leaks
    for text in PRIVATE_TEXT:
        assert text not in response.text


async def test_csv_export_and_its_filters(client: httpx.AsyncClient, db: Any) -> None:
    # given the same reports
    docs = await given_reports(db)
    now = datetime.now(UTC)

    async def ids(**params: str) -> list[str]:
        response = await client.get("/opendata/reports.csv", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        for text in PRIVATE_TEXT:
            assert text not in response.text
        return [row["id"] for row in rows]

    pothole, noise, old = (str(docs[k]["_id"]) for k in ("pothole", "noise", "old"))
    # then by default the last year, oldest first, and each filter narrows it
    assert await ids() == [pothole, noise]
    assert await ids(category="noise") == [noise]
    assert await ids(area=HOAN_KIEM) == [pothole]
    assert await ids(status="closed") == [noise]
    assert await ids(status="SUBMITTED") == [pothole]
    assert await ids(**{"from": (now - timedelta(days=500)).date().isoformat()}) == [
        old,
        pothole,
        noise,
    ]
    two_days_ago = (now - timedelta(days=2, hours=1)).isoformat()
    assert await ids(**{"from": two_days_ago, "to": now.isoformat()}) == [noise]
    # and the header names the fields
    header = (await client.get("/opendata/reports.csv")).text.splitlines()[0]
    assert header == (
        "id,category,status,status_group,area,area_name,area_name_en,created_at,updated_at,"
        "resolved_at,lat,lng,"
        "location_approximate"
    )


async def test_bad_filters_are_400(client: httpx.AsyncClient) -> None:
    for params in (
        {"from": "last week"},
        {"status": "pending"},
        {"from": "2025-02-01", "to": "2025-01-01"},
        # the calendar's ends, where the default range or the whole `to` day does not fit
        # (found by fuzzing: 500s)
        {"to": "0001-01-01"},
        {"to": "9999-12-31"},
    ):
        for export in ("reports.csv", "reports.geojson"):
            response = await client.get(f"/opendata/{export}", params=params)
            assert response.status_code == 400, params
            assert response.json()["error"]["code"] == "BAD_REQUEST"


async def test_if_modified_since_gives_304_until_a_report_changes(
    client: httpx.AsyncClient, db: Any
) -> None:
    # given exported reports and the Last-Modified the client saw
    docs = await given_reports(db)
    first = await client.get("/opendata/reports.geojson")
    seen = first.headers["last-modified"]
    # when the client revalidates, then 304 with the same validators and no body
    again = await client.get("/opendata/reports.geojson", headers={"If-Modified-Since": seen})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["last-modified"] == seen
    assert again.headers["cache-control"] == "public, max-age=300"
    # when a report changes later, then the export is sent again
    later = datetime.now(UTC) + timedelta(minutes=5)
    await db.reports.update_one({"_id": docs["pothole"]["_id"]}, {"$set": {"updated_at": later}})
    changed = await client.get("/opendata/reports.csv", headers={"If-Modified-Since": seen})
    assert changed.status_code == 200
    assert changed.headers["last-modified"] == format_datetime(
        later.replace(microsecond=0), usegmt=True
    )


async def test_heritage_sites_have_names_in_both_languages(client: httpx.AsyncClient) -> None:
    # when the sites are downloaded
    response = await client.get("/opendata/pois.geojson")
    # then each seeded site is a point with its Vietnamese and English names
    assert response.status_code == 200
    features = response.json()["features"]
    assert len(features) >= 10
    by_id = {f["id"]: f["properties"] for f in features}
    assert all(p["name_vi"] and p["name_en"] for p in by_id.values())
    assert any("Hoàn Kiếm" in p["name_vi"] for p in by_id.values())
    assert all(f["geometry"]["type"] == "Point" for f in features)


async def test_the_datasets_page_describes_fields_and_licence_escaped(
    client: httpx.AsyncClient, db: Any
) -> None:
    # given a category whose name holds markup
    await db.categories.update_one(
        {"_id": "graffiti"}, {"$set": {"name": {"vi": "<script>alert(1)</script>", "en": "G"}}}
    )
    # when the page is read
    response = await client.get("/opendata/")
    # then it describes both datasets, their fields and licence, with the markup escaped
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    for text in (
        "reports.geojson",
        "reports.csv",
        "pois.geojson",
        "CC BY 4.0",
        "location_approximate",
        "name_en",
        "no description",
    ):
        assert text in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


async def test_batches_keep_index_order_through_ties(client: httpx.AsyncClient, db: Any) -> None:
    # given 25 reports reported in the same millisecond between 6 others
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    docs = [report_doc(area=HOAN_KIEM, created_at=at) for _ in range(25)]
    docs += [
        report_doc(area=HOAN_KIEM, created_at=at + timedelta(seconds=s))
        for s in (-2, -1, 1, 2, 3, 4)
    ]
    await db.reports.insert_many(docs)
    for query in (
        ExportQuery(start=at - timedelta(days=1), end=at + timedelta(days=1)),
        ExportQuery(start=at - timedelta(days=1), end=at + timedelta(days=1), area=HOAN_KIEM),
    ):
        # when exported in batches of 4
        batches = [b async for b in report_repository.export_batches(db, query, batch=4)]
        # then every report comes once, in (created_at, _id) order, in batches of at most 4
        sent = [(doc["created_at"], doc["_id"]) for batch in batches for doc in batch]
        assert sent == sorted((doc["created_at"], doc["_id"]) for doc in docs)
        assert max(len(batch) for batch in batches) <= 4
