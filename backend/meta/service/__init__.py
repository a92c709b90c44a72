"""Rules of the meta domain: the health of this process and the content version it serves."""

from __future__ import annotations

from dataclasses import dataclass

from backend.db import Database, ping
from backend.meta import repository as meta_repository


@dataclass(frozen=True, slots=True)
class HealthReport:
    database_up: bool
    content_version: str | None


async def health(db: Database, *, timeout_seconds: float) -> HealthReport:
    """Whether the database answers within the timeout, and the content version it holds."""
    up = await ping(db, timeout_seconds)
    content = await meta_repository.get_content_version(db) if up else None
    return HealthReport(
        database_up=up, content_version=str(content["version"]) if content else None
    )
