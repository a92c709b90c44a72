"""`python -m backend.cli air ingest FILE`: what operators load by hand."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from backend.air import feeds
from backend.air import service as air_service
from backend.air.models import FeedBatch
from backend.db import Database
from backend.domains import ensure_indexes
from backend.settings import Settings


def read_file(path: Path) -> FeedBatch:
    """A station export (.csv, .json) or an OpenAQ pair {"location": ..., "latest": ...}."""
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        document = orjson.loads(data)
        if isinstance(document, dict) and {"location", "latest"} <= document.keys():
            return feeds.parse_openaq(document["location"], document["latest"])
    return feeds.parse_station_export(data, hint=path.name)


async def ingest_file(db: Database, path: Path, *, settings: Settings) -> int:
    """Ingest one file; prints what happened; 1 when the file cannot be read."""
    try:
        batch = read_file(path)
    except (OSError, orjson.JSONDecodeError, feeds.FeedError) as error:
        print(f"cannot ingest {path}: {error}", file=sys.stderr)
        return 1
    await ensure_indexes(db)
    result = await air_service.ingest(
        db,
        batch,
        now=datetime.now(UTC),
        stale_after=timedelta(minutes=settings.air_stale_minutes),
    )
    print(
        f"{path.name}: {result.stations} stations, {result.stored} readings stored, "
        f"{result.duplicates} already known, {result.rejected} rejected, "
        f"{result.alerts_sent} alerts sent"
    )
    return 0
