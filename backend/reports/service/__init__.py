"""The reports domain's business rules, split along its seams (create, engagement, shared rules).

Import as `from backend.reports import service as report_service`.
"""

from backend.reports.permissions import (
    coarse,
    is_reporter,
    may_see_exact_location,
    may_see_report,
    may_see_reporter,
)
from backend.reports.service.create import (
    CreatedReport,
    ReportDraft,
    create_report,
    get_report,
)
from backend.reports.service.engagement import (
    ReopenDraft,
    existing_report,
    follow,
    me_too,
    rate,
    reopen,
    unfollow,
)
from backend.reports.service.rules import (
    RateLimitedError,
    ReportError,
    ReportInputErrors,
    add_working_hours,
)

__all__ = [
    "CreatedReport",
    "RateLimitedError",
    "ReopenDraft",
    "ReportDraft",
    "ReportError",
    "ReportInputErrors",
    "add_working_hours",
    "coarse",
    "create_report",
    "existing_report",
    "follow",
    "get_report",
    "is_reporter",
    "may_see_exact_location",
    "may_see_report",
    "may_see_reporter",
    "me_too",
    "rate",
    "reopen",
    "unfollow",
]

from backend.reports.service.reads import categories, my_reports, nearby

__all__ += ["categories", "my_reports", "nearby"]
