"""GraphQL output types of reports: a report's parts (parts.py) and the Report itself (report.py).

Every name is re-exported here, so callers import from `backend.reports.types`.
"""

from __future__ import annotations

from backend.media.types import ReportPhoto
from backend.reports.types.parts import (
    Department,
    ReportCategory,
    ReportError,
    ReportErrorCodeEnum,
    ReportEventKindEnum,
    ReportRating,
    ReportReporter,
    ReportStatusEnum,
    ReportTimelineEvent,
)
from backend.reports.types.report import Report, ReportNearbyConnection, ReportNearbyEdge

__all__ = [
    "Department",
    "Report",
    "ReportCategory",
    "ReportError",
    "ReportErrorCodeEnum",
    "ReportEventKindEnum",
    "ReportNearbyConnection",
    "ReportNearbyEdge",
    "ReportPhoto",
    "ReportRating",
    "ReportReporter",
    "ReportStatusEnum",
    "ReportTimelineEvent",
]
