"""Why a status change is not allowed, in words a city officer reads (vi/en), not enum names."""

from __future__ import annotations

from backend.moderation.models import ModerationErrorCode, allowed_transitions
from backend.moderation.service.common import ModerationError
from backend.reports.models import CLOSED_STATES, ReportStatus

S = ReportStatus

# The statuses as the console and the app name them (content/notifications/templates.json).
LABELS: dict[ReportStatus, dict[str, str]] = {
    S.SUBMITTED: {"vi": "Mới gửi", "en": "new"},
    S.ACKNOWLEDGED: {"vi": "Đã tiếp nhận", "en": "acknowledged"},
    S.IN_PROGRESS: {"vi": "Đang xử lý", "en": "in progress"},
    S.RESOLVED: {"vi": "Đã xử lý xong", "en": "resolved"},
    S.REJECTED: {"vi": "Không tiếp nhận", "en": "rejected"},
    S.DUPLICATE: {"vi": "Trùng lặp", "en": "a duplicate"},
    S.REOPENED: {"vi": "Đã mở lại", "en": "reopened"},
}


def label(status: ReportStatus, locale: str) -> str:
    return LABELS[status][locale]


def illegal_transition(current: ReportStatus, target: ReportStatus) -> ModerationError:
    """The ILLEGAL_TRANSITION error for current -> target, saying what to do instead."""

    def error(en: str, vi: str) -> ModerationError:
        return ModerationError(ModerationErrorCode.ILLEGAL_TRANSITION, en=en, vi=vi, field="status")

    if current == target:
        return error(
            f"This report is already {label(current, 'en')}",
            f"Phản ánh này đã ở trạng thái “{label(current, 'vi')}”",
        )
    if current in CLOSED_STATES:
        return error(
            f"This report is {label(current, 'en')} and closed: only the resident who reported "
            "or follows it can reopen it",
            f"Phản ánh đã ở trạng thái “{label(current, 'vi')}” và đã đóng: chỉ người phản ánh "
            "hoặc người theo dõi mới có thể mở lại",
        )
    if target is S.DUPLICATE:
        return error(
            "To mark a report as a duplicate, merge it into the original",
            "Để đánh dấu trùng lặp, hãy gộp phản ánh vào phản ánh gốc",
        )
    if target is S.REOPENED:
        return error(
            "Only residents reopen a report, after it was resolved",
            "Chỉ người dân mới mở lại phản ánh, sau khi phản ánh đã được xử lý xong",
        )
    allowed = allowed_transitions(current)
    return error(
        f"A report that is {label(current, 'en')} cannot go back to {label(target, 'en')}; "
        f"it can become: {', '.join(label(s, 'en') for s in allowed)}",
        f"Phản ánh “{label(current, 'vi')}” không thể chuyển về “{label(target, 'vi')}”; "
        f"có thể chuyển sang: {', '.join('“' + label(s, 'vi') + '”' for s in allowed)}",
    )
