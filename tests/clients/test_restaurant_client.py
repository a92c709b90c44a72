"""A tourist's table reservation with Apollo Client: `node --test restaurant_table.client.mjs`.

The app under uvicorn on a loopback port in production's allowlist mode (only the manifest's
operations), the seed content and the test's own restaurants (tests/bookings/restaurant_support.py),
and an RS256 ID token the app verifies against the test's loopback cert server. The Node test
lists restaurants near a point, opens one, reads its seatings, holds a table, confirms, finds the
booking in myBookings and cancels, checking what Apollo's normalised cache shows after each step.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from backend.bookings import loader as booking_loader
from backend.settings import ROOT, Settings
from tests.bookings.restaurant_support import BISTRO, CUISINE, HERE, add_restaurants, day_ahead
from tests.clients.node import run_node
from tests.conftest import SeedTemplates, with_settings
from tests.open311.conftest import LiveServer

CLIENT_TEST = ROOT / "tests" / "clients" / "restaurant_table.client.mjs"
NODE_TIMEOUT_SECONDS = 120

pytestmark = pytest.mark.timeout(240)


async def test_apollo_client_reserves_a_table_and_its_cache_follows(
    settings: Settings,
    seed_templates: SeedTemplates,
    make_token: Callable[..., str],
    tmp_path: Path,
) -> None:
    # given the app as production runs it (only the manifest's operations) with the test's
    # restaurants beside the seeded ones
    live = with_settings(
        settings,
        mongodb_db=f"test_tables_{uuid.uuid4().hex[:12]}",
        persisted_queries="allowlist",
    )
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(seed_templates.uri, tz_aware=True)
    try:
        db = admin[live.mongodb_db]
        await seed_templates.copy(db, loaders=(booking_loader.load_content,))
        await add_restaurants(db)
        with LiveServer(live) as server:
            env = {
                "PATH": os.environ["PATH"],
                "HOME": str(tmp_path),
                "NO_PROXY": "127.0.0.1,localhost",
                "API_URL": server.url,
                "TOKEN": make_token(uid=f"tourist-{uuid.uuid4().hex[:8]}"),
                "HERE": f"{HERE[0]},{HERE[1]}",
                "CUISINE": CUISINE,
                "RESTAURANT": BISTRO,
                "DAY": day_ahead(2).isoformat(),
            }
            # when the Node test runs the tourist's task with Apollo Client
            code, output = await run_node(CLIENT_TEST, env, seconds=NODE_TIMEOUT_SECONDS)
    finally:
        await admin.close()
    # then it passed, and it ran
    assert code == 0, output
    assert "# pass 1" in output and "# fail 0" in output, output
