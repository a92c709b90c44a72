"""Database access: one AsyncMongoClient per process, and the index registry."""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from backend.settings import Settings

log = logging.getLogger(__name__)

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Client = AsyncMongoClient[Document]

# Every module here declares `INDEXES: Mapping[str, Sequence[IndexModel]]` for the collections it owns.
REPOSITORIES: tuple[str, ...] = (
    "backend.auth.repository",
    "backend.meta.repository",
)


def open_client(uri: str, settings: Settings) -> Client:
    """Create the process's client; the caller closes it (the app's lifespan does)."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        serverSelectionTimeoutMS=settings.db_timeout_ms,
        connectTimeoutMS=settings.db_timeout_ms,
        # Requests fail fast while the database is away instead of queueing behind it.
        timeoutMS=max(settings.db_timeout_ms * 5, 10_000),
        appname="thanglong",
    )


def declared_indexes() -> dict[str, list[IndexModel]]:
    """Collect the indexes every repository declares, by collection."""
    collected: dict[str, list[IndexModel]] = {}
    for name in REPOSITORIES:
        module = importlib.import_module(name)
        indexes: Mapping[str, Sequence[IndexModel]] = module.INDEXES
        for collection, models in indexes.items():
            collected.setdefault(collection, []).extend(models)
    return collected


async def ensure_indexes(db: Database) -> dict[str, list[str]]:
    """Create every declared index (idempotent); returns the names by collection."""
    created: dict[str, list[str]] = {}
    for collection, models in declared_indexes().items():
        created[collection] = await db[collection].create_indexes(models)
    log.info("indexes ensured on %d collections", len(created))
    return created


async def ping(db: Database, timeout: float) -> bool:
    """True when the database answers within `timeout` seconds."""
    try:
        await asyncio.wait_for(db.command("ping"), timeout)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return False
