"""Tourism fixtures: a small fixed content set loaded by the real loader; a GraphQL helper."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from backend.db import Database
from backend.seed import migrate
from backend.settings import Settings

HOAN_KIEM = {"lat": 21.02875, "lng": 105.8524}
DAILY_8_17 = {
    day: [["08:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def _poi(slug: str, category: str, vi: str, en: str, lat: float, lng: float, **extra: Any) -> dict:
    poi = {
        "slug": slug,
        "category": category,
        "name": {"vi": vi, "en": en},
        "summary": {"vi": f"Tóm tắt {vi}", "en": f"Summary of {en}"},
        "description": {"vi": f"Mô tả {vi}", "en": f"About {en}"},
        "address": {"vi": "Hà Nội", "en": "Hanoi"},
        "district": "Đống Đa",
        "location": {"lat": lat, "lng": lng},
        "opening_hours": {"weekly": DAILY_8_17, "exceptions": []},
        "tickets": [{"label": {"vi": "Người lớn", "en": "Adult"}, "price_vnd": 30000}],
        "visit_minutes": 30,
        "accessibility": {"vi": "Có lối cho xe lăn", "en": "Wheelchair ramp"},
        "tags": [],
        "photo_credits": [],
        "sources": ["https://example.org/source"],
    }
    poi.update(extra)
    return poi


def tiny_pois() -> list[dict[str, Any]]:
    return [
        _poi(
            "van-mieu",
            "temple",
            "Văn Miếu - Quốc Tử Giám",
            "Temple of Literature",
            21.0282,
            105.8356,
            opening_hours={
                "weekly": DAILY_8_17,
                "exceptions": [
                    {
                        "date": "2027-02-06",
                        "closed": True,
                        "note": {"vi": "Nghỉ Tết", "en": "Closed for Tết"},
                    }
                ],
            },
        ),
        _poi(
            "ho-hoan-kiem",
            "lake",
            "Hồ Hoàn Kiếm",
            "Hoàn Kiếm Lake",
            HOAN_KIEM["lat"],
            HOAN_KIEM["lng"],
            opening_hours={
                "weekly": {d: [["00:00", "24:00"]] for d in DAILY_8_17},
                "exceptions": [],
            },
        ),
        _poi(
            "den-ngoc-son",
            "temple",
            "Đền Ngọc Sơn",
            "Ngoc Son Temple",
            21.0307,
            105.8524,
            description={"vi": "Đền trên đảo Ngọc, hồ Hoàn Kiếm", "en": "A temple on the lake"},
        ),
        _poi(
            "cho-dem",
            "market",
            "Chợ đêm phố cổ",
            "Old Quarter Night Market",
            21.0365,
            105.8508,
            opening_hours={
                "weekly": {
                    "fri": [["19:00", "02:00"]],
                    "sat": [["19:00", "02:00"]],
                    "sun": [["19:00", "23:00"]],
                },
                "exceptions": [],
            },
        ),
        _poi(
            "lang-bac",
            "monument",
            "Lăng Chủ tịch Hồ Chí Minh",
            "Ho Chi Minh Mausoleum",
            21.0368,
            105.8346,
            # English only: a Vietnamese viewer falls back to it.
            summary={"en": "Where Ho Chi Minh lies in state"},
        ),
        _poi("ho-tay", "lake", "Hồ Tây", "West Lake", 21.0580, 105.8190),
    ]


def tiny_journeys() -> list[dict[str, Any]]:
    return [
        {
            "slug": "pho-co",
            "theme": "history",
            "mode": "walk",
            "title": {"vi": "Dạo phố cổ", "en": "Old Quarter walk"},
            "summary": {"vi": "Từ Văn Miếu tới hồ", "en": "From the temple to the lake"},
            "stops": [
                {"poi": "van-mieu", "story": {"vi": "Bia tiến sĩ", "en": "Doctors' steles"}},
                {"poi": "ho-hoan-kiem", "story": {"vi": "Rùa vàng", "en": "The golden turtle"}},
                {"poi": "den-ngoc-son", "story": {"vi": "Cầu Thê Húc", "en": "The red bridge"}},
            ],
        },
        {
            "slug": "ho-va-den",
            "theme": "lakes",
            "mode": "ride",
            "title": {"vi": "Hồ và đền", "en": "Lakes and temples"},
            "summary": {"vi": "Đạp xe quanh hồ", "en": "A ride around the lakes"},
            "stops": [
                {"poi": "ho-tay", "story": {"vi": "Hồ Tây", "en": "West Lake"}},
                {"poi": "ho-hoan-kiem", "story": {"vi": "Hồ Gươm", "en": "Sword Lake"}},
            ],
        },
    ]


def write_content(folder: Path, pois: list[dict], journeys: list[dict]) -> Path:
    """A content directory holding only tourism files."""
    tourism = folder / "tourism"
    tourism.mkdir(parents=True, exist_ok=True)
    dump = {"ensure_ascii": False, "indent": 1}
    (tourism / "pois.json").write_text(json.dumps({"version": 1, "pois": pois}, **dump), "utf-8")
    (tourism / "journeys.json").write_text(
        json.dumps({"version": 1, "journeys": journeys}, **dump), "utf-8"
    )
    return folder


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    return write_content(tmp_path / "content", tiny_pois(), tiny_journeys())


@pytest.fixture
def db(
    client: httpx.AsyncClient, settings: Settings, db_client: AsyncMongoClient[dict[str, Any]]
) -> Database:
    """The test app's database, through the test's own driver connection."""
    return db_client[settings.mongodb_db]


@pytest.fixture
async def tiny(db: Database, content_dir: Path) -> Database:
    """The small content set, loaded like the release phase loads content."""
    await migrate(db, content_dir=content_dir)
    return db


Gql = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def gql(client: httpx.AsyncClient) -> Gql:
    """POST a GraphQL operation; returns the JSON body."""

    async def run(
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        locale: str | None = None,
    ) -> dict[str, Any]:
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if locale:
            headers["Accept-Language"] = locale
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return response.json()

    return run
