"""Who may moderate what: rules the services and the GraphQL types both apply.

Pure functions of the viewer and the stored report; no database.
"""

from __future__ import annotations

from backend.auth.models import Role, Viewer
from backend.reports.models import ReportDoc


def is_moderator(viewer: Viewer) -> bool:
    return viewer.has_role(Role.MODERATOR, Role.ADMIN)


def in_unit(viewer: Viewer, *, department: str, area: str) -> bool:
    """A staff member's unit covers a report routed to `department` in `area`: the department
    city-wide, or (ward offices, the `areas` claim) only the units they work for."""
    return (
        viewer.has_role(Role.STAFF)
        and bool(viewer.department)
        and viewer.department == department
        and (not viewer.areas or area in viewer.areas)
    )


def may_act_on(viewer: Viewer, report: ReportDoc) -> bool:
    """Moderators act on everything; staff on the reports routed to their unit."""
    if is_moderator(viewer):
        return True
    return in_unit(viewer, department=report.department, area=report.area)
