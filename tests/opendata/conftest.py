"""Fixtures of the open data tests: content loaded, and stored report documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from backend.settings import Settings
from tests.conftest import with_settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Load content/ (categories, areas, sites) into the test's database at startup."""
    return with_settings(settings, seed_on_start=True)


@pytest.fixture
def db(db_client: Any, settings: Settings) -> Any:
    return db_client[settings.mongodb_db]


def report_doc(**changes: Any) -> dict[str, Any]:
    """A report as the reports domain stores it (with its reporter and free text)."""
    now = datetime.now(UTC)
    doc: dict[str, Any] = {
        "_id": ObjectId(),
        "category": "pothole",
        "department": "so-xay-dung",
        "status": "SUBMITTED",
        "description": "Ổ gà lớn, số nhà 12, gọi chị Lan 0912345678",
        "location": {"type": "Point", "coordinates": [105.85241, 21.02873]},
        "address": "12 Đinh Tiên Hoàng",
        "area": "00070",
        "photo_ids": [],
        "reporter": "resident-uid-1",
        "anonymous": False,
        "me_too_count": 0,
        "follower_count": 1,
        "created_at": now,
        "updated_at": now,
        "sla_due_at": now,
        "resolved_at": None,
        "search_terms": ["o", "ga"],
        "hidden": False,
    }
    doc.update(changes)
    return doc
