"""Who may see what of a report: rules the service and the GraphQL types both apply.

Pure functions of the viewer and the stored report; no database, so a type can apply them to a
document it already holds (the category comes from the request's DataLoader).
"""

from __future__ import annotations

from backend.auth.models import Viewer
from backend.reports.models import CategoryDoc, ReportDoc


def is_reporter(viewer: Viewer, report: ReportDoc) -> bool:
    return viewer.uid is not None and viewer.uid == report.reporter


def may_see_report(viewer: Viewer, report: ReportDoc) -> bool:
    """Hidden reports (abuse, spam, a banned user's) are shown only to staff and the reporter."""
    return not report.hidden or viewer.is_staff or is_reporter(viewer, report)


def may_see_reporter(viewer: Viewer, report: ReportDoc) -> bool:
    """Staff always; the reporter themself; nobody else, anonymous or not."""
    return viewer.is_staff or is_reporter(viewer, report)


def may_see_exact_location(viewer: Viewer, report: ReportDoc, category: CategoryDoc | None) -> bool:
    """Private categories (noise, stray animals...) show others only a ~100 m position."""
    private = category.private if category is not None else True
    return not private or viewer.is_staff or is_reporter(viewer, report)


def coarse(value: float) -> float:
    """Three decimals of a degree: about 110 m of latitude in Hanoi."""
    return round(value, 3)
