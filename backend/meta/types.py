"""GraphQL types for deployment health."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Whether a dependency answers.")
class HealthStatus(Enum):
    UP = "up"
    DOWN = "down"


@strawberry.type(description="The backend's health, for the app's diagnostics screen.")
class Health:
    database: HealthStatus = strawberry.field(
        description="UP when the database answered a ping within the readiness timeout."
    )
    version: str = strawberry.field(description="The backend's version.")
    content_version: str | None = strawberry.field(
        description="Version of the loaded seed content; changes whenever content is reloaded."
    )
