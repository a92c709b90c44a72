"""Who may change the catalogue's inventory: city staff and admins."""

from __future__ import annotations

from backend.auth.models import Role
from backend.auth.permissions import HasRole


class IsBookingStaff(HasRole):
    """Staff and admins (not moderators): they run departures and hotel inventory."""

    roles = frozenset({Role.STAFF, Role.ADMIN})
