"""DomainError -> a domain's payload errors: one helper for every domain."""

from __future__ import annotations

from backend.errors import DomainError, DomainErrors, code_in, payload_errors
from backend.notifications.types import NotificationError, NotificationErrorCode
from backend.reports.models import ReportErrorCode
from backend.reports.service.rules import ReportInputErrors
from backend.reports.types import ReportError
from backend.tourism.models import TourismErrorCode


def test_codes_match_by_name_then_value_else_the_invalid_member() -> None:
    assert code_in(NotificationErrorCode, "NOT_FOUND") is NotificationErrorCode.NOT_FOUND
    assert code_in(NotificationErrorCode, "not_found") is NotificationErrorCode.NOT_FOUND
    assert code_in(ReportErrorCode, ReportErrorCode.RATE_LIMITED) is ReportErrorCode.RATE_LIMITED
    assert code_in(ReportErrorCode, "NO_SUCH_CODE") is ReportErrorCode.INVALID_INPUT
    assert code_in(TourismErrorCode, "NO_SUCH_CODE") is TourismErrorCode.INVALID


def test_several_field_errors_become_several_payload_errors() -> None:
    error = ReportInputErrors(
        [
            DomainError(ReportErrorCode.INVALID_INPUT, "Too short", field="description"),
            DomainError("NOT_FOUND", "No such category", field="categoryId"),
        ]
    )
    assert isinstance(error, DomainErrors)
    errors = payload_errors(error, ReportError, ReportErrorCode)
    assert [(e.field, e.code) for e in errors] == [
        ("description", ReportErrorCode.INVALID_INPUT),
        ("categoryId", ReportErrorCode.NOT_FOUND),
    ]


def test_extra_payload_fields_come_from_the_error() -> None:
    class Limited(DomainError):
        def payload_fields(self) -> dict[str, object]:
            return {"retry_after_seconds": 42}

    [error] = payload_errors(Limited("RATE_LIMITED", "Later"), ReportError, ReportErrorCode)
    assert (error.code, error.retry_after_seconds) == (ReportErrorCode.RATE_LIMITED, 42)
    forbidden = DomainError("FORBIDDEN", "No")
    [plain] = payload_errors(forbidden, NotificationError, NotificationErrorCode)
    assert plain.code is NotificationErrorCode.FORBIDDEN and plain.message == "No"
