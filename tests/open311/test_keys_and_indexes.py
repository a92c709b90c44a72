"""`open311 key-create` from the shell, and the listing queries served by indexes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId

from backend.reports.repository import REPORTS, RequestQuery
from backend.settings import ROOT, Settings
from tests.open311.conftest import V2, request_form


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MONGODB_URI": str(settings.mongodb_uri),
        "MONGODB_DB": settings.mongodb_db,
    }
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "open311", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_key_create_prints_a_key_that_works_once_and_revoke_stops_it(
    client: httpx.AsyncClient, settings: Settings, db: Any
) -> None:
    # when an admin creates a key from the shell
    created = cli(settings, "key-create", "FixMyHanoi")
    # then it prints the key, and only its hash is stored
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip().splitlines()[-1]
    assert len(secret) >= 43
    stored = await db.open311_keys.find_one({})
    assert stored["name"] == "FixMyHanoi"
    assert secret not in str(stored)
    # and a partner can file with it
    response = await client.post(f"{V2}/requests.json", data=request_form(secret))
    assert response.status_code == 200, response.text
    # and the list shows it without the secret; revoking it by prefix refuses it afterwards
    listed = cli(settings, "key-list")
    assert "FixMyHanoi" in listed.stdout and "active" in listed.stdout
    assert secret not in listed.stdout
    assert cli(settings, "key-revoke", stored["prefix"]).returncode == 0
    response = await client.post(f"{V2}/requests.json", data=request_form(secret))
    assert response.status_code == 403
    assert cli(settings, "key-revoke", stored["prefix"]).returncode == 1


def stages(plan: dict[str, Any]) -> list[str]:
    found = []
    while plan:
        found.append(plan["stage"] + (f"({plan['indexName']})" if "indexName" in plan else ""))
        plan = plan.get("inputStage") or {}
    return found


async def test_listing_queries_are_served_by_indexes_without_a_blocking_sort(
    client: httpx.AsyncClient, db: Any
) -> None:
    # given enough reports that a collection scan would look cheap to a planner
    now = datetime.now(UTC)
    await db[REPORTS].insert_many(
        [
            {
                "_id": ObjectId(),
                "category": "pothole",
                "status": "SUBMITTED",
                "area": "00070",
                "location": {"type": "Point", "coordinates": [105.85, 21.03]},
                "created_at": now - timedelta(hours=i),
                "updated_at": now,
            }
            for i in range(200)
        ]
    )
    window = {"start": now - timedelta(days=90), "end": now}
    queries = {
        "default": (RequestQuery(**window), "open311_created"),
        "status": (RequestQuery(**window, statuses=["RESOLVED"]), "open311_created"),
        "codes": (RequestQuery(**window, categories=["noise", "pothole"]), "open311_created"),
        "one code": (RequestQuery(**window, categories=["pothole"]), "open311_category_created"),
        "ids": (RequestQuery(**window, ids=[ObjectId()]), "_id_"),
        "near": (RequestQuery(**window, near=(105.85, 21.03, 500.0)), "location_category_status"),
        "bbox": (
            RequestQuery(**window, bbox=(105.8, 21.0, 105.9, 21.1)),
            "location_category_status",
        ),
    }
    for name, (query, index) in queries.items():
        # when the server explains the listing query
        sort, hint = query.plan()
        cursor = db[REPORTS].find(query.mongo_filter())
        if sort:
            cursor = cursor.sort(sort)
        if hint:
            cursor = cursor.hint(hint)
        plan = stages((await cursor.limit(1000).explain())["queryPlanner"]["winningPlan"])
        # then the named index serves it, with no collection scan
        assert any(f"({index})" in stage for stage in plan), (name, plan)
        assert not any("COLLSCAN" in stage for stage in plan), (name, plan)
        # and, for the date listings, no in-memory sort
        if name not in ("bbox", "ids", "near"):
            assert "SORT" not in plan, (name, plan)
