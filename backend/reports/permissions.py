"""Who may see what of a report: rules the service and the GraphQL types both apply.

Pure functions of the viewer and the stored report; no database, so a type can apply them to a
document it already holds (the category comes from the request's DataLoader).
"""

from __future__ import annotations

from backend.auth.models import Viewer
from backend.moderation.permissions import may_act_on
from backend.reports.models import CategoryDoc, ReportDoc


def is_reporter(viewer: Viewer, report: ReportDoc) -> bool:
    return viewer.uid is not None and viewer.uid == report.reporter


def handles(viewer: Viewer, report: ReportDoc) -> bool:
    """Moderators, and the staff of the unit the report is routed to (its department city-wide,
    or the department's office in its ward). Staff of any other unit see a report as the public
    does: a ward's office has no business with another ward's residents."""
    return may_act_on(viewer, report)


def may_see_report(viewer: Viewer, report: ReportDoc) -> bool:
    """Hidden reports (abuse, spam, a banned user's) are shown only to those who handle them
    and the reporter."""
    return not report.hidden or handles(viewer, report) or is_reporter(viewer, report)


def may_see_reporter(viewer: Viewer, report: ReportDoc) -> bool:
    """Those who handle the report; the reporter themself; nobody else, anonymous or not."""
    return handles(viewer, report) or is_reporter(viewer, report)


def may_see_exact_location(viewer: Viewer, report: ReportDoc, category: CategoryDoc | None) -> bool:
    """Private categories (noise, stray animals...) show others only a ~100 m position."""
    private = category.private if category is not None else True
    return not private or handles(viewer, report) or is_reporter(viewer, report)


def coarse(value: float) -> float:
    """Three decimals of a degree: about 110 m of latitude in Hanoi."""
    return round(value, 3)
