"""Health query."""

from __future__ import annotations

import strawberry

from backend import __version__
from backend.context import Info
from backend.db import ping
from backend.meta import repository as meta_repository
from backend.meta.types import Health, HealthStatus


@strawberry.type
class MetaQueries:
    @strawberry.field(description="Health of the backend and its database.")
    async def health(self, info: Info) -> Health:
        context = info.context
        up = await ping(context.db, context.settings.readiness_timeout_seconds)
        content = await meta_repository.get_content_version(context.db) if up else None
        return Health(
            database=HealthStatus.UP if up else HealthStatus.DOWN,
            version=__version__,
            content_version=str(content["version"]) if content else None,
        )
