"""Who may change the catalogue's inventory: the Department of Tourism's staff and admins."""

from __future__ import annotations

from typing import Any

from backend.auth.models import Role
from backend.auth.permissions import HasRole
from backend.bookings.service.common import is_booking_staff
from backend.context import Info


class IsBookingStaff(HasRole):
    """Admins and staff of the Department of Tourism (not moderators, not other departments)."""

    roles = frozenset({Role.STAFF, Role.ADMIN})

    async def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not is_booking_staff(info.context.viewer):
            return False
        return await super().has_permission(source, info, **kwargs)
