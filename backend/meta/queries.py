"""Health query."""

from __future__ import annotations

import strawberry

from backend import __version__
from backend.context import Info
from backend.meta import service as meta_service
from backend.meta.types import Health, HealthStatus


@strawberry.type
class MetaQueries:
    @strawberry.field(description="Health of the backend and its database.")
    async def health(self, info: Info) -> Health:
        report = await meta_service.health(
            info.context.db, timeout_seconds=info.context.settings.readiness_timeout_seconds
        )
        return Health(
            database=HealthStatus.UP if report.database_up else HealthStatus.DOWN,
            version=__version__,
            content_version=report.content_version,
        )
