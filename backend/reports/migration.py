"""Reports stored before `location_cells` existed get them: what `migrate` runs for nearby lists.

`ReportDoc.to_mongo` writes a report's grid cells (`backend.geo.grid_cells`) with its location,
and reportsNearby reads reports cell by cell (reports/repository/nearby.py). A report stored
before that has none; nearby lists still find it (their first read asks for the null key too),
but every list then reads it, so this gives each its cells. Idempotent: it selects the reports
still without cells (served by the `location_cells` index, where a missing field is the null
key) and writes only where there are still none, so a second run reads nothing and changes
nothing. A report without a usable location gets an empty list: there is nothing to find it by,
and it is not selected again.
"""

from __future__ import annotations

import logging

from backend import geo
from backend.db import Database
from backend.reports.repository.nearby import reports_without_cells, set_location_cells

log = logging.getLogger(__name__)

BATCH = 1_000  # reports read per batch, and written per bulk write


async def backfill_location_cells(db: Database, *, batch: int = BATCH) -> int:
    """Store the grid cells of every report that has none; returns how many changed."""
    changed = 0
    async for found in reports_without_cells(db, batch=batch):
        cells = [
            (report_id, geo.grid_cells(lat=point[0], lng=point[1]) if point else [])
            for report_id, point in found
        ]
        changed += await set_location_cells(db, cells)
    if changed:
        log.info("reports migration: location cells stored for %d reports", changed)
    return changed
