"""Auth queries."""

from __future__ import annotations

import strawberry

from backend.auth.types import ViewerType
from backend.context import Info


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The viewer of this request (anonymous when no token is sent).")
    def viewer(self, info: Info) -> ViewerType:
        return ViewerType.from_viewer(info.context.viewer)
